package io.htmlgraph.atomic.bench;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A file system made with its mkfs defaults in a sparse image file, loop-mounted under the work
 * directory: journaled ext4 ({@code data=ordered}, jbd2), the file system most Linux machines write
 * to, or XFS. The workloads whose figures depend on the journal (the group commit) run on these as
 * well as on the work directory, whose disk may be set up otherwise (the one measured here has no
 * journal). Needs Linux, root, {@code mkfs.<type>} and loop devices; {@link #mount} says why when one
 * is missing.
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
    if (!System.getProperty("os.name").equals("Linux") || !"root".equals(System.getProperty("user.name"))) {
      throw new IOException("needs root on Linux to loop-mount an image");
    }
    Path image = underDir.resolve(type + "-image.img").toAbsolutePath();
    Path mnt = underDir.resolve(type + "-image").toAbsolutePath();
    Files.createDirectories(mnt);
    run(List.of("umount", mnt.toString()), true);
    Files.deleteIfExists(image);
    try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
      f.setLength(bytes);
    }
    try {
      run(List.of("mkfs." + type, type.equals("xfs") ? "-f" : "-F", "-q", image.toString()), false);
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
    Process p;
    try {
      p = new ProcessBuilder(command).redirectErrorStream(true).start();
    } catch (IOException e) {
      if (mayFail) {
        return;
      }
      throw new IOException(command.get(0) + " not found: " + e.getMessage(), e);
    }
    try {
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException(String.join(" ", command) + " hung");
      }
      if (p.exitValue() != 0 && !mayFail) {
        throw new IOException(String.join(" ", command) + " failed (" + p.exitValue() + "): " + out);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
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
