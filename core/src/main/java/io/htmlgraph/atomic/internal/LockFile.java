package io.htmlgraph.atomic.internal;

import io.htmlgraph.atomic.AtomicFileWriter;
import io.htmlgraph.atomic.Durability;
import io.htmlgraph.atomic.LockMode;
import io.htmlgraph.atomic.LockOwner;
import io.htmlgraph.atomic.WriteOptions;
import java.io.IOException;
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
 *       file (see {@link LockFiles}), closed only when no lock is held on it.
 *   <li>A second {@code lock()} on that file in the same JVM throws {@link OverlappingFileLockException}.
 *       So in-JVM holders are counted here and the kernel lock follows them: shared while only shared
 *       holders exist, exclusive for an exclusive holder.
 *   <li>An interrupt of a thread inside {@code lock()}, or of any thread doing I/O on the channel,
 *       closes the channel and so releases the lock. So no caller thread ever touches the channel: a
 *       private daemon thread, which nobody can interrupt, does every kernel operation, and callers
 *       wait on a condition. The daemon blocks in {@code fcntl(F_SETLKW)}, which returns within tens of
 *       microseconds of the other process's unlock: no polling.
 *   <li>A caller may give up (timeout, interrupt) while the daemon still waits in the kernel; the grant
 *       then arrives unclaimed and the daemon gives it back at once.
 *   <li>{@code fcntl} reports EDEADLK when it sees a cycle of processes waiting on each other's locks;
 *       the daemon backs off briefly and retries, and the callers' timeouts break a real cycle.
 * </ul>
 *
 * <p>Fairness in the JVM: once an exclusive request waits, new shared requests wait behind it, so a
 * stream of readers cannot starve a writer. Between processes {@code fcntl} promises no order.
 *
 * <p>The owner record ({@code .lock.owner}) is written by the daemon just after it gets the kernel
 * lock and removed just before it releases it, so that the record never outlives the hold of this
 * process (unless the process dies) and the caller does not wait for that write.
 */
public final class LockFile {
  private static final System.Logger LOG = System.getLogger("io.htmlgraph.atomic");
  private static final WriteOptions RECORD_WRITE = WriteOptions.builder().durability(Durability.NONE).build();
  /** How long an unused lock file keeps its channel and daemon, to spare thread starts in tight loops. */
  private static final long LINGER_NANOS = TimeUnit.SECONDS.toNanos(2);
  private static final long MAX_DEADLOCK_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

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
  /** The daemon is inside a kernel operation; {@code busyBlocking}: a blocking lock(). */
  private boolean busy;
  private boolean busyBlocking;
  private long attemptsStarted;
  private long lastFailedTry;
  private long requests;
  private long requestsAtLastFailure = -1;
  private long errors;
  private IOException lastError;
  boolean retired;

  // Guarded by LockFiles' table lock.
  int users;

  // Only touched by the daemon (and by LockFiles.tryRetire while the daemon waits).
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
   * @param tryOnce do not wait for another holder; only for this JVM's own bookkeeping
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
      boolean granted = false;
      try {
        work.signal();
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
          if (tryOnce && (heldAgainst(mode) || busyBlocking || lastFailedTry > startedBefore)) {
            return false;
          }
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
      if (readers == 0 && !writer) {
        work.signal();
        // Return only when another process can get in, as a caller of release would expect. Not
        // interruptible: the unlock is a few microseconds away and a half-done release helps nobody.
        while (!writer && readers == 0 && kernel != null && desired() == null && !retired) {
          changed.awaitUninterruptibly();
        }
      }
    } finally {
      mu.unlock();
    }
  }

  /** @return the record of this JVM's hold, if it holds the kernel lock for a holder in the JVM */
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

  // ---------------------------------------------------------------------------------------------
  // The daemon: the only thread that touches the channel.

  private void run() {
    long backoff = 0;
    mu.lock();
    try {
      while (true) {
        LockMode want = desired();
        if (want == kernel || writer || readers > 0) {
          if (kernel == null && idle()) {
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
            work.awaitUninterruptibly();
          }
          continue;
        }
        if (kernel != null) {
          unlockKernel();
          continue;
        }
        boolean blocking = waitingWriters + waitingReaders > waitingTryOnce;
        if (requestsAtLastFailure == requests) {
          // The last attempt for these same requests failed: wait for a new one (or a timeout).
          work.awaitUninterruptibly();
          continue;
        }
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

  /** Waits for work without ever giving up on an interrupt (nobody should interrupt this thread). */
  private long awaitWork(long nanos) {
    try {
      return work.awaitNanos(nanos);
    } catch (InterruptedException e) {
      return 1;
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
      failure = new IOException("the lock file " + path
          + " is locked by other code in this JVM (never open or lock it outside DirectoryLocker)", e);
    } catch (IOException e) {
      // EDEADLK: the kernel saw processes waiting on each other's locks. Back off and retry; the
      // callers' timeouts break a real cycle.
      deadlock = String.valueOf(e.getMessage()).contains("deadlock");
      if (!deadlock) {
        failure = e;
      }
    } finally {
      mu.lock();
      busy = false;
      busyBlocking = false;
    }
    if (got != null) {
      kernel = want;
      fileLock = got;
      record = OwnerRecords.self(want, Instant.now());
      changed.signalAll();
      if (desired() == want) {
        writeRecord(record);
      }
      return 0;
    }
    changed.signalAll();
    if (deadlock) {
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

  private FileChannel channel() throws IOException {
    if (channel == null) {
      // READ for shared locks, WRITE for exclusive ones; CREATE in case someone deleted the file (which
      // breaks exclusion for whoever still holds the old one, and is why this code never deletes it).
      channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    }
    return channel;
  }

  /** Called with mu held and the daemon's attention: drops the kernel lock. */
  private void unlockKernel() {
    busy = true;
    attemptsStarted++;
    FileLock lock = fileLock;
    LockOwner mine = record;
    mu.unlock();
    try {
      removeRecord(mine);
      lock.release();
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
      changed.signalAll();
    }
  }

  /** Runs on the daemon while it holds the kernel lock; mu is released meanwhile. */
  private void writeRecord(LockOwner owner) {
    mu.unlock();
    try {
      AtomicFileWriter.atomicWrite(ownerFile, OwnerRecords.format(owner), RECORD_WRITE);
    } catch (IOException | RuntimeException e) {
      // The record is advice; a read-only or full directory must not cost the lock.
      LOG.log(System.Logger.Level.DEBUG, "could not write the owner record " + ownerFile, e);
    } finally {
      mu.lock();
    }
  }

  /** Removes the record if it is still this hold's (shared holders elsewhere may have rewritten it). */
  private void removeRecord(LockOwner mine) {
    if (mine == null) {
      return;
    }
    try {
      Optional<LockOwner> onDisk = OwnerRecords.parse(Files.readAllBytes(ownerFile));
      if (onDisk.isPresent() && onDisk.get().equals(mine)) {
        Files.deleteIfExists(ownerFile);
      }
    } catch (NoSuchFileException gone) {
      // never written (read-only directory) or removed by hand
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
    } finally {
      mu.unlock();
    }
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException e) {
        LOG.log(System.Logger.Level.DEBUG, "could not close " + path, e);
      }
      channel = null;
    }
    return true;
  }
}
