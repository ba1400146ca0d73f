package io.htmlgraph.atomic.internal;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The one thread that serves every lock file of the JVM: it ends blocked kernel waits at their
 * deadlines (by closing the channel under them, see {@link LockFileState}), writes the owner records
 * of holds that last, and closes lock files left unused ({@link LockFileTable}). It never takes a
 * lock, and it touches a lock file's channel only to end a wait, while the JVM holds nothing on it.
 *
 * <p>It serves the lock files that asked ({@link #watch}) and sleeps in between: at most
 * {@link #TICK_NANOS} while the JVM has any lock file in use or cached, so that the hot paths (a grant,
 * a release, the start of a wait with a timeout longer than a tick) never wake it: a wake-up there
 * puts one more thread on the CPUs just when the other process's waiter needs one; without end once
 * the table is empty, and then the first lock file to come wakes it ({@link #wake}).
 *
 * <p>No lost wake-up: a watcher adds its lock file, counts a change, then reads when the daemon wakes;
 * the daemon publishes when it wakes, then reads the count, and scans again if it changed since its
 * scan began. With volatile accesses one of the two sees the other.
 *
 * <p>One thread for all lock files (rather than one each) means that what it does for one lock file
 * delays the others: ending a wait ({@code close(2)}) and writing a record ({@code symlink(2)},
 * {@code rename(2)}) take microseconds on a local file system; a file system that hangs (a dead NFS
 * server, a FUSE daemon that stops answering) delays every deadline of the JVM as long as it hangs.
 */
final class LockDaemon {
  /** The longest sleep while anything is pending or lingers. */
  static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

  private static final Set<LockFileState> WATCHED = ConcurrentHashMap.newKeySet();
  private static final AtomicLong CHANGES = new AtomicLong();
  /** When the daemon looks next (System.nanoTime), while {@link #sleepsForever} is false. */
  private static volatile long wakesAt;
  private static volatile boolean sleepsForever;
  private static volatile Thread thread;

  private LockDaemon() {}

  /**
   * Asks the daemon to serve {@code state} by {@code dueAt} (a {@link System#nanoTime()} value); it
   * calls {@link LockFileState#serveDaemon()} until that reports nothing pending.
   */
  static void watch(LockFileState state, long dueAt) {
    WATCHED.add(state);
    CHANGES.incrementAndGet();
    Thread t = thread;
    if (t == null) {
      start();
    } else if (sleepsForever || dueAt - wakesAt < 0) {
      LockSupport.unpark(t);
    }
  }

  /**
   * Wakes the daemon if it would look only after {@code dueAt}, for an entry it watches already.
   * Cheaper than {@link #watch} (no write to shared memory) where a tick late does no harm; a due
   * time closer than half a tick (a short timeout) is counted as a change, so that it is never
   * missed.
   */
  static void nudge(long dueAt) {
    if (dueAt - System.nanoTime() < TICK_NANOS / 2) {
      CHANGES.incrementAndGet();
    }
    Thread t = thread;
    if (t != null && (sleepsForever || dueAt - wakesAt < 0)) {
      LockSupport.unpark(t);
    }
  }

  /** Called by {@code state}, with its lock held, once nothing of it is pending. */
  static void unwatch(LockFileState state) {
    WATCHED.remove(state);
  }

  /** Wakes the daemon if it sleeps without end: the JVM has a lock file again. */
  static void wake() {
    CHANGES.incrementAndGet();
    Thread t = thread;
    if (t == null) {
      start();
    } else if (sleepsForever) {
      LockSupport.unpark(t);
    }
  }

  /** @return the daemon thread, if it runs (for tests) */
  static Thread thread() {
    return thread;
  }

  private static synchronized void start() {
    if (thread == null) {
      Thread t = new Thread(LockDaemon::run, "htmlgraph-atomic lock daemon");
      t.setDaemon(true);
      thread = t;
      t.start();
    }
  }

  private static void run() {
    try {
      while (true) {
        long seen = CHANGES.get();
        long delay = -1;
        for (LockFileState s : WATCHED) {
          long d = serve(s);
          if (d >= 0) {
            delay = delay < 0 ? d : Math.min(delay, d);
          }
        }
        long linger = LockFileTable.closeLingering();
        if (linger >= 0) {
          delay = delay < 0 ? linger : Math.min(delay, linger);
        }
        if (delay < 0 && LockFileTable.size() > 0) {
          delay = TICK_NANOS; // lock files in use: keep ticking, so that their hot paths need not wake us
        }
        if (delay < 0) {
          sleepsForever = true;
          if (CHANGES.get() == seen) {
            LockSupport.park();
          }
          sleepsForever = false;
        } else {
          long sleep = Math.min(delay, TICK_NANOS);
          wakesAt = System.nanoTime() + sleep;
          if (CHANGES.get() == seen) {
            LockSupport.parkNanos(sleep);
          }
        }
        Thread.interrupted(); // nobody should interrupt this thread; if someone does, carry on
      }
    } catch (Error e) {
      Log.get().log(System.Logger.Level.ERROR, "the lock daemon failed; the next lock operation starts another", e);
      throw e;
    } finally {
      synchronized (LockDaemon.class) {
        thread = null;
      }
    }
  }

  private static long serve(LockFileState s) {
    try {
      return s.serveDaemon();
    } catch (RuntimeException e) {
      // keep serving it: a wait whose deadline is never enforced would last forever
      Log.get().log(System.Logger.Level.ERROR, "lock daemon failed on " + s.path(), e);
      return TICK_NANOS;
    }
  }
}
