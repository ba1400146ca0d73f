package io.htmlgraph.atomic.internal;

import io.htmlgraph.atomic.LockMode;
import io.htmlgraph.atomic.LockOwner;
import io.htmlgraph.atomic.LockTimeoutException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The holds of one locker instance ({@code DirectoryLocker}, {@code ZooKeeperLocker}): what makes the
 * instance the owner of its holds, whatever the lock underneath.
 *
 * <ul>
 *   <li>Re-acquiring the mode held (or shared while exclusive is held) adds a hold without waiting;
 *       each hold is released once. There is no shared to exclusive upgrade: two instances upgrading at
 *       once would wait for each other forever, so it is refused ({@link IllegalStateException}).
 *   <li>One acquisition at a time per instance, so that holds are counted once: a second thread of the
 *       same instance waits for the first, within its own timeout.
 *   <li>Every grant of the lock underneath gets a new generation. A hold remembers its generation, so
 *       that one closed after the lock was released and granted again releases nothing of the new
 *       grant, and reports itself not held.
 *   <li>Every wait is a {@code LockWait} Flight Recorder event when a recording takes them
 *       ({@link Jfr}).
 * </ul>
 *
 * @param <R> what a grant of the lock underneath holds (the JVM's state of a lock file, a ZooKeeper
 *     node), given back with the last hold
 */
public final class Holds<R> {
  /** Waits for the lock underneath: the first hold of the instance. */
  public interface Grant<R> {
    /**
     * @param deadline the {@link System#nanoTime()} by which to give up
     * @param tryOnce whether to look once, without waiting
     * @return what the grant holds, or null if the lock was not obtained in time
     */
    R acquire(LockMode mode, long deadline, boolean tryOnce) throws IOException, InterruptedException;
  }

  /** Checks the current hold before a hold is added to it (a ZooKeeper hold that was lost refuses). */
  public interface Reentry<R> {
    void check(R held, LockMode mode) throws IOException;
  }

  /** Who holds the lock, as its owner record says (advice, for the message of a timeout). */
  public interface Owner {
    Optional<LockOwner> owner() throws IOException;
  }

  /** Makes the exception of a timeout, naming the holder if known (null otherwise). */
  public interface TimedOut {
    LockTimeoutException exception(LockOwner holder);
  }

  /** Gives back what the last hold held, outside the instance's monitor. */
  public interface Release<R> {
    void release(R held, LockMode mode);
  }

  private final String kind;
  private final String name;
  private final ReentrantLock acquiring = new ReentrantLock();
  /** Guards the fields below. */
  private final Object state = new Object();
  private int holds;
  private LockMode held;
  private R resource;
  private long generation;

  /**
   * @param kind the locker's kind, for the Flight Recorder event ({@code directory}, {@code zookeeper})
   * @param name the lock's name, for messages and the event (a directory, a lock path)
   */
  public Holds(String kind, String name) {
    this.kind = kind;
    this.name = name;
  }

  /**
   * Adds a hold of {@code mode}: to the current grant if there is one, else through {@code grant}.
   *
   * @return the generation of the hold, or -1 if the lock was not obtained within {@code timeout}
   *     ({@code timeout <= 0}: tried once)
   * @throws IllegalStateException if the instance holds the shared lock and asks for the exclusive one
   * @throws InterruptedException if the thread was interrupted before or while waiting (nothing held)
   */
  public long acquire(LockMode mode, Duration timeout, Reentry<R> reentry, Grant<R> grant)
      throws IOException, InterruptedException {
    Objects.requireNonNull(timeout, "timeout");
    // a Flight Recorder event (Jfr): null unless a recording takes lock waits
    Object event = Jfr.beginLockWait();
    if (event == null) {
      return acquireTimed(mode, timeout, reentry, grant);
    }
    String outcome = "failed";
    try {
      long gen = acquireTimed(mode, timeout, reentry, grant);
      outcome = gen >= 0 ? "granted" : "timeout";
      return gen;
    } catch (InterruptedException e) {
      outcome = "interrupted";
      throw e;
    } finally {
      Jfr.endLockWait(event, kind, name, mode, timeout, outcome);
    }
  }

  /**
   * As {@link #acquire}, for the forms of a locker that throw.
   *
   * @return the generation of the hold
   * @throws LockTimeoutException if the lock was not obtained in time, from {@code timedOut} with the
   *     holder {@code owner} names, if it can tell
   * @throws InterruptedIOException if the thread was interrupted before or while waiting (its interrupt
   *     status kept; nothing held)
   */
  public long hold(LockMode mode, Duration timeout, Reentry<R> reentry, Grant<R> grant, Owner owner,
      TimedOut timedOut) throws IOException {
    long gen;
    try {
      gen = acquire(mode, timeout, reentry, grant);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      InterruptedIOException ie = new InterruptedIOException("interrupted while waiting for the "
          + mode.name().toLowerCase(Locale.ROOT) + " lock on " + name);
      ie.initCause(e);
      throw ie;
    }
    if (gen < 0) {
      Optional<LockOwner> holder;
      try {
        holder = owner.owner();
      } catch (IOException unreadable) {
        holder = Optional.empty();
      }
      throw timedOut.exception(holder.orElse(null));
    }
    return gen;
  }

  private long acquireTimed(LockMode mode, Duration timeout, Reentry<R> reentry, Grant<R> grant)
      throws IOException, InterruptedException {
    if (Thread.interrupted()) {
      throw new InterruptedException();
    }
    long start = System.nanoTime();
    long nanos = saturatedNanos(timeout);
    boolean tryOnce = nanos <= 0;
    if (tryOnce ? !acquiring.tryLock() : !acquiring.tryLock(nanos, TimeUnit.NANOSECONDS)) {
      return -1;
    }
    try {
      synchronized (state) {
        if (holds > 0) {
          reentry.check(resource, held);
          if (mode == LockMode.EXCLUSIVE && held == LockMode.SHARED) {
            throw new IllegalStateException("this locker holds the shared lock on " + name
                + "; there is no upgrade: release it, then acquire the exclusive lock");
          }
          holds++;
          return generation;
        }
      }
      R granted = grant.acquire(mode, start + nanos, tryOnce);
      if (granted == null) {
        return -1;
      }
      synchronized (state) {
        holds = 1;
        held = mode;
        resource = granted;
        return ++generation;
      }
    } finally {
      acquiring.unlock();
    }
  }

  /** A timeout too large for nanoseconds waits "for ever" (a deadline far off that cannot overflow). */
  private static long saturatedNanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException overflow) {
      return d.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE / 2;
    }
  }

  /**
   * Gives back one hold; the last one gives back what the grant held, through {@code release}.
   *
   * @param gen the generation the hold belongs to, or -1 for the current one
   * @return whether a hold was given back (false for a hold of an earlier grant, or none)
   */
  public boolean release(long gen, Release<R> release) {
    R last;
    LockMode mode;
    synchronized (state) {
      if (holds == 0 || (gen >= 0 && gen != generation)) {
        return false;
      }
      if (--holds > 0) {
        return true;
      }
      last = resource;
      mode = held;
      resource = null;
      held = null;
    }
    release.release(last, mode);
    return true;
  }

  /** @return what the grant of generation {@code gen} holds while a hold of it is open, else null */
  public R current(long gen) {
    synchronized (state) {
      return holds > 0 && gen == generation ? resource : null;
    }
  }

  /** @return the mode held, if a hold is open */
  public Optional<LockMode> mode() {
    synchronized (state) {
      return Optional.ofNullable(held);
    }
  }
}
