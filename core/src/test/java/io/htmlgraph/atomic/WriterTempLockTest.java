package io.htmlgraph.atomic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.htmlgraph.atomic.testsupport.ChildJvm;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A writer's temp keeps its OS lock (its proof of life towards sweeps in other processes) whatever
 * metadata it had to copy from the file it replaces. The JDK sets a mode (without following links)
 * and an xattr through a descriptor of its own, and closing that descriptor drops the process's
 * {@code fcntl} lock on the file: done after the lock, a sweep in another process could delete the
 * live temp, and the commit would then fail.
 */
class WriterTempLockTest {
  @TempDir Path dir;

  private String sweepInAnotherProcess() throws IOException {
    try (ChildJvm child = ChildJvm.start(TransactionChild.class, "sweep", dir.toString())) {
      return child.readLine();
    }
  }

  @Test
  void replacingAFileWhoseModeTheUmaskWouldNarrowKeepsTheTempLocked() throws IOException {
    assumeTrue(dir.getFileSystem().supportedFileAttributeViews().contains("unix"), "unix attributes");
    Path target = Files.writeString(dir.resolve("shared.txt"), "old");
    // group-writable: a new file under umask 022 would be 0644, so the temp needs a chmod
    Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-rw-r--"));
    try (AtomicFileWriter w = new AtomicFileWriter(target)) {
      w.write("new");
      assertThat(sweepInAnotherProcess()).as("temps removed by the other process's sweep").isEqualTo("0");
      assertThat(w.tempPath()).exists();
      w.commit();
    }
    assertThat(Files.readString(target)).isEqualTo("new");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(target))).isEqualTo("rw-rw-r--");
  }

  @Test
  void replacingAFileWithUserXattrsKeepsTheTempLocked() throws IOException {
    Path target = Files.writeString(dir.resolve("tagged.txt"), "old");
    try {
      Files.getFileAttributeView(target, UserDefinedFileAttributeView.class).write("origin", ByteBuffer.wrap(new byte[] {1}));
    } catch (IOException | UnsupportedOperationException e) {
      assumeTrue(false, "user xattrs unsupported here: " + e);
    }
    try (AtomicFileWriter w = new AtomicFileWriter(target)) {
      w.write("new");
      assertThat(sweepInAnotherProcess()).isEqualTo("0");
      w.commit();
    }
    assertThat(Files.readString(target)).isEqualTo("new");
  }
}
