package io.htmlgraph.atomic.internal;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The version mark: a user extended attribute ({@code user.htmlgraph.version}) that the library sets
 * to a value of its own on every file it publishes, so that every atomic replace made by the library
 * yields a new {@link io.htmlgraph.atomic.FileVersion}, even with equal bytes, an equal size and an
 * equal modification time.
 *
 * <p>Why the stat data alone is not enough: a replace frees the old inode and ext4 and XFS hand the
 * same inode number to the next file at once (measured here: in a loop of replaces A, B, A', the file
 * A' had A's inode number every time), and kernel timestamps are taken from a clock that advances once
 * per tick (4 ms at HZ=250). So A and A' can agree on device, inode, size, mtime and ctime, and a
 * compare-and-swap on those would take A' for A and lose an update. Kernels from 6.13 on hand out a
 * fine-grained timestamp after a stat has looked at the old one (multigrain timestamps), which hides
 * the repeat on this machine, but not on older kernels.
 *
 * <p>The value is 16 bytes: 8 drawn at random once per JVM (mixed with the process id) and an 8-byte
 * counter of this JVM's marks. Two marks of one JVM never repeat; marks of two JVMs repeat only if
 * their 64 random bits do.
 *
 * <p>The trap this class must never fall into: the JDK reads and writes an xattr through a descriptor
 * it opens on the path and closes again, and on Linux closing <em>any</em> descriptor of a file drops
 * every {@code fcntl} lock this process holds on it. So a mark is written on a temp before the writer
 * locks it (see {@link PendingFile}), and it is never read from a file this JVM holds a lock on (a
 * live temp, a lock file in use): {@link #read} returns null for those.
 *
 * <p>Where the file system has no user xattrs (tmpfs before Linux 6.6, some FUSE and network file
 * systems, file systems mounted without them), nothing is marked and versions rest on the stat data.
 */
public final class VersionMarks {
  /** The attribute's name in the JDK's user view; the kernel's name is {@code user.htmlgraph.version}. */
  public static final String NAME = "htmlgraph.version";

  private static final int LENGTH = 16;
  private static final long PREFIX = ThreadLocalRandom.current().nextLong() ^ (OwnerRecords.pid() * 0x9E3779B97F4A7C15L);
  private static final AtomicLong COUNTER = new AtomicLong();
  private static volatile boolean unsupportedLogged;

  private VersionMarks() {}

  /** @return whether files of {@code p}'s file system can carry a mark at all */
  static boolean viewSupported(Path p) {
    return p.getFileSystem().supportedFileAttributeViews().contains("user");
  }

  /**
   * Sets a fresh mark on {@code file}. Call it only on a file this JVM holds no OS lock on (a temp
   * before it is locked): the JDK opens and closes the file to do it.
   *
   * @param file a regular file the caller just created
   * @return whether the mark was set; false where the file system has no user xattrs (logged once)
   */
  public static boolean stamp(Path file) {
    if (!viewSupported(file)) {
      return false;
    }
    UserDefinedFileAttributeView view = Files.getFileAttributeView(file, UserDefinedFileAttributeView.class,
        LinkOption.NOFOLLOW_LINKS);
    if (view == null) {
      return false;
    }
    ByteBuffer mark = ByteBuffer.allocate(LENGTH).putLong(PREFIX).putLong(COUNTER.incrementAndGet()).flip();
    try {
      view.write(NAME, mark);
      return true;
    } catch (IOException | UnsupportedOperationException e) {
      // no user xattrs here (EOPNOTSUPP), or no room for one: versions rest on the stat data
      if (!unsupportedLogged) {
        unsupportedLogged = true;
        Log.get().log(Level.DEBUG, "no version mark on {0} (versions use the stat data only): {1}", file, e.toString());
      }
      return false;
    }
  }

  /**
   * Reads the mark of {@code file}, following links.
   *
   * @param file a regular file
   * @param fileKey its {@code fileKey()} from a stat just made, or null
   * @return the mark, or null if it has none, cannot tell, or is a file this JVM holds a lock on
   */
  public static byte[] read(Path file, Object fileKey) {
    if (!viewSupported(file) || held(file, fileKey)) {
      return null;
    }
    UserDefinedFileAttributeView view = Files.getFileAttributeView(file, UserDefinedFileAttributeView.class);
    if (view == null) {
      return null;
    }
    ByteBuffer buf = ByteBuffer.allocate(64);
    try {
      view.read(NAME, buf);
    } catch (IOException | UnsupportedOperationException none) {
      // ENODATA (never marked: written by another program), ERANGE (a foreign value), EOPNOTSUPP
      return null;
    }
    buf.flip();
    return Arrays.copyOf(buf.array(), buf.limit());
  }

  /** Whether this JVM holds an OS lock on the file, so that opening and closing it would drop the lock. */
  private static boolean held(Path file, Object fileKey) {
    if (fileKey != null && LockFileTable.peek(fileKey) != null) {
      return true;
    }
    return LiveTemps.isWriters(file);
  }
}
