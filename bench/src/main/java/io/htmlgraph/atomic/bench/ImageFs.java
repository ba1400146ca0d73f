package io.htmlgraph.atomic.bench;

import io.htmlgraph.atomic.testsupport.Commands;
import io.htmlgraph.atomic.testsupport.DiskImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
    Optional<String> missing = DiskImage.unavailable(type);
    if (missing.isPresent()) {
      throw new IOException(missing.get());
    }
    Path image = underDir.resolve(type + "-image.img").toAbsolutePath();
    Path mnt = underDir.resolve(type + "-image").toAbsolutePath();
    Files.createDirectories(mnt);
    run(List.of("umount", mnt.toString()), true); // left mounted by a run that was killed
    Files.deleteIfExists(image);
    try {
      DiskImage.make(image, type, bytes);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    try {
      run(List.of("mount", "-o", "loop", image.toString(), mnt.toString()), false);
    } catch (IOException e) {
      Files.deleteIfExists(image);
      throw e;
    }
    return new ImageFs(image, mnt);
  }

  Path dir() {
    return mountPoint;
  }

  @Override
  public void close() throws IOException {
    run(List.of("umount", mountPoint.toString()), false);
    Files.deleteIfExists(image);
  }

  private static void run(List<String> command, boolean mayFail) throws IOException {
    Commands.Result r;
    try {
      r = Commands.run(command);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    } catch (IOException e) {
      if (mayFail) {
        return;
      }
      throw e;
    }
    if (r.exit() != 0 && !mayFail) {
      throw new IOException(String.join(" ", command) + " failed (" + r.exit() + "): " + r.output());
    }
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
