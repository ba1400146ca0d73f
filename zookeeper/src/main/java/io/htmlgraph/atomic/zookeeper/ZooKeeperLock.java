package io.htmlgraph.atomic.zookeeper;

import io.htmlgraph.atomic.HeldLock;
import io.htmlgraph.atomic.LockMode;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One hold of a {@link ZooKeeperLocker}'s lock; {@link #close()} gives it back. Meant for
 * try-with-resources; unlike a kernel lock it can be lost while held, so check {@link #isHeld()}
 * right before publishing anything it guards (or publish through {@link io.htmlgraph.atomic.Fencing},
 * as {@code AtomicJson.update} does).
 */
public final class ZooKeeperLock implements HeldLock {
  private final ZooKeeperLocker locker;
  private final LockMode mode;
  private final long generation;
  private final AtomicBoolean closed = new AtomicBoolean();

  ZooKeeperLock(ZooKeeperLocker locker, LockMode mode, long generation) {
    this.locker = locker;
    this.mode = mode;
    this.generation = generation;
  }

  /** @return the locker this hold belongs to */
  public ZooKeeperLocker locker() {
    return locker;
  }

  /** @return the mode that was asked for (an exclusive holder asking for shared holds exclusive) */
  @Override
  public LockMode mode() {
    return mode;
  }

  /**
   * Tells whether this hold stands: not closed, its locker not released since, the client's
   * connection not SUSPENDED or LOST since the grant, and the server confirms that the hold's node
   * exists and belongs to the client's current session. Once false, false for good.
   *
   * <p>Costs one round trip to the server the client is connected to (an {@code exists}; about as
   * much as a ZooKeeper read), waited for at most the session timeout, uninterruptibly (a pending
   * interrupt stays pending). The server answers from its own copy of the data, which may lag the
   * quorum: a hold can be lost right after a true answer, which is what {@link #fencingToken()} is for.
   *
   * @return whether the hold stands
   */
  @Override
  public boolean isHeld() {
    return !closed.get() && locker.holds(generation);
  }

  /**
   * @return the creation zxid of the hold's node: larger for every later grant of this lock path
   *     (zxids only grow, across leader changes); 0 once the hold is closed
   */
  @Override
  public long fencingToken() {
    return closed.get() ? 0 : locker.token(generation);
  }

  /** @return why the hold was lost (a connection event, a missing node), if it was lost */
  public java.util.Optional<String> lostBecause() {
    return java.util.Optional.ofNullable(closed.get() ? null : locker.lostBecause(generation));
  }

  /**
   * Gives this hold back; the last hold of the locker deletes its node, after which others can get
   * the lock. Idempotent. Never throws; never interrupted (a pending interrupt stays pending). Without
   * a connection it does not wait: the node is deleted by Curator when the client reconnects, and goes
   * with the session at the latest.
   */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      locker.release(generation);
    }
  }

  @Override
  public String toString() {
    String node = closed.get() ? null : locker.nodePath(generation);
    return "ZooKeeperLock[" + mode + " " + locker.lockPath() + (node != null ? " " + node : "")
        + (closed.get() ? ", closed]" : "]");
  }
}
