package io.htmlgraph.atomic;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * A lock was not obtained within its timeout. Names the holder when its owner record could
 * be read (advice only: the holder may have released the lock a moment later).
 */
public final class LockTimeoutException extends IOException {
  private static final long serialVersionUID = 1L;

  private final transient Path lockDir;
  private final String lockName;
  private final LockMode mode;
  private final transient LockOwner holder;

  /**
   * @param lockDir the locked directory
   * @param mode the mode that was asked for
   * @param timeout how long the caller waited
   * @param holder the holder's owner record, or null if unknown
   */
  public LockTimeoutException(Path lockDir, LockMode mode, Duration timeout, LockOwner holder) {
    super(message(String.valueOf(lockDir), mode, timeout, holder));
    this.lockDir = lockDir;
    this.lockName = String.valueOf(lockDir);
    this.mode = mode;
    this.holder = holder;
  }

  /**
   * For a lock that is not a directory's (a ZooKeeper lock path, say).
   *
   * @param lockName what was locked, for the message
   * @param mode the mode that was asked for
   * @param timeout how long the caller waited
   * @param holder the holder's owner record, or null if unknown
   */
  public LockTimeoutException(String lockName, LockMode mode, Duration timeout, LockOwner holder) {
    super(message(lockName, mode, timeout, holder));
    this.lockDir = null;
    this.lockName = lockName;
    this.mode = mode;
    this.holder = holder;
  }

  private static String message(String lockDir, LockMode mode, Duration timeout, LockOwner holder) {
    String waited = timeout.isNegative() || timeout.isZero() ? "on a single try" : "within " + timeout.toMillis() + " ms";
    return "could not get the " + mode.name().toLowerCase(java.util.Locale.ROOT) + " lock on " + lockDir + " " + waited
        + (holder == null ? "; holder unknown" : "; held by " + holder);
  }

  /** @return the locked directory; null for a lock that is not a directory's */
  public Path lockDir() {
    return lockDir;
  }

  /** @return what was locked: the directory, or the lock's name (a ZooKeeper path, say) */
  public String lockName() {
    return lockName;
  }

  /** @return the mode that was asked for */
  public LockMode mode() {
    return mode;
  }

  /** @return the holder as its owner record names it, if it could be read */
  public Optional<LockOwner> holder() {
    return Optional.ofNullable(holder);
  }
}
