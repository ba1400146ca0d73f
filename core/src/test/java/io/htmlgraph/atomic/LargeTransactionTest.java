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
 * A transaction of 10,000 files in a JVM of 32 MB of heap: staging keeps no content in memory and no
 * descriptor open per file, and the commit publishes every file.
 */
class LargeTransactionTest {
  private static final int FILES = 10_000;

  @TempDir Path root;

  @Test
  void tenThousandFilesCommitInA32MegabyteHeapWithoutADescriptorPerFile() throws Exception {
    List<String> out = new ArrayList<>();
    long start = System.nanoTime();
    try (ChildJvm child = ChildJvm.start(List.of("-Xmx32m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"),
        TransactionChild.class, "many", root.toString(), Integer.toString(FILES))) {
      for (String line; (line = child.readLine()) != null; ) {
        out.add(line);
      }
      assertThat(child.waitFor(300)).as("exit status of the child (an OutOfMemoryError would fail it)").isZero();
    }
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertThat(out).contains("COMMITTED");
    String[] fds = out.stream().filter(l -> l.startsWith("FDS ")).findFirst().orElseThrow().split(" ");
    long before = Long.parseLong(fds[1]);
    long after = Long.parseLong(fds[2]);
    assertThat(after - before).as("descriptors opened by staging %d files and kept", FILES).isLessThan(16);
    for (int i = 0; i < FILES; i++) {
      Path f = root.resolve("d" + (i % 10)).resolve("file-" + i);
      assertThat(Files.readAllBytes(f)).as("%s", f).isEqualTo(TransactionChild.manyContent(i));
    }
    try (Stream<Path> s = Files.list(root.resolve(".txn"))) {
      assertThat(s.map(p -> p.getFileName().toString()).filter(n -> !n.equals("fence"))).as("left in .txn").isEmpty();
    }
    System.out.println("[transaction] " + FILES + " files in one commit, -Xmx32m: " + millis + " ms for the child "
        + "(" + out.stream().filter(l -> l.startsWith("TIMES ")).findFirst().orElse("") + "); descriptors before/after "
        + "staging " + before + "/" + after);
  }
}
