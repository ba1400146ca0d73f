package io.htmlgraph.atomic;

import java.io.IOException;
import java.time.Duration;
import java.util.Optional;

/**
 * A reader/writer lock that guards files: {@link #lockExclusive} admits one holder, {@link #lockShared}
 * any number of shared holders and no exclusive one. Everything in the library that takes a lock
 * ({@code AtomicJson.update}, {@code FileTransaction}, the examples' session registry) accepts any
 * {@code Locker}:
 * <ul>
 *   <li>{@link DirectoryLocker}: a kernel lock on a directory, for threads and processes of one host.
 *       It cannot be lost while held; its {@link HeldLock#fencingToken()} is 0.
 *   <li>{@code ZooKeeperLocker} (module {@code htmlgraph-atomic-zookeeper}): a lock in a ZooKeeper
 *       ensemble, for processes on several hosts. It can be lost (a session that expires): check
 *       {@link HeldLock#isHeld()} right before publishing, as the library's own callers do.
 * </ul>
 *
 * <p>Common semantics: timeouts run on a monotonic clock and a timeout of zero or less tries once;
 * acquiring again while the same locker holds the lock adds a hold (each needs one close); there is no
 * shared-to-exclusive upgrade ({@link IllegalStateException}); an interrupted waiter stops, keeps its
 * interrupt status, holds nothing and gets {@link java.io.InterruptedIOException}.
 */
public interface Locker {
  /**
   * Waits up to {@code timeout} for the exclusive lock.
   *
   * @return the hold; {@link HeldLock#close()} gives it back
   * @throws LockTimeoutException if the lock was not obtained in time; names the holder when known
   * @throws java.io.InterruptedIOException if the thread was interrupted before or while waiting
   * @throws IllegalStateException if this locker holds the shared lock (no upgrade)
   * @throws IOException if the lock cannot be taken for a reason other than contention
   */
  HeldLock lockExclusive(Duration timeout) throws IOException;

  /**
   * Waits up to {@code timeout} for the shared lock.
   *
   * @return the hold; {@link HeldLock#close()} gives it back
   * @throws LockTimeoutException if the lock was not obtained in time; names the holder when known
   * @throws java.io.InterruptedIOException if the thread was interrupted before or while waiting
   * @throws IOException if the lock cannot be taken for a reason other than contention
   */
  HeldLock lockShared(Duration timeout) throws IOException;

  /**
   * Who holds the lock, as the holder recorded it: advice for people and messages, never used for
   * exclusion (the holder may be gone a moment later).
   *
   * @return the holder, or empty if none is known
   * @throws IOException if the record exists but cannot be read
   */
  Optional<LockOwner> owner() throws IOException;
}
