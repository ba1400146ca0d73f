package io.htmlgraph.atomic.internal;

import io.htmlgraph.atomic.LockMode;
import io.htmlgraph.atomic.LockOwner;
import java.io.IOException;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.FileLockInterruptionException;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One lock file as this JVM holds it: the in-JVM reader/writer state of every {@code DirectoryLocker}
 * on it, and the one kernel lock (and the one channel) the JVM holds for all of them. Entries live in
 * {@link LockFileTable}; the {@link LockDaemon} enforces their deadlines and writes their owner records.
 *
 * <p>Why it is built this way (each point is a failure seen with {@link FileLock} on Linux):
 *
 * <ul>
 *   <li>A POSIX lock belongs to the process, and closing <em>any</em> channel to the file drops it
 *       while {@link FileLock#isValid()} still says true. So the JVM has exactly one channel per lock
 *       file (see {@link LockFileTable}).
 *   <li>A second {@code lock()} on that file in the same JVM throws {@link OverlappingFileLockException}.
 *       So in-JVM holders are counted here and the kernel lock follows them: shared while only shared
 *       holders exist, exclusive for an exclusive holder; in-JVM contention waits here.
 *   <li>An interrupt of a thread doing I/O on the channel (even one whose interrupt status is set when
 *       it calls {@code lock()}) closes the channel, and every lock of the JVM on the file goes with
 *       it. So the channel is touched only at moments when the JVM holds no lock on the file, or only
 *       the one being released: the attempts to lock (made while nothing is held) and the final unlock.
 *       An interrupt then costs nothing but the channel, which is reopened. While any holder in the
 *       JVM holds the lock, no thread touches the channel at all, so an interrupt of a holder (or of
 *       anyone) cannot drop it.
 *   <li>Waiting is a blocking {@code fcntl(F_SETLKW)} on the waiting thread itself: it returns within
 *       tens of microseconds of the other process's unlock, with no poll and no hand-off between
 *       threads. A deadline is enforced by the {@link LockDaemon}, which closes the channel under the
 *       blocked call (the call then ends with {@link AsynchronousCloseException}, and the thread's
 *       interrupt status is untouched); nothing is held at that moment, so nothing else is lost. An
 *       interrupt ends the wait the same way, with {@link ClosedByInterruptException}.
 *   <li>{@code fcntl} reports EDEADLK when it sees a cycle of processes waiting on each other's locks;
 *       the waiter backs off briefly and retries, and the timeouts break a real cycle. The JDK gives no
 *       errno, only {@code strerror}'s text, which the locale translates (glibc's "Resource deadlock
 *       avoided" is "Verklemmung beim Zugriff auf eine Ressource vermieden" under {@code LANG=de_DE},
 *       seen here). So a failed blocking lock is told apart by what a non-blocking try then says: of
 *       the errors of {@code F_SETLKW} (EBADF, EDEADLK, EFAULT, EINTR, EINVAL, ENOLCK), only EDEADLK
 *       depends on the other processes' waits; the others fail {@code F_SETLK} the same way. A try
 *       that finds the lock taken means EDEADLK; one that gets it, a lock freed meanwhile (kept); one
 *       that fails, a real error (thrown). A transient ENOLCK taken for EDEADLK is only retried.
 *   <li>The lock file is opened by {@link LockFiles#open}: never through a link, never blocking,
 *       never creating it, its type checked on the handle.
 * </ul>
 *
 * <p>Only one thread at a time performs a kernel operation (the {@code busy} token, under {@code mu});
 * that thread alone touches {@link #channel}.
 *
 * <p>Fairness in the JVM: once an exclusive request waits, new shared requests wait behind it, so a
 * stream of readers cannot starve a writer. Between processes {@code fcntl} promises no order.
 *
 * <p>The owner record ({@link OwnerRecords}) is written by the daemon once a hold has lasted
 * {@link #RECORD_DELAY_NANOS} (a waiter that times out has waited on a longer hold; shorter holds cost
 * no file I/O), and removed by the release, before it returns: an exclusive hold's just before the
 * kernel unlock (one {@code unlink}), a shared hold's just after it (it is read first, since a shared
 * holder elsewhere may have replaced it, and a waiter should not wait for that read). So it outlives
 * the hold of this process only by that moment, or if the process dies.
 */
public final class LockFileState {
  /** How long a hold lasts before its owner record is written. */
  static final long RECORD_DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
  private static final long FIRST_DEADLOCK_BACKOFF_NANOS = TimeUnit.MICROSECONDS.toNanos(500);
  private static final long MAX_DEADLOCK_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

  private enum Record { NONE, PENDING, WRITING, WRITTEN }

  private enum Cancel { NONE, CLOSING, CLOSED }

  final Object key;
  /** The lock file as the first locker named it (for messages). */
  private final Path path;

  private final ReentrantLock mu = new ReentrantLock();
  /** Callers wait here for any change of state. */
  private final Condition changed = mu.newCondition();

  // All below guarded by mu.
  private int readers;
  private boolean writer;
  private int waitingReaders;
  private int waitingWriters;
  /** What the JVM holds in the kernel; null for nothing. */
  private LockMode kernel;
  private FileLock fileLock;
  /**
   * The current hold in the kernel: since when, and the lock file as its taker named it (its record
   * goes beside it). Its record is made from them only when someone needs it: a grant is on the
   * path of every hand-off, which it must not slow.
   */
  private Instant heldSince;
  private Path heldAs;
  private LockOwner record;
  /** Where the record of the current hold was written, and its text. */
  private Path recordPath;
  private String recordText;
  /** In the daemon's set ({@link LockDaemon#watch}); set and cleared under mu. */
  private boolean watched;
  private Record recordState = Record.NONE;
  private long recordDueAt;
  /** A thread is inside a kernel operation; {@code busyBlocking}: a blocking lock(). */
  private boolean busy;
  private boolean busyBlocking;
  private long blockedUntil;
  private Cancel cancel = Cancel.NONE;

  // Guarded by LockFileTable's lock.
  int users;
  long unusedSince;

  /** Touched only by the thread holding the busy token (and by the daemon when it cancels a wait). */
  private FileChannel channel;

  LockFileState(Object key, Path path) {
    this.key = key;
    this.path = path;
  }

  // ---------------------------------------------------------------------------------------------
  // Callers

  /**
   * Waits for {@code mode} until {@code deadline} (a {@link System#nanoTime()} value).
   *
   * @param lockFile the lock file as the caller names it (an entry may be reached by several paths;
   *     each is checked to name this file before it is opened)
   * @param tryOnce do not wait for another holder
   * @return whether the lock was granted
   * @throws InterruptedException if the thread was interrupted while waiting (nothing is held then)
   * @throws IOException if the kernel lock could not be taken for a reason other than contention
   */
  public boolean acquire(Path lockFile, LockMode mode, long deadline, boolean tryOnce)
      throws IOException, InterruptedException {
    boolean exclusive = mode == LockMode.EXCLUSIVE;
    mu.lockInterruptibly();
    try {
      if (exclusive) {
        waitingWriters++;
      } else {
        waitingReaders++;
      }
      boolean triedOnce = false;
      long backoff = 0;
      boolean granted = false;
      try {
        while (true) {
          if (grantable(mode)) {
            if (exclusive) {
              writer = true;
            } else {
              readers++;
            }
            granted = true;
            return true;
          }
          settle();
          if (kernel == null && !busy && desired() == mode) {
            // Nobody in this JVM holds or works on the file: ask the kernel on this thread.
            boolean blocking = triedOnce && !tryOnce;
            if (blocking && deadline - System.nanoTime() <= 0) {
              return false;
            }
            triedOnce = true;
            Outcome o = kernelLock(lockFile, mode, blocking, deadline);
            if (o == Outcome.TAKEN) {
              continue;
            }
            if (tryOnce) {
              return false;
            }
            if (o == Outcome.DEADLOCK) {
              // EDEADLK: the kernel saw processes waiting on each other's locks. Back off, retry;
              // the timeouts break a real cycle.
              backoff = backoff == 0 ? FIRST_DEADLOCK_BACKOFF_NANOS : Math.min(2 * backoff, MAX_DEADLOCK_BACKOFF_NANOS);
              changed.awaitNanos(Math.min(backoff, Math.max(0, deadline - System.nanoTime())));
            }
            continue;
          }
          if (tryOnce) {
            if (heldAgainst(mode) || busyBlocking) {
              return false;
            }
            changed.await(); // a quick kernel operation of another thread is under way
            continue;
          }
          long remaining = deadline - System.nanoTime();
          if (remaining <= 0) {
            return false;
          }
          changed.awaitNanos(remaining);
        }
      } finally {
        if (exclusive) {
          waitingWriters--;
        } else {
          waitingReaders--;
        }
        if (!granted) {
          // A writer that leaves may let readers in; a request that leaves may leave a kernel lock
          // nobody in the JVM wants.
          changed.signalAll();
          settle();
        }
      }
    } finally {
      mu.unlock();
    }
  }

  private enum Outcome { TAKEN, REFUSED, DEADLOCK }

  /**
   * One kernel attempt on the caller's thread; called with mu held, kernel == null, not busy. The JVM
   * holds no lock on the file meanwhile, so an interrupt that closes the channel loses only the channel.
   */
  private Outcome kernelLock(Path lockFile, LockMode mode, boolean blocking, long deadline)
      throws IOException, InterruptedException {
    // Opened before the deadline can be enforced: the daemon must find the channel it has to close.
    FileChannel ch;
    try {
      ch = channel(lockFile);
    } catch (ClosedByInterruptException e) {
      Thread.interrupted();
      throw new InterruptedException();
    }
    boolean shared = mode == LockMode.SHARED;
    busy = true;
    busyBlocking = blocking;
    if (blocking) {
      blockedUntil = deadline;
      watch(deadline);
    }
    FileLock got = null;
    boolean interrupted = false;
    boolean deadlock = false;
    IOException failure = null;
    mu.unlock();
    try {
      got = blocking ? ch.lock(0, Long.MAX_VALUE, shared) : ch.tryLock(0, Long.MAX_VALUE, shared);
    } catch (ClosedByInterruptException | FileLockInterruptionException e) {
      // lock() reports the interrupt that closed the channel as FileLockInterruptionException,
      // tryLock() as ClosedByInterruptException; either way the channel is gone and nothing was held
      interrupted = true;
    } catch (AsynchronousCloseException e) {
      // the daemon closed the channel at the deadline
    } catch (ClosedChannelException e) {
      // closed under us by a cancelled wait a moment ago: reopen and go again
    } catch (OverlappingFileLockException e) {
      failure = foreignLock(e);
    } catch (IOException e) {
      if (!blocking) {
        failure = e;
      } else {
        // EDEADLK or a real error? Ask once more without waiting (see the class javadoc).
        try {
          got = ch.tryLock(0, Long.MAX_VALUE, shared);
          deadlock = got == null;
          if (deadlock) {
            Log.get().log(System.Logger.Level.DEBUG, "EDEADLK waiting for {0} ({1}); retrying", path, e.getMessage());
          }
        } catch (ClosedByInterruptException probeInterrupted) {
          interrupted = true;
        } catch (ClosedChannelException cancelled) {
          // the deadline passed meanwhile
        } catch (OverlappingFileLockException probeOverlap) {
          failure = foreignLock(probeOverlap);
        } catch (IOException probeFailed) {
          failure = e;
        }
      }
    } finally {
      mu.lock();
      while (cancel == Cancel.CLOSING) {
        changed.awaitUninterruptibly();
      }
      if (cancel == Cancel.CLOSED) {
        // the close dropped the lock even if the call had just obtained it
        got = null;
      }
      cancel = Cancel.NONE;
      if (channel != null && !channel.isOpen()) {
        channel = null;
      }
      busy = false;
      busyBlocking = false;
    }
    if (got != null) {
      took(lockFile, mode, got);
      return Outcome.TAKEN;
    }
    changed.signalAll();
    if (interrupted) {
      Thread.interrupted();
      throw new InterruptedException();
    }
    if (failure != null) {
      throw failure;
    }
    return deadlock ? Outcome.DEADLOCK : Outcome.REFUSED;
  }

  private IOException foreignLock(OverlappingFileLockException e) {
    return new IOException("the lock file " + path
        + " is locked by other code in this JVM (never open or lock it outside DirectoryLocker)", e);
  }

  /** Gives back one in-JVM hold of {@code mode}; returns once the kernel lock follows, if it must. */
  public void release(LockMode mode) {
    mu.lock();
    try {
      if (mode == LockMode.EXCLUSIVE) {
        if (!writer) {
          throw new IllegalStateException("exclusive lock on " + path + " is not held");
        }
        writer = false;
      } else {
        if (readers == 0) {
          throw new IllegalStateException("shared lock on " + path + " is not held");
        }
        readers--;
      }
      changed.signalAll();
      // Return only when another process can get in, as a caller of release expects. Not
      // interruptible: the unlock is a few microseconds away and a half-done release helps nobody.
      while (unwanted()) {
        if (busy || recordState == Record.WRITING) {
          changed.awaitUninterruptibly();
        } else {
          unlockKernel();
        }
      }
    } finally {
      mu.unlock();
    }
  }

  /** @return the record of this JVM's hold, if a locker in this JVM holds the lock */
  public Optional<LockOwner> heldRecord() {
    mu.lock();
    try {
      return (writer || readers > 0) && kernel != null ? Optional.of(record()) : Optional.empty();
    } finally {
      mu.unlock();
    }
  }

  /** @return the path of the lock file */
  public Path path() {
    return path;
  }

  private boolean grantable(LockMode mode) {
    if (busy || writer || kernel != mode) {
      return false;
    }
    // Writer preference: a waiting writer keeps new readers out, so readers cannot starve it.
    return mode == LockMode.EXCLUSIVE ? readers == 0 : waitingWriters == 0;
  }

  /** @return whether holders (or a waiting writer, for a reader) in this JVM stand in the way */
  private boolean heldAgainst(LockMode mode) {
    return writer || (mode == LockMode.EXCLUSIVE ? readers > 0 : waitingWriters > 0);
  }

  /** @return what the kernel lock should be now; null for none */
  private LockMode desired() {
    if (writer) {
      return LockMode.EXCLUSIVE;
    }
    if (readers > 0) {
      return LockMode.SHARED;
    }
    if (waitingWriters > 0) {
      return LockMode.EXCLUSIVE;
    }
    return waitingReaders > 0 ? LockMode.SHARED : null;
  }

  /** @return whether the JVM holds a kernel lock that no holder uses and no waiter can use */
  private boolean unwanted() {
    return kernel != null && !writer && readers == 0 && desired() != kernel;
  }

  /** With mu held: gives back an unwanted kernel lock now, unless another thread is at it. */
  private void settle() {
    while (unwanted() && !busy && recordState != Record.WRITING) {
      unlockKernel();
    }
  }

  private boolean idle() {
    return !writer && readers == 0 && waitingReaders == 0 && waitingWriters == 0 && kernel == null && !busy;
  }

  /** With mu held: the JVM now holds {@code mode} in the kernel. */
  private void took(Path lockFile, LockMode mode, FileLock got) {
    kernel = mode;
    fileLock = got;
    heldSince = Instant.now();
    heldAs = lockFile;
    record = null;
    recordState = Record.PENDING;
    recordDueAt = System.nanoTime() + RECORD_DELAY_NANOS;
    // a daemon that ticks anyway finds it: no wake-up on the way out of acquire
    watch(recordDueAt);
    changed.signalAll();
  }

  /** With mu held: the record of the current hold. */
  private LockOwner record() {
    if (record == null) {
      record = OwnerRecords.self(kernel, heldSince);
    }
    return record;
  }

  /** With mu held: asks the daemon to look at this entry by {@code dueAt}. */
  private void watch(long dueAt) {
    if (watched) {
      LockDaemon.nudge(dueAt); // in its set already: only wake it if it would look too late
    } else {
      watched = true;
      LockDaemon.watch(this, dueAt);
    }
  }

  private FileChannel channel(Path lockFile) throws IOException {
    if (channel == null) {
      channel = LockFiles.open(lockFile, key);
    }
    return channel;
  }

  /**
   * With mu held, no holder in the JVM and no kernel operation under way: drops the kernel lock, then
   * removes the owner record. The JVM holds nothing else on the file, so even an interrupt that
   * closed the channel here would lose nothing.
   */
  private void unlockKernel() {
    busy = true;
    FileLock lock = fileLock;
    String written = recordState == Record.WRITTEN ? recordText : null;
    Path writtenAt = recordPath;
    boolean exclusive = kernel == LockMode.EXCLUSIVE;
    mu.unlock();
    try {
      if (written != null && exclusive) {
        // Before the unlock: while this process holds the lock exclusively, no other holder can have
        // written a record, so whatever is at the name goes, unread.
        OwnerRecords.remove(writtenAt);
        written = null;
      }
      lock.release();
    } catch (ClosedChannelException e) {
      // closed by an interrupt of the releasing thread: the lock went with it, as asked
    } catch (IOException e) {
      // Releasing a lock on an open channel does not fail on Linux; if it ever does, the lock goes
      // when the channel closes or the process ends.
      Log.get().log(System.Logger.Level.WARNING, "could not release the lock on " + path, e);
    } finally {
      if (written != null) {
        // A shared hold's record may have been replaced by a shared holder in another process,
        // whose record must stay: read, and removed only if still this hold's. After the unlock,
        // so that a waiter never waits for the read (a next holder writes its own record only after
        // RECORD_DELAY_NANOS).
        OwnerRecords.remove(writtenAt, written);
      }
      mu.lock();
      if (channel != null && !channel.isOpen()) {
        channel = null;
      }
      busy = false;
      kernel = null;
      fileLock = null;
      heldSince = null;
      heldAs = null;
      record = null;
      recordPath = null;
      recordText = null;
      recordState = Record.NONE;
      changed.signalAll();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // The daemon's side: deadlines of blocked waits, owner records. It never locks.

  /**
   * On the {@link LockDaemon}: does what is due (ends a wait whose deadline passed, writes a record
   * whose hold lasted).
   *
   * @return nanoseconds until the next thing is due, or -1 if nothing is pending (this entry then no
   *     longer needs the daemon until it calls {@link LockDaemon#watch} again)
   */
  long serveDaemon() {
    mu.lock();
    try {
      while (true) {
        long now = System.nanoTime();
        if (busyBlocking && cancel == Cancel.NONE) {
          long wait = blockedUntil - now;
          if (wait > 0) {
            return wait;
          }
          cancelBlockedWait();
          continue;
        }
        if (kernel != null && recordState == Record.PENDING && (writer || readers > 0)) {
          long wait = recordDueAt - now;
          if (wait > 0) {
            return wait;
          }
          writeRecord();
          continue;
        }
        // Under mu, as every watch() is: a watch cannot slip in between this check and the removal.
        LockDaemon.unwatch(this);
        watched = false;
        return -1;
      }
    } finally {
      mu.unlock();
    }
  }

  /**
   * Ends a blocked wait whose deadline passed, by closing the channel under it. The waiter holds the
   * busy token and the JVM holds no lock on the file, so the close drops nothing; the waiter sees the
   * close ({@link Cancel#CLOSED}) before it lets anyone else at the channel.
   */
  private void cancelBlockedWait() {
    cancel = Cancel.CLOSING;
    FileChannel ch = channel;
    mu.unlock();
    try {
      if (ch != null) {
        ch.close();
      }
    } catch (IOException e) {
      Log.get().log(System.Logger.Level.DEBUG, "could not close " + path, e);
    } finally {
      mu.lock();
      cancel = Cancel.CLOSED;
      changed.signalAll();
    }
  }

  /** On the daemon, with mu held and a holder in the JVM: writes the owner record. */
  private void writeRecord() {
    recordState = Record.WRITING;
    LockOwner owner = record();
    Path at = OwnerRecords.recordOf(heldAs);
    recordPath = at;
    mu.unlock();
    String text = null;
    try {
      text = OwnerRecords.write(at, owner);
    } catch (IOException | RuntimeException e) {
      // The record is advice; a read-only or full directory must not cost the lock.
      Log.get().log(System.Logger.Level.DEBUG, "could not write the owner record " + at, e);
    } finally {
      mu.lock();
      recordText = text;
      recordState = text != null ? Record.WRITTEN : Record.NONE;
      changed.signalAll();
    }
  }

  /**
   * Called by {@link LockFileTable} with its lock held, for an entry nobody uses: closes the channel
   * if the JVM holds nothing on the file.
   *
   * @param onlyIfClosed do nothing unless the channel is closed already (an entry without an open
   *     channel is worth nothing in a cache, and its key, which no open file keeps alive, may be
   *     reused by a new file)
   * @return whether the entry is closed (and may leave the table)
   */
  boolean closeIfIdle(boolean onlyIfClosed) {
    mu.lock();
    try {
      if (!idle() || recordState != Record.NONE || (onlyIfClosed && channel != null)) {
        return false;
      }
      if (channel != null) {
        try {
          channel.close();
        } catch (IOException e) {
          Log.get().log(System.Logger.Level.DEBUG, "could not close " + path, e);
        }
        channel = null;
      }
      return true;
    } finally {
      mu.unlock();
    }
  }
}
