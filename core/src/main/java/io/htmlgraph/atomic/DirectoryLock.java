package io.htmlgraph.atomic;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One hold of a {@link DirectoryLocker}'s lock, from {@link DirectoryLocker#lockExclusive} or
 * {@link DirectoryLocker#lockShared}; {@link #close()} gives it back. Meant for try-with-resources:
 *
 * <pre>{@code
 * try (DirectoryLock lock = locker.lockExclusive(Duration.ofSeconds(5))) {
 *   // only this holder is here
 * }
 * }</pre>
 */
public final class DirectoryLock implements HeldLock {
  private final DirectoryLocker locker;
  private final LockMode mode;
  private final long generation;
  private final AtomicBoolean closed = new AtomicBoolean();

  DirectoryLock(DirectoryLocker locker, LockMode mode, long generation) {
    this.locker = locker;
    this.mode = mode;
    this.generation = generation;
  }

  /** @return the locker this hold belongs to */
  public DirectoryLocker locker() {
    return locker;
  }

  /** @return the locked directory */
  public Path lockDir() {
    return locker.lockDir();
  }

  /** @return the mode that was asked for (an exclusive holder asking for shared holds exclusive) */
  @Override
  public LockMode mode() {
    return mode;
  }

  /**
   * @return whether this hold is still held: not closed, and its locker not released since by
   *     {@link DirectoryLocker#releaseLock()}
   */
  @Override
  public boolean isHeld() {
    return !closed.get() && locker.holds(generation);
  }

  /**
   * @return 0: a kernel lock is not lost while its process lives, and dies with it, so there is
   *     nothing to fence
   */
  @Override
  public long fencingToken() {
    return 0;
  }

  /**
   * Gives this hold back; the lock is released when the locker's last hold is. Idempotent: a second
   * call does nothing, and so does a call after the locker's holds were released by
   * {@link DirectoryLocker#releaseLock()}. Never interrupted.
   */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      locker.release(generation);
    }
  }

  @Override
  public String toString() {
    return "DirectoryLock[" + mode + " " + locker.lockDir() + (closed.get() ? ", closed]" : "]");
  }
}
