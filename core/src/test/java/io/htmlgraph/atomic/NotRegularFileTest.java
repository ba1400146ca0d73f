package io.htmlgraph.atomic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.htmlgraph.atomic.internal.SafeFiles;
import java.io.IOException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * FIFOs, devices and kernel files named by a caller or planted by another user: reads refuse what is
 * not a regular file without opening it (an {@code O_RDONLY} open of a FIFO blocks until a writer
 * comes), and errors name the caller's path and say what failed.
 */
class NotRegularFileTest {
  private static final Duration BOUND = Duration.ofSeconds(10);

  @TempDir Path dir;
  private Path fifo;

  @BeforeEach
  void setUp() throws IOException, InterruptedException {
    fifo = dir.resolve("fifo");
    assumeTrue(TestFiles.run("mkfifo", fifo.toString()) == 0, "needs mkfifo");
  }

  /** Unblocks a reader stuck opening the FIFO, so that a failing test does not leave a thread behind. */
  private void unblock() {
    try (FileChannel c = FileChannel.open(fifo, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      // being a writer for a moment was enough
    } catch (IOException ignored) {
      // nothing blocked on it
    }
  }

  @Test
  void safeReadRefusesAFifoAtOnceWithoutRetrying() {
    try {
      assertTimeoutPreemptively(BOUND, () -> assertThatThrownBy(
          () -> AtomicFileWriter.safeReadWithRetry(fifo, 3, Duration.ofHours(1)))
          .isInstanceOf(FileSystemException.class)
          .hasMessageContaining(fifo.toString())
          .hasMessageContaining("not a regular file"));
    } finally {
      unblock();
    }
  }

  @Test
  void validateIsFalseForAFifoWithoutBlocking() {
    try {
      assertThat(assertTimeoutPreemptively(BOUND, () -> AtomicFiles.validateAtomicWrite(fifo))).isFalse();
      Path link = Files.createSymbolicLink(dir.resolve("link"), fifo);
      assertThat(assertTimeoutPreemptively(BOUND, () -> AtomicFiles.validateAtomicWrite(link))).isFalse();
    } catch (IOException e) {
      throw new AssertionError(e);
    } finally {
      unblock();
    }
  }

  @Test
  void readsRefuseDevicesAndDirectories() {
    Path zero = Path.of("/dev/zero");
    assumeTrue(Files.exists(zero), "needs /dev/zero");
    assertTimeoutPreemptively(BOUND, () -> {
      assertThatThrownBy(() -> AtomicFileWriter.safeReadWithRetry(zero, 1, Duration.ZERO))
          .isInstanceOf(FileSystemException.class).hasMessageContaining("not a regular file");
      assertThat(AtomicFiles.validateAtomicWrite(zero)).isFalse();
      assertThatThrownBy(() -> AtomicFileWriter.safeReadWithRetry(dir, 1, Duration.ZERO))
          .isInstanceOf(FileSystemException.class).hasMessageContaining("is a directory");
    });
  }

  @Test
  void aWriteOntoAFifoIsRefusedAndChangesNothing() throws IOException {
    assertTimeoutPreemptively(BOUND, () -> assertThatThrownBy(() -> AtomicFileWriter.atomicWrite(fifo, "x"))
        .isInstanceOf(FileSystemException.class).hasMessageContaining("not a regular file"));
    assertThat(Files.isRegularFile(fifo)).isFalse();
    assertThat(TestFiles.names(dir)).containsExactly("fifo");
  }

  @Test
  void aFifoOpenedWhereARegularFileWasExpectedIsRefusedOnTheHandle() {
    // what a lock file or a temp opened by name goes through: O_RDWR never blocks on a FIFO, and the
    // check on the opened handle refuses it
    try {
      assertTimeoutPreemptively(BOUND, () -> assertThatThrownBy(
          () -> SafeFiles.openNoFollow(fifo, StandardOpenOption.READ, StandardOpenOption.WRITE))
          .isInstanceOf(SafeFiles.NotRegularFileException.class));
    } finally {
      unblock();
    }
  }

  @Test
  void aFileTooLargeForAStringIsAClearErrorNotAnOutOfMemoryError() throws IOException {
    Path huge = dir.resolve("huge");
    try (FileChannel c = FileChannel.open(huge, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      c.write(java.nio.ByteBuffer.wrap(new byte[] {'x'}), (1L << 31) + 16); // sparse: no space used
    }
    assertThatThrownBy(() -> AtomicFileWriter.safeReadWithRetry(huge, 3, Duration.ofHours(1)))
        .isInstanceOf(FileSystemException.class).hasMessageContaining("too large");
  }

  // ---- messages

  @Test
  void aKernelFileAsTargetIsNamedInTheError() {
    Path version = Path.of("/proc/version");
    assumeTrue(Files.isRegularFile(version), "needs /proc");
    assertThatThrownBy(() -> AtomicFileWriter.atomicWrite(version, "x"))
        .isInstanceOf(FileSystemException.class)
        .satisfies(e -> assertThat(((FileSystemException) e).getFile()).isEqualTo(version.toString()))
        .hasMessageContaining("proc file system")
        .hasMessageNotContaining(".tmp-");
    Path sys = Path.of("/sys/kernel/no-such-file");
    assumeTrue(Files.isDirectory(sys.getParent()), "needs /sys");
    assertThatThrownBy(() -> AtomicFileWriter.atomicWrite(sys, "x"))
        .isInstanceOf(FileSystemException.class)
        .satisfies(e -> assertThat(((FileSystemException) e).getFile()).isEqualTo(sys.toString()))
        .hasMessageContaining("sysfs")
        .hasMessageNotContaining(".tmp-");
  }

  @Test
  void anInterruptedDirectorySyncSaysSo() {
    CommittedNotDurableException e = new CommittedNotDurableException(dir.resolve("f"), new ClosedByInterruptException());
    assertThat(e.getMessage()).doesNotContain("null").contains("interrupted").contains(dir.resolve("f").toString());
  }
}
