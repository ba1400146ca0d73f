package io.htmlgraph.atomic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A large old file (1 MiB or more) is replaced through a temp that starts as its copy and is
 * overwritten, not truncated first (truncating to zero makes ext4 and XFS write the file back when it
 * is closed): whatever the new content's length, the target ends up holding exactly it, by every
 * writer of the library.
 */
class LargeOldFileReplaceTest {
  private static final int MIB = 1 << 20;

  @TempDir Path dir;

  private static byte[] bytes(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  private Path oldFile(String name, int size) throws IOException {
    Path f = Files.write(dir.resolve(name), bytes(size, 1));
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
    return f;
  }

  @ParameterizedTest(name = "{0} bytes over 2 MiB at {1}")
  @CsvSource({"0, NONE", "10, FULL", "1048575, FILE", "2097152, NONE", "2097153, FULL", "3145728, NONE"})
  void theTargetHoldsExactlyTheNewContentWhateverItsLength(int newSize, Durability level) throws IOException {
    Path f = oldFile("big.bin", 2 * MIB);
    byte[] content = bytes(newSize, 2);
    WriteOptions options = WriteOptions.builder().durability(level).build();
    AtomicFileWriter.atomicWrite(f, content, options);
    assertThat(Files.readAllBytes(f)).isEqualTo(content);

    Path g = oldFile("streamed.bin", 2 * MIB);
    AtomicFileOutputStream.atomicWrite(g, options, out -> {
      for (int i = 0; i < content.length; i += 4096) {
        out.write(content, i, Math.min(4096, content.length - i)); // in pieces, as a stream is written
      }
    });
    assertThat(Files.readAllBytes(g)).isEqualTo(content);
    assertThat(Files.getPosixFilePermissions(g)).isEqualTo(PosixFilePermissions.fromString("rw-r--r--"));
    assertThat(TestFiles.temps(dir)).isEmpty();
  }

  @Test
  void aBatchAndAnAbortedWriteToo() throws IOException {
    Path a = oldFile("a.bin", 2 * MIB);
    Path b = oldFile("b.bin", MIB);
    byte[] shortA = bytes(100, 3);
    byte[] shortB = bytes(MIB - 1, 4);
    AtomicFiles.atomicWriteAll(Map.of(a, shortA, b, shortB));
    assertThat(Files.readAllBytes(a)).isEqualTo(shortA);
    assertThat(Files.readAllBytes(b)).isEqualTo(shortB);

    Path c = oldFile("c.bin", 2 * MIB);
    byte[] before = Files.readAllBytes(c);
    try (AtomicFileOutputStream out = new AtomicFileOutputStream(c)) {
      out.write(new byte[10]);
    } // closed without commit: nothing changes
    assertThat(Files.readAllBytes(c)).isEqualTo(before);
    assertThat(TestFiles.temps(dir)).isEmpty();
  }

  @Test
  void throughATempDirectoryOnAnotherFileSystem() throws Exception {
    assumeThat(TestFiles.canMount()).as("needs root and mount").isTrue();
    try (TestFiles.Tmpfs other = new TestFiles.Tmpfs(dir.resolve("tmpfs"), "size=8m")) {
      Path f = oldFile("staged.bin", 2 * MIB);
      byte[] content = bytes(1000, 5);
      AtomicFileWriter.atomicWrite(f, content, WriteOptions.builder().tempDir(other.dir).build());
      assertThat(Files.readAllBytes(f)).isEqualTo(content);
      assertThat(TestFiles.temps(other.dir)).isEmpty();
    }
    assertThat(TestFiles.temps(dir)).isEmpty();
  }
}
