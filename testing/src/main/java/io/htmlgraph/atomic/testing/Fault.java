package io.htmlgraph.atomic.testing;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One I/O failure to inject into a {@link FaultyFileSystem}: which operation fails, on which paths,
 * and on which of the matching calls.
 *
 * <p>Paths are matched as the workload sees them from the file system's root, with a leading
 * {@code /} ({@code /} itself is the root directory, {@code /data/settings.json} a file in it); a
 * glob without the leading {@code /} is taken from the root too. In a glob, {@code *} matches any
 * characters within one name, {@code **} any characters across names, {@code ?} one character within
 * a name; every other character stands for itself. So {@code "**.tmp"} matches every temp file of
 * this library, in any directory, and {@code "/"} the root directory.
 *
 * <p>By default a fault fails every matching call, so that a retry fails too and shows in
 * {@link FaultyFileSystem#injected()}; {@link #onlyNth(int)} fails one call only. Instances are
 * immutable.
 */
public final class Fault {
  /** The operations a fault can fail. */
  enum Kind { SYNC_FILE, SYNC_DIRECTORY, RENAME, CLOSE, DELETE, DISK_FULL }

  private final Kind kind;
  private final String glob;
  private final Pattern pattern;
  private final int nth; // 0: every matching call
  private final long bytes;

  private Fault(Kind kind, String glob, int nth, long bytes) {
    this.kind = kind;
    this.glob = glob;
    this.pattern = compile(glob);
    this.nth = nth;
    this.bytes = bytes;
  }

  /**
   * Fails {@link java.nio.channels.FileChannel#force(boolean)} ({@code fsync}/{@code fdatasync}) of
   * regular files matching {@code glob} with an {@link java.io.IOException} ("Input/output error"),
   * as a disk that reports a write-back error does. The real sync is not made.
   *
   * @param glob the files
   * @return the fault
   */
  public static Fault failSync(String glob) {
    return new Fault(Kind.SYNC_FILE, glob, 0, 0);
  }

  /**
   * Fails the sync ({@code FileChannel.open(dir, READ).force(true)}) of directories matching
   * {@code glob} with an {@link java.io.IOException}. The real sync is not made.
   *
   * @param glob the directories ({@code "/"} for the root)
   * @return the fault
   */
  public static Fault failDirectorySync(String glob) {
    return new Fault(Kind.SYNC_DIRECTORY, glob, 0, 0);
  }

  /**
   * Fails {@link java.nio.file.Files#move} onto a destination matching {@code glob} with a
   * {@link java.nio.file.FileSystemException}. Nothing is renamed.
   *
   * @param destinationGlob the destinations
   * @return the fault
   */
  public static Fault failRename(String destinationGlob) {
    return new Fault(Kind.RENAME, destinationGlob, 0, 0);
  }

  /**
   * Makes {@code close()} of channels (and of the streams over them) of files matching {@code glob}
   * throw an {@link java.io.IOException}, as {@code close(2)} does when a delayed write fails (NFS,
   * quotas). The channel is closed nonetheless, as the descriptor is.
   *
   * @param glob the files
   * @return the fault
   */
  public static Fault failClose(String glob) {
    return new Fault(Kind.CLOSE, glob, 0, 0);
  }

  /**
   * Fails {@link java.nio.file.Files#delete} and {@code deleteIfExists} of entries matching
   * {@code glob} with a {@link java.nio.file.FileSystemException}. The entry stays.
   *
   * @param glob the entries
   * @return the fault
   */
  public static Fault failDelete(String glob) {
    return new Fault(Kind.DELETE, glob, 0, 0);
  }

  /**
   * A disk that fills up: writes to files matching {@code glob} succeed until {@code bytes} bytes in
   * all have been written to them; the write that reaches the limit is short (writes what fits), and
   * every later one throws an {@link java.io.IOException} ("No space left on device"), as
   * {@code write(2)} does with {@code ENOSPC}.
   *
   * @param bytes how many bytes fit, at least 0
   * @param glob the files
   * @return the fault
   * @throws IllegalArgumentException if {@code bytes} is negative
   */
  public static Fault diskFullAfter(long bytes, String glob) {
    if (bytes < 0) {
      throw new IllegalArgumentException("bytes must not be negative, was " + bytes);
    }
    return new Fault(Kind.DISK_FULL, glob, 0, bytes);
  }

  /**
   * @param n which matching call fails, counting from 1; the others go through
   * @return a copy that fails only that call
   * @throws IllegalArgumentException if {@code n < 1}, or for {@link #diskFullAfter} (a full disk
   *     stays full: give the bytes instead)
   */
  public Fault onlyNth(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("calls are counted from 1, was " + n);
    }
    if (kind == Kind.DISK_FULL) {
      throw new IllegalArgumentException("a full disk stays full; choose the bytes that fit instead");
    }
    return new Fault(kind, glob, n, bytes);
  }

  Kind kind() {
    return kind;
  }

  int nth() {
    return nth;
  }

  long bytes() {
    return bytes;
  }

  boolean matches(String path) {
    return pattern.matcher(path).matches();
  }

  /** @return the glob as a regular expression over paths with {@code /} separators */
  private static Pattern compile(String glob) {
    Objects.requireNonNull(glob, "glob");
    String g = glob.startsWith("/") ? glob : "/" + glob;
    StringBuilder re = new StringBuilder();
    for (int i = 0; i < g.length(); i++) {
      char c = g.charAt(i);
      if (c == '*' && i + 1 < g.length() && g.charAt(i + 1) == '*') {
        re.append(".*");
        i++;
      } else if (c == '*') {
        re.append("[^/]*");
      } else if (c == '?') {
        re.append("[^/]");
      } else {
        re.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return Pattern.compile(re.toString());
  }

  @Override
  public String toString() {
    String what = switch (kind) {
      case SYNC_FILE -> "fail fsync of " + glob;
      case SYNC_DIRECTORY -> "fail fsync of directory " + glob;
      case RENAME -> "fail rename onto " + glob;
      case CLOSE -> "fail close of " + glob;
      case DELETE -> "fail delete of " + glob;
      case DISK_FULL -> "disk full after " + bytes + " bytes written to " + glob;
    };
    return nth == 0 ? what : what + ", call " + nth + " only";
  }
}
