package io.htmlgraph.atomic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.htmlgraph.atomic.testsupport.TempTrees;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A temp directory on another file system (a shared tmpfs): the staged temp there could be swapped
 * by another user between the write and the commit. The commit reads it back through the channel it
 * has held since it created it, never by its name: a FIFO put in its place cannot block it, a link
 * cannot make it copy another file.
 */
class SharedTempDirTest {
  private static final Path SHM = Path.of("/dev/shm");

  @TempDir Path dir;
  private Path other;

  @BeforeEach
  void setUp() throws IOException {
    assumeTrue(Files.isDirectory(SHM) && Files.isWritable(SHM), "needs /dev/shm, a tmpfs, as a second file system");
    other = Files.createTempDirectory(SHM, "staged-");
    assumeTrue(!Files.getAttribute(other, "unix:dev").equals(Files.getAttribute(dir, "unix:dev")),
        "/dev/shm is on the same device as " + dir + ": no second file system");
  }

  @AfterEach
  void tearDown() throws IOException {
    if (other != null) {
      TempTrees.delete(other);
    }
  }

  private static void mkfifo(Path p) throws IOException, InterruptedException {
    assertThat(TestFiles.run("mkfifo", p.toString())).isZero();
  }

  /** Unblocks anyone blocked opening {@code fifo} for reading (an O_RDWR open never blocks). */
  private static void unblock(Path fifo) {
    try (FileChannel c = FileChannel.open(fifo, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      // opening as a writer was enough
    } catch (IOException ignored) {
      // gone or not a FIFO: nothing blocks on it
    }
  }

  @Test
  void aStagedTempSwappedForAFifoNeitherBlocksTheCommitNorLosesTheContent() throws Exception {
    Path target = Files.writeString(dir.resolve("target.txt"), "old");
    Path staged;
    try (AtomicFileWriter w = new AtomicFileWriter(target, other)) {
      w.write("new content");
      w.flush();
      staged = w.tempPath();
      assertThat(staged.getParent()).isEqualTo(other);
      Files.move(staged, other.resolve("moved-away"));
      mkfifo(staged);
      try {
        assertTimeoutPreemptively(Duration.ofSeconds(10), w::commit, "the commit blocked on the FIFO");
      } finally {
        unblock(staged);
      }
    }
    assertThat(target).hasContent("new content");
    assertThat(TestFiles.names(dir)).containsExactly("target.txt");
    // the FIFO is not the writer's: it is left to its owner
    assertThat(Files.exists(staged, LinkOption.NOFOLLOW_LINKS)).isTrue();
  }

  @Test
  void aStagedTempSwappedForALinkIsNotFollowed() throws Exception {
    Path secret = Files.writeString(dir.resolve("secret"), "root's secret");
    Path target = Files.writeString(dir.resolve("target.txt"), "old");
    try (AtomicFileWriter w = new AtomicFileWriter(target, other)) {
      w.write("new content");
      w.flush();
      Path staged = w.tempPath();
      Files.move(staged, other.resolve("moved-away"));
      Files.createSymbolicLink(staged, secret);
      assertTimeoutPreemptively(Duration.ofSeconds(10), w::commit);
      assertThat(Files.isSymbolicLink(staged)).isTrue();
    }
    assertThat(target).hasContent("new content");
    assertThat(secret).hasContent("root's secret");
    assertThat(TestFiles.names(dir)).containsExactly("secret", "target.txt");
  }

  @Test
  void anAbortLeavesAFileThatReplacedTheStagedTemp() throws Exception {
    Path target = Files.writeString(dir.resolve("target.txt"), "old");
    Path staged;
    try (AtomicFileWriter w = new AtomicFileWriter(target, other)) {
      w.write("discarded");
      staged = w.tempPath();
      Files.move(staged, other.resolve("moved-away"));
      Files.writeString(staged, "someone else's file");
    }
    assertThat(staged).hasContent("someone else's file");
    assertThat(target).hasContent("old");
    assertThat(TestFiles.names(dir)).containsExactly("target.txt");
  }
}
