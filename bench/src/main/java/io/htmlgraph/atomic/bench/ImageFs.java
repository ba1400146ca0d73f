package io.htmlgraph.atomic.bench;

import io.htmlgraph.atomic.testsupport.Commands;
import io.htmlgraph.atomic.testsupport.DiskImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A file system made with its mkfs defaults in a sparse image file, loop-mounted under the work
 * directory: journaled ext4 ({@code data=ordered}, jbd2), the file system most Linux machines write
 * to, or XFS. The workloads whose figures depend on the journal (the group commit) run on these as
 * well as on the work directory, whose disk may be set up otherwise (the one measured here has no
 * journal). Needs Linux, root, {@code mkfs.<type>} and loop devices; {@link #mount} says why when one
 * is missing. The image is made as the power-cut tests make theirs ({@link DiskImage}).
 */
final class ImageFs implements AutoCloseable {
  private final Path image;
  private final Path mountPoint;

  private ImageFs(Path image, Path mountPoint) {
    this.image = image;
    this.mountPoint = mountPoint;
  }

  /**
   * @param type {@code ext4} or {@code xfs}
   * @return the mounted image
   * @throws IOException whose message says why there is none
   */
  static ImageFs mount(String type, Path underDir, long bytes) throws IOException {
    Optional<String> why = DiskImage.unavailable(type);
    if (why.isPresent()) {
      throw new IOException(why.get());
    }
    Path image = underDir.resolve(type + "-image.img").toAbsolutePath();
    Path mnt = underDir.resolve(type + "-image").toAbsolutePath();
    Files.createDirectories(mnt);
    try {
      Commands.run("umount", mnt.toString()); // left mounted by an earlier run that was killed, or not mounted
      Files.deleteIfExists(image);
      DiskImage.make(image, type, bytes);
      try {
        Commands.check("mount", "-o", "loop", image.toString(), mnt.toString());
      } catch (IOException e) {
        Files.deleteIfExists(image);
        throw e;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    return new ImageFs(image, mnt);
  }

  Path dir() {
    return mountPoint;
  }

  @Override
  public void close() throws IOException {
    try {
      Commands.check("umount", mountPoint.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    Files.deleteIfExists(image);
  }

  /**
   * Whether the ext4 file system on {@code device} has a journal, from sysfs ({@code journal_task} is
   * {@code <none>} without one), or null when it is not ext4 or sysfs does not say.
   */
  static Boolean ext4Journal(String device) {
    Path task = Path.of("/sys/fs/ext4", Path.of(device).getFileName().toString(), "journal_task");
    try {
      return !Files.readString(task).trim().equals("<none>");
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }
}
