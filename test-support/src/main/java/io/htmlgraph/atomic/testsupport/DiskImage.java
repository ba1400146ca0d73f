package io.htmlgraph.atomic.testsupport;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;

/**
 * A file system made in an image file, for a loop mount: the power-cut tests mount one in a private
 * namespace, the benchmarks on the host. Needs Linux, root, {@code mkfs.TYPE} and loop devices;
 * {@link #unavailable} says which is missing.
 */
public final class DiskImage {
  private DiskImage() {}

  /**
   * @param type {@code ext4} or {@code xfs}
   * @return why an image of {@code type} cannot be made and loop-mounted here, or empty if it can
   */
  public static Optional<String> unavailable(String type) {
    if (!System.getProperty("os.name").startsWith("Linux")) {
      return Optional.of("loop mounts need Linux, this is " + System.getProperty("os.name"));
    }
    if (!Commands.isRoot()) {
      return Optional.of("loop mounts need root; this is " + System.getProperty("user.name"));
    }
    for (String tool : List.of("mkfs." + type, "mount", "umount", "losetup")) {
      if (!Commands.installed(tool)) {
        return Optional.of(tool + " is not installed (" + (tool.equals("mkfs.xfs") ? "Debian package xfsprogs"
            : tool.equals("mkfs.ext4") ? "Debian package e2fsprogs" : "util-linux") + ")");
      }
    }
    try {
      if (!Files.readString(Path.of("/proc/filesystems")).contains("\t" + type + "\n")) {
        return Optional.of("the kernel has no " + type + " (/proc/filesystems)");
      }
    } catch (IOException e) {
      return Optional.of("cannot read /proc/filesystems: " + e);
    }
    return Optional.empty();
  }

  /**
   * Makes {@code image}, a new sparse file of {@code bytes}, and a file system of {@code type} in it
   * with {@code mkfs}'s defaults.
   *
   * @throws java.nio.file.FileAlreadyExistsException if {@code image} exists
   * @throws IOException if mkfs fails (its output in the message); the image is then deleted
   */
  public static Path make(Path image, String type, long bytes) throws IOException, InterruptedException {
    try (FileChannel ch = FileChannel.open(image, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(new byte[1]), bytes - 1); // sparse, as truncate -s
    }
    try {
      Commands.check("mkfs." + type, "-q", type.equals("xfs") ? "-f" : "-F", image.toString());
    } catch (IOException | InterruptedException | RuntimeException e) {
      Files.deleteIfExists(image);
      throw e;
    }
    return image;
  }
}
