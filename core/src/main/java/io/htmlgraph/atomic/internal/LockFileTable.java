package io.htmlgraph.atomic.internal;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The JVM-wide table of lock files, keyed by the file's identity (device and inode where the file
 * system has them, else its real path), so that every {@code DirectoryLocker} on one lock file,
 * whatever path it was given, shares one {@link LockFileState}: one channel and one in-JVM
 * reader/writer state. Two channels to one file in one JVM would be fatal: closing either drops the
 * JVM's POSIX lock held through the other.
 *
 * <p>An entry lives while a locker uses it (waits, holds). Unused, it stays in a small cache, so that
 * a loop locking one directory does not reopen the file each time: at most {@link #IDLE_CAPACITY}
 * unused entries, each for at most {@link #LINGER_NANOS}; the oldest is closed when a new one comes
 * beyond that, and the {@link LockDaemon} closes those that linger longer. So lock files no longer in
 * use hold no thread and at most {@value #IDLE_CAPACITY} file descriptors.
 *
 * <p>An entry's channel is closed under this table's lock, and only while the JVM holds nothing on
 * the file: no new entry for the same file can open a channel before the old one is closed. An
 * unused entry without an open channel leaves the table at once: no open file keeps its inode
 * alive, so a new file may get the same device and inode, and must not find a stale entry.
 */
public final class LockFileTable {
  /** How many unused lock files keep their channel open. */
  static final int IDLE_CAPACITY = 8;
  /** How long an unused lock file keeps its channel. */
  static final long LINGER_NANOS = TimeUnit.SECONDS.toNanos(2);

  private static final Map<Object, LockFileState> TABLE = new HashMap<>();
  /** Entries nobody uses, the one unused longest first. */
  private static final LinkedHashMap<Object, LockFileState> IDLE = new LinkedHashMap<>();

  private LockFileTable() {}

  /** @return the entry for {@code key}, counted as used until {@link #release} */
  public static LockFileState retain(Object key, Path lockFile) {
    LockFileState s;
    boolean first;
    synchronized (TABLE) {
      s = TABLE.get(key);
      first = TABLE.isEmpty();
      if (s == null) {
        s = new LockFileState(key, lockFile);
        TABLE.put(key, s);
      } else if (s.users == 0) {
        IDLE.remove(key);
      }
      s.users++;
    }
    if (first) {
      LockDaemon.wake(); // it sleeps without end while the table is empty
    }
    return s;
  }

  /** Ends one use of {@code s} begun by {@link #retain}. */
  public static void release(LockFileState s) {
    synchronized (TABLE) {
      if (--s.users > 0) {
        return;
      }
      if (s.closeIfIdle(true)) {
        TABLE.remove(s.key);
        return;
      }
      s.unusedSince = System.nanoTime();
      IDLE.put(s.key, s);
      if (IDLE.size() > IDLE_CAPACITY) {
        closeUnused(IDLE.size() - IDLE_CAPACITY, Long.MIN_VALUE);
      }
    }
    // the daemon ticks while the table is not empty: it closes this one in time, unwoken
  }

  /** @return the entry for {@code key} if one is in the table, without counting a use */
  public static LockFileState peek(Object key) {
    synchronized (TABLE) {
      return TABLE.get(key);
    }
  }

  /**
   * On the daemon: closes the unused entries that lingered long enough.
   *
   * @return nanoseconds until the next one is due, or -1 if none is unused
   */
  static long closeLingering() {
    synchronized (TABLE) {
      long now = System.nanoTime();
      closeUnused(Integer.MAX_VALUE, now - LINGER_NANOS);
      if (IDLE.isEmpty()) {
        return -1;
      }
      // an entry past its time that could not be closed yet is tried again at the next tick
      long next = IDLE.values().iterator().next().unusedSince + LINGER_NANOS - now;
      return next > 0 ? next : LockDaemon.TICK_NANOS;
    }
  }

  /**
   * With the table's lock: closes up to {@code max} unused entries, oldest first, that became unused
   * before {@code before} ({@code Long.MIN_VALUE}: whatever their age).
   */
  private static void closeUnused(int max, long before) {
    int closed = 0;
    for (Iterator<LockFileState> it = IDLE.values().iterator(); it.hasNext() && closed < max; ) {
      LockFileState s = it.next();
      if (before != Long.MIN_VALUE && s.unusedSince - before > 0) {
        return; // the rest are younger
      }
      if (s.closeIfIdle(false)) {
        it.remove();
        TABLE.remove(s.key);
        closed++;
      }
    }
  }

  /** @return how many lock files this JVM has in its table, used or not (for tests and diagnostics) */
  public static int size() {
    synchronized (TABLE) {
      return TABLE.size();
    }
  }
}
