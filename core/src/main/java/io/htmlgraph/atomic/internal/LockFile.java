package io.htmlgraph.atomic.internal;

import io.htmlgraph.atomic.AtomicFileWriter;
import io.htmlgraph.atomic.Durability;
import io.htmlgraph.atomic.LockMode;
import io.htmlgraph.atomic.LockOwner;
import io.htmlgraph.atomic.WriteOptions;
import java.io.IOException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One lock file as this JVM sees it: the in-JVM reader/writer state of every {@code DirectoryLocker}
 * on it, and the one kernel lock the JVM holds for all of them.
 *
 * <p>Why it is built this way (each point is a failure seen with {@link FileLock} on Linux):
 *
 * <ul>
 *   <li>A POSIX lock belongs to the process, and closing <em>any</em> channel to the file drops it
 *       while {@link FileLock#isValid()} still says true. So the JVM has exactly one channel per lock
 *       file (see {@link LockFiles}), and it is closed only while the JVM holds no lock on the file.
 *   <li>A second {@code lock()} on that file in the same JVM throws {@link OverlappingFileLockException}.
 *       So in-JVM holders are counted here and the kernel lock follows them: shared while only shared
 *       holders exist, exclusive for an exclusive holder.
 *   <li>An interrupt of a thread doing I/O on the channel (even one whose interrupt status is set when
 *       it starts {@code lock()}) closes the channel, and the kernel lock goes with it. So while the
 *       JVM holds the kernel lock, only two operations touch the channel: the blocking
 *       {@code lock()}, done by a private daemon thread that nobody can interrupt, and the final
 *       unlock. A caller thread may run the non-blocking first attempt and the final unlock itself,
 *       because at those moments the JVM holds nothing else on the file: if an interrupt closes the
 *       channel then, nothing is lost but the channel, which is reopened.
 *   <li>The daemon blocks in {@code fcntl(F_SETLKW)}, which returns within tens of microseconds of the
 *       other process's unlock: no polling. A caller may give up (timeout, interrupt) while the daemon
 *       still waits in the kernel; the grant then arrives unclaimed and is given back at once.
 *   <li>{@code fcntl} reports EDEADLK when it sees a cycle of processes waiting on each other's locks;
 *       the daemon backs off briefly and retries, and the callers' timeouts break a real cycle.
 * </ul>
 *
 * <p>Only one thread at a time performs a kernel operation (the {@code busy} token, under {@code mu});
 * that thread alone may touch {@link #channel}.
 *
 * <p>Fairness in the JVM: once an exclusive request waits, new shared requests wait behind it, so a
 * stream of readers cannot starve a writer. Between processes {@code fcntl} promises no order.
 *
 * <p>The owner record ({@code .lock.owner}) is written by the daemon once a hold has lasted
 * {@link #RECORD_DELAY_NANOS} (a waiter that times out has waited on a longer hold; shorter holds cost
 * no file I/O), and removed before the kernel lock is released, so that it never outlives the hold of
 * this process unless the process dies.
 */
public final class LockFile {
  private static final System.Logger LOG = System.getLogger("io.htmlgraph.atomic");
  private static final WriteOptions RECORD_WRITE = WriteOptions.builder().durability(Durability.NONE).build();
  /** How long a hold lasts before its owner record is written. */
  static final long RECORD_DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
  /** How long an unused lock file keeps its channel and daemon, to spare thread starts in tight loops. */
  private static final long LINGER_NANOS = TimeUnit.SECONDS.toNanos(2);
  private static final long MAX_DEADLOCK_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

  private enum Record { NONE, PENDING, WRITING, WRITTEN }

  final Object key;
  private final Path path;
  private final Path ownerFile;

  private final ReentrantLock mu = new ReentrantLock();
  /** Callers wait here for any change of state. */
  private final Condition changed = mu.newCondition();
  /** The daemon waits here for work. */
  private final Condition work = mu.newCondition();

  // All below guarded by mu.
  private int readers;
  private boolean writer;
  private int waitingReaders;
  private int waitingWriters;
  private int waitingTryOnce;
  /** What the JVM holds in the kernel; null for nothing. */
  private LockMode kernel;
  private FileLock fileLock;
  private LockOwner record;
  private Record recordState = Record.NONE;
  private long recordDueAt;
  /** A thread is inside a kernel operation; {@code busyBlocking}: the daemon, in a blocking lock(). */
  private boolean busy;
  private boolean busyBlocking;
  private long attemptsStarted;
  private long lastFailedTry;
  private long requests;
  private long requestsAtLastFailure = -1;
  private long errors;
  private IOException lastError;
  /** When the daemon will look again by itself (System.nanoTime), or Long.MAX_VALUE. */
  private long daemonWakesAt;
  private boolean daemonWaits;
  boolean retired;

  // Guarded by LockFiles' table lock.
  int users;

  /** Touched only by the thread holding the busy token (and by retireIfIdle, when idle). */
  private FileChannel channel;

  LockFile(Object key, Path path) {
    this.key = key;
    this.path = path;
    this.ownerFile = ownerFileOf(path);
    Thread t = new Thread(this::run, "htmlgraph-atomic lock " + path);
    t.setDaemon(true);
    t.start();
  }

  /** @return the owner record that belongs beside {@code lockFile} */
  public static Path ownerFileOf(Path lockFile) {
    return lockFile.resolveSibling(lockFile.getFileName() + ".owner");
  }

  // ---------------------------------------------------------------------------------------------
  // Callers

  /**
   * Waits for {@code mode} until {@code deadline} (a {@link System#nanoTime()} value).
   *
   * @param tryOnce do not wait for another holder
   * @return whether the lock was granted
   * @throws InterruptedException if the thread was interrupted while waiting (nothing is held then)
   * @throws IOException if the kernel lock could not be taken for a reason other than contention
   */
  public boolean acquire(LockMode mode, long deadline, boolean tryOnce) throws IOException, InterruptedException {
    boolean exclusive = mode == LockMode.EXCLUSIVE;
    mu.lockInterruptibly();
    try {
      if (exclusive) {
        waitingWriters++;
      } else {
        waitingReaders++;
      }
      if (tryOnce) {
        waitingTryOnce++;
      }
      requests++;
      long startedBefore = attemptsStarted;
      long errorsBefore = errors;
      boolean triedHere = false;
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
          if (errors != errorsBefore) {
            throw new IOException("cannot lock " + path + ": " + lastError.getMessage(), lastError);
          }
          if (!triedHere && kernel == null && !busy && desired() == mode) {
            // Nobody in this JVM holds or works on the file: one non-blocking attempt on this thread
            // spares the hand-off to the daemon when the lock is free.
            triedHere = true;
            if (tryKernelHere(mode)) {
              continue;
            }
            if (tryOnce) {
              return false;
            }
          }
          if (tryOnce && (heldAgainst(mode) || busyBlocking || lastFailedTry > startedBefore)) {
            return false;
          }
          work.signal();
          if (tryOnce) {
            changed.await();
          } else {
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
              return false;
            }
            changed.awaitNanos(remaining);
          }
        }
      } finally {
        if (exclusive) {
          waitingWriters--;
        } else {
          waitingReaders--;
        }
        if (tryOnce) {
          waitingTryOnce--;
        }
        if (!granted) {
          // A writer that leaves may unblock readers; a request that leaves may make a grant unclaimed.
          changed.signalAll();
          work.signal();
        }
      }
    } finally {
      mu.unlock();
    }
  }

  /** One non-blocking kernel attempt on the caller's thread; called with mu held, kernel == null. */
  private boolean tryKernelHere(LockMode mode) throws IOException, InterruptedException {
    busy = true;
    attemptsStarted++;
    FileLock got = null;
    boolean interrupted = false;
    IOException failure = null;
    mu.unlock();
    try {
      got = channel().tryLock(0, Long.MAX_VALUE, mode == LockMode.SHARED);
    } catch (ClosedByInterruptException e) {
      // The interrupt closed the channel. The JVM held no lock on the file, so only the channel is
      // lost; it is reopened by the next attempt.
      interrupted = true;
      channel = null;
    } catch (OverlappingFileLockException e) {
      failure = overlapping(e);
    } catch (IOException e) {
      if (!isDeadlock(e)) {
        failure = e;
      }
    } finally {
      mu.lock();
      busy = false;
    }
    if (got != null) {
      took(mode, got);
      return true;
    }
    changed.signalAll();
    if (interrupted) {
      Thread.interrupted();
      throw new InterruptedException();
    }
    if (failure != null) {
      throw failure;
    }
    return false;
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
      while (!writer && readers == 0 && kernel != null && desired() == null) {
        if (busy || recordState == Record.WRITING) {
          changed.awaitUninterruptibly();
        } else {
          unlockKernel();
        }
      }
      if (!writer && readers == 0) {
        work.signal();
      }
    } finally {
      mu.unlock();
    }
  }

  /** @return the record of this JVM's hold, if a locker in this JVM holds the lock */
  public Optional<LockOwner> heldRecord() {
    mu.lock();
    try {
      return (writer || readers > 0) && record != null ? Optional.of(record) : Optional.empty();
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

  private boolean idle() {
    return !writer && readers == 0 && waitingReaders == 0 && waitingWriters == 0 && kernel == null && !busy;
  }

  /** With mu held: the JVM now holds {@code mode} in the kernel. */
  private void took(LockMode mode, FileLock got) {
    kernel = mode;
    fileLock = got;
    record = OwnerRecords.self(mode, Instant.now());
    recordState = Record.PENDING;
    recordDueAt = System.nanoTime() + RECORD_DELAY_NANOS;
    if (daemonWaits && recordDueAt - daemonWakesAt < 0) {
      work.signal();
    }
    changed.signalAll();
  }

  // ---------------------------------------------------------------------------------------------
  // The daemon: blocking kernel waits, grants nobody claimed, mode changes, owner records.

  private void run() {
    long backoff = 0;
    mu.lock();
    try {
      while (true) {
        LockMode want = desired();
        if (busy) {
          awaitWork(Long.MAX_VALUE);
          continue;
        }
        if (kernel != null && recordState == Record.PENDING && (writer || readers > 0)) {
          long wait = recordDueAt - System.nanoTime();
          if (wait <= 0) {
            writeRecord();
          } else {
            awaitWork(wait);
          }
          continue;
        }
        if (want == kernel || writer || readers > 0) {
          if (idle()) {
            long left = awaitWork(LINGER_NANOS);
            if (left <= 0 && idle()) {
              mu.unlock();
              boolean gone;
              try {
                gone = LockFiles.tryRetire(this);
              } finally {
                mu.lock();
              }
              if (gone) {
                changed.signalAll();
                return;
              }
            }
          } else {
            awaitWork(Long.MAX_VALUE);
          }
          continue;
        }
        if (kernel != null) {
          unlockKernel();
          continue;
        }
        if (requestsAtLastFailure == requests) {
          // The last attempt for these same requests failed: wait for a new request (or a timeout).
          awaitWork(Long.MAX_VALUE);
          continue;
        }
        boolean blocking = waitingWriters + waitingReaders > waitingTryOnce;
        backoff = lockKernel(want, blocking, backoff);
        if (backoff > 0) {
          awaitWork(backoff);
        }
      }
    } catch (RuntimeException | Error e) {
      LOG.log(System.Logger.Level.ERROR, "lock daemon for " + path + " failed", e);
      throw e;
    } finally {
      mu.unlock();
    }
  }

  /** Waits for work, never giving up on an interrupt (nobody should interrupt this thread). */
  private long awaitWork(long nanos) {
    daemonWaits = true;
    daemonWakesAt = nanos == Long.MAX_VALUE ? System.nanoTime() + Long.MAX_VALUE / 2 : System.nanoTime() + nanos;
    try {
      return work.awaitNanos(nanos == Long.MAX_VALUE ? Long.MAX_VALUE / 2 : nanos);
    } catch (InterruptedException e) {
      return 1;
    } finally {
      daemonWaits = false;
    }
  }

  /** @return the back-off before the next attempt after EDEADLK, else 0 */
  private long lockKernel(LockMode want, boolean blocking, long backoff) {
    busy = true;
    busyBlocking = blocking;
    long attempt = ++attemptsStarted;
    long requestsNow = requests;
    FileLock got = null;
    IOException failure = null;
    boolean deadlock = false;
    mu.unlock();
    try {
      FileChannel ch = channel();
      boolean shared = want == LockMode.SHARED;
      got = blocking ? ch.lock(0, Long.MAX_VALUE, shared) : ch.tryLock(0, Long.MAX_VALUE, shared);
    } catch (OverlappingFileLockException e) {
      failure = overlapping(e);
    } catch (ClosedChannelException e) {
      // Only an interrupt of this thread could close it, and then nothing was held: reopen next time.
      channel = null;
      Thread.interrupted();
      failure = e;
    } catch (IOException e) {
      deadlock = isDeadlock(e);
      if (!deadlock) {
        failure = e;
      }
    } finally {
      mu.lock();
      busy = false;
      busyBlocking = false;
    }
    if (got != null) {
      took(want, got);
      return 0;
    }
    changed.signalAll();
    if (deadlock) {
      // EDEADLK: the kernel saw processes waiting on each other's locks. Back off and retry; the
      // callers' timeouts break a real cycle.
      return backoff == 0 ? TimeUnit.MICROSECONDS.toNanos(500) : Math.min(backoff * 2, MAX_DEADLOCK_BACKOFF_NANOS);
    }
    requestsAtLastFailure = requestsNow;
    if (failure != null) {
      lastError = failure;
      errors++;
    } else {
      lastFailedTry = attempt;
    }
    return 0;
  }

  private static boolean isDeadlock(IOException e) {
    return String.valueOf(e.getMessage()).contains("deadlock");
  }

  private IOException overlapping(OverlappingFileLockException e) {
    return new IOException("the lock file " + path
        + " is locked by other code in this JVM (never open or lock it outside DirectoryLocker)", e);
  }

  private FileChannel channel() throws IOException {
    if (channel == null || !channel.isOpen()) {
      // READ for shared locks, WRITE for exclusive ones; CREATE in case someone deleted the file (which
      // breaks exclusion for whoever still holds the old one, and is why this code never deletes it).
      channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    }
    return channel;
  }

  /**
   * With mu held, no holder in the JVM and no kernel operation under way: removes the owner record,
   * then drops the kernel lock. Runs on a releasing caller or on the daemon. The JVM holds nothing
   * else on the file, so even an interrupt that closed the channel here would lose nothing.
   */
  private void unlockKernel() {
    busy = true;
    attemptsStarted++;
    FileLock lock = fileLock;
    LockOwner written = recordState == Record.WRITTEN ? record : null;
    mu.unlock();
    try {
      removeRecord(written);
      lock.release();
    } catch (ClosedChannelException e) {
      // closed by an interrupt of the releasing thread: the lock went with it, as asked
      channel = null;
    } catch (IOException e) {
      // Releasing a lock on an open channel does not fail on Linux; if it ever does, the lock goes
      // when the channel closes or the process ends.
      LOG.log(System.Logger.Level.WARNING, "could not release the lock on " + path, e);
    } finally {
      mu.lock();
      busy = false;
      kernel = null;
      fileLock = null;
      record = null;
      recordState = Record.NONE;
      changed.signalAll();
      work.signal();
    }
  }

  /** On the daemon, with mu held and a holder in the JVM: writes the owner record. */
  private void writeRecord() {
    recordState = Record.WRITING;
    LockOwner owner = record;
    mu.unlock();
    boolean ok = false;
    try {
      AtomicFileWriter.atomicWrite(ownerFile, OwnerRecords.format(owner), RECORD_WRITE);
      ok = true;
    } catch (IOException | RuntimeException e) {
      // The record is advice; a read-only or full directory must not cost the lock.
      LOG.log(System.Logger.Level.DEBUG, "could not write the owner record " + ownerFile, e);
    } finally {
      mu.lock();
      recordState = ok ? Record.WRITTEN : Record.NONE;
      changed.signalAll();
    }
  }

  /** Removes the record if it is still this hold's (shared holders elsewhere may have rewritten it). */
  private void removeRecord(LockOwner mine) {
    if (mine == null) {
      return;
    }
    try {
      // An exclusive holder's record is its own (nobody else writes while it holds); a shared one may
      // have been replaced by a shared holder in another process, whose record must stay.
      if (mine.mode() == LockMode.EXCLUSIVE
          || OwnerRecords.parse(Files.readAllBytes(ownerFile)).filter(mine::equals).isPresent()) {
        Files.deleteIfExists(ownerFile);
      }
    } catch (NoSuchFileException gone) {
      // removed by hand
    } catch (IOException e) {
      LOG.log(System.Logger.Level.DEBUG, "could not remove the owner record " + ownerFile, e);
    }
  }

  /** Called by {@link LockFiles#tryRetire} with its table lock held: the JVM holds no lock here. */
  boolean retireIfIdle() {
    mu.lock();
    try {
      if (!idle()) {
        return false;
      }
      retired = true;
      if (channel != null) {
        try {
          channel.close();
        } catch (IOException e) {
          LOG.log(System.Logger.Level.DEBUG, "could not close " + path, e);
        }
        channel = null;
      }
      return true;
    } finally {
      mu.unlock();
    }
  }
}
