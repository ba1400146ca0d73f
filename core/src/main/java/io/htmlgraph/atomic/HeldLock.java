package io.htmlgraph.atomic;

/**
 * One hold of a {@link Locker}'s lock; {@link #close()} gives it back. Meant for try-with-resources.
 */
public interface HeldLock extends AutoCloseable {
  /** @return the mode that was asked for */
  LockMode mode();

  /**
   * Tells whether this hold still stands: false once it was closed, and false once the lock was lost
   * (a ZooKeeper session that was suspended or expired). Check it right before publishing anything the
   * lock guards; a lock that can be lost can be lost right after the check too, which is what
   * {@link #fencingToken()} is for.
   *
   * @return whether the hold stands
   */
  boolean isHeld();

  /**
   * A number that grows with every exclusive grant of this lock, for fencing: a holder records it
   * beside the data it publishes and refuses to publish when a newer token is already recorded, so a
   * holder that was paused past the loss of its lock cannot overwrite a newer holder's work.
   *
   * @return the token; 0 for locks that cannot be lost while held (a {@link DirectoryLocker}'s)
   */
  long fencingToken();

  /** Gives the hold back. Idempotent; never throws. */
  @Override
  void close();
}
