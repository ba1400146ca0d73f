package io.htmlgraph.atomic;

import static org.assertj.core.api.Assertions.assertThat;

import io.htmlgraph.atomic.testsupport.ChildJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A transaction of 10,000 files of 4 KiB (40 MB of content) in a child JVM of 32 MB of heap, under
 * {@code ulimit -n 256}: a transaction that kept the contents in memory would run out of heap, one that
 * kept a descriptor per staged file would run out of descriptors. What staging keeps per file (its
 * names, its checksum) is measured: the heap in use after a full collection grows between the
 * 5,000th and the 10,000th file by far less than a file's content.
 */
class LargeTransactionTest {
  private static final int FILES = 10_000;
  /** Bytes of heap kept per staged file, at most: a quarter of the 4 KiB content. */
  private static final long MAX_HEAP_PER_FILE = TransactionChild.MANY_SIZE / 4;

  @TempDir Path root;

  @Test
  void tenThousandFilesCommitInA32MegabyteHeapWithoutADescriptorPerFile() throws Exception {
    List<String> out = new ArrayList<>();
    long start = System.nanoTime();
    try (ChildJvm child = ChildJvm.launch(TransactionChild.class, "many", root.toString(), Integer.toString(FILES))
        .jvmOptions(List.of("-Xmx32m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"))
        .inShell("ulimit -n 256 && exec \"$@\"").start()) {
      for (String line; (line = child.readLine()) != null; ) {
        out.add(line);
      }
      assertThat(child.waitFor(300)).as("exit status of the child (it said %s)", out).isZero();
    }
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertThat(out).contains("COMMITTED");
    String[] fds = line(out, "FDS ");
    long before = Long.parseLong(fds[1]);
    long after = Long.parseLong(fds[2]);
    assertThat(after - before).as("descriptors opened by staging %d files and kept", FILES).isLessThan(16);
    String[] heap = line(out, "HEAP ");
    long perFile = (Long.parseLong(heap[2]) - Long.parseLong(heap[1])) / (FILES - FILES / 2);
    assertThat(perFile).as("heap kept per staged file, bytes").isLessThan(MAX_HEAP_PER_FILE);
    for (int i = 0; i < FILES; i++) {
      Path f = root.resolve("d" + (i % 10)).resolve("file-" + i);
      assertThat(Files.readAllBytes(f)).as("%s", f).isEqualTo(TransactionChild.manyContent(i));
    }
    try (Stream<Path> s = Files.list(root.resolve(".txn"))) {
      assertThat(s.map(p -> p.getFileName().toString()).filter(n -> !n.equals("fence"))).as("left in .txn").isEmpty();
    }
    System.out.println("[transaction] " + FILES + " files of " + TransactionChild.MANY_SIZE + " B in one commit, "
        + "-Xmx32m, ulimit -n 256: " + millis + " ms for the child ("
        + out.stream().filter(l -> l.startsWith("TIMES ")).findFirst().orElse("") + "); descriptors before/after "
        + "staging " + before + "/" + after + "; heap kept per staged file " + perFile + " B (after GC: "
        + heap[1] + " B at " + FILES / 2 + " files, " + heap[2] + " B at " + FILES + ")");
  }

  private static String[] line(List<String> out, String prefix) {
    return out.stream().filter(l -> l.startsWith(prefix)).findFirst().orElseThrow(
        () -> new AssertionError("no line " + prefix + "in " + out)).split(" ");
  }
}
