package io.htmlgraph.atomic.cli;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Tells whether a standard stream of this process (descriptor 0, 1 or 2) is the one its parent gave
 * it, or was closed when the JVM started.
 *
 * <p>Why it matters: the kernel gives every new descriptor the lowest free number, so a JVM started
 * with descriptor 0 closed ({@code atomic write keep.txt <&-}) hands that number to the first file it
 * opens itself and keeps: its runtime image {@code lib/modules}. {@code System.in} then reads the
 * JDK's 128 MB module image, and {@code atomic write} replaced {@code keep.txt} with it and exited 0.
 * The same happens to descriptor 1 ({@code >&-}), where a command's output would go to that file.
 *
 * <p>How it is told (Linux, through {@code /proc/self/fd}): before {@code main} runs the JVM has
 * opened, and keeps open, its module image and the jar (or the files) of the class path; anything
 * else it opens at start-up it closes again. A standard descriptor that was closed at {@code exec} is
 * therefore, by the time {@code main} runs, missing or one of those files. A descriptor is taken as
 * closed when {@code /proc/self/fd/N} is missing or is the same file (device and inode, compared only
 * for regular files) as {@code lib/modules} of {@code java.home} or an entry of the class path or
 * module path. What a shell can give instead (a pipe, a terminal, a socket, {@code /dev/null}, any
 * other file) passes. Checked on OpenJDK 17 and Temurin 25.
 *
 * <p>Limits: redirecting one of those very files into the command ({@code < $JAVA_HOME/lib/modules})
 * is refused as well, a false alarm that costs nothing. If Java code opened and closed a file at the
 * free number before {@code main}, the JDK put {@code /dev/null} there instead of closing it (it never
 * closes a standard descriptor), which cannot be told from a {@code /dev/null} the shell gave; reading
 * it gives nothing and writing it loses nothing anyone asked for. Without {@code /proc} nothing can be
 * told, and the streams are taken as open.
 */
final class StandardStreams {
  /** The descriptors' links, spelled out: a string concatenation would spin a class at start-up. */
  private static final String[] LINKS = {"/proc/self/fd/0", "/proc/self/fd/1", "/proc/self/fd/2"};

  private StandardStreams() {}

  /** @return whether descriptor {@code fd} (0, 1 or 2) was closed when this JVM started */
  static boolean isClosed(int fd) {
    Path link = Path.of(LINKS[fd]);
    BasicFileAttributes attrs;
    try {
      // follows the descriptor's magic link to the open file itself: a pipe, a tty, a deleted file
      attrs = Files.readAttributes(link, BasicFileAttributes.class);
    } catch (NoSuchFileException e) {
      return Files.isDirectory(Path.of("/proc/self/fd")); // with /proc there: the descriptor is closed
    } catch (IOException | UnsupportedOperationException | SecurityException e) {
      return false; // no /proc to ask: taken as open
    }
    if (!attrs.isRegularFile() || attrs.fileKey() == null) {
      return false; // the JVM keeps no pipe, terminal, socket or device open at start-up
    }
    Object key = attrs.fileKey();
    return isJvmFile(Path.of(System.getProperty("java.home"), "lib", "modules"), key)
        || anyIsJvmFile(System.getProperty("java.class.path"), key)
        || anyIsJvmFile(System.getProperty("jdk.module.path"), key);
  }

  private static boolean anyIsJvmFile(String pathList, Object key) {
    if (pathList == null || pathList.isEmpty()) {
      return false;
    }
    for (String entry : pathList.split(File.pathSeparator)) {
      if (!entry.isEmpty() && isJvmFile(entry, key)) {
        return true;
      }
    }
    return false;
  }

  private static boolean isJvmFile(String file, Object key) {
    try {
      return isJvmFile(Path.of(file), key);
    } catch (RuntimeException notAPath) {
      return false;
    }
  }

  private static boolean isJvmFile(Path file, Object key) {
    try {
      return key.equals(Files.readAttributes(file, BasicFileAttributes.class).fileKey());
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }
}
