package io.htmlgraph.atomic.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.Map;

/**
 * The JVM-wide table of lock files in use, keyed by the file's identity (device and inode where the
 * file system has them, else its real path), so that every {@code DirectoryLocker} on one lock file,
 * whatever path it was given, shares one channel and one in-JVM reader/writer state. Two channels to
 * one file in one JVM would be fatal: closing either drops the JVM's POSIX lock held through the
 * other.
 *
 * <p>An entry lives while a locker uses it (waits, holds) and a short while after; its channel is
 * closed under this table's lock, so no new entry for the same file can lock through a new channel
 * before the old channel is closed.
 */
public final class LockFiles {
  private static final Map<Object, LockFile> TABLE = new HashMap<>();

  private LockFiles() {}

  /**
   * @param lockFile an existing lock file
   * @return its identity in this table
   */
  public static Object keyOf(Path lockFile) throws IOException {
    Object key = Files.readAttributes(lockFile, BasicFileAttributes.class).fileKey();
    return key != null ? key : lockFile.toRealPath();
  }

  /** @return the entry for {@code key}, counted as used until {@link #release} */
  public static LockFile retain(Object key, Path lockFile) {
    synchronized (TABLE) {
      LockFile lf = TABLE.computeIfAbsent(key, k -> new LockFile(k, lockFile));
      lf.users++;
      return lf;
    }
  }

  /** Ends one use of {@code lf} begun by {@link #retain}. */
  public static void release(LockFile lf) {
    synchronized (TABLE) {
      lf.users--;
    }
  }

  /** @return the entry for {@code key} if one is in use, without counting a use */
  public static LockFile peek(Object key) {
    synchronized (TABLE) {
      return TABLE.get(key);
    }
  }

  /** Called by an entry's daemon after it lingered unused: removes it if still unused. */
  static boolean tryRetire(LockFile lf) {
    synchronized (TABLE) {
      if (lf.users > 0 || TABLE.get(lf.key) != lf || !lf.retireIfIdle()) {
        return false;
      }
      TABLE.remove(lf.key);
      return true;
    }
  }

  /** @return how many lock files this JVM has open (for tests and diagnostics) */
  public static int openCount() {
    synchronized (TABLE) {
      return TABLE.size();
    }
  }
}
