package io.htmlgraph.atomic;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * A directory lock was not obtained within its timeout. Names the holder when its owner record could
 * be read (advice only: the holder may have released the lock a moment later).
 */
public final class LockTimeoutException extends IOException {
  private static final long serialVersionUID = 1L;

  private final transient Path lockDir;
  private final LockMode mode;
  private final transient LockOwner holder;

  /**
   * @param lockDir the locked directory
   * @param mode the mode that was asked for
   * @param timeout how long the caller waited
   * @param holder the holder's owner record, or null if unknown
   */
  public LockTimeoutException(Path lockDir, LockMode mode, Duration timeout, LockOwner holder) {
    super(message(lockDir, mode, timeout, holder));
    this.lockDir = lockDir;
    this.mode = mode;
    this.holder = holder;
  }

  private static String message(Path lockDir, LockMode mode, Duration timeout, LockOwner holder) {
    String waited = timeout.isNegative() || timeout.isZero() ? "on a single try" : "within " + timeout.toMillis() + " ms";
    return "could not get the " + mode.name().toLowerCase(java.util.Locale.ROOT) + " lock on " + lockDir + " " + waited
        + (holder == null ? "; holder unknown" : "; held by " + holder);
  }

  /** @return the locked directory */
  public Path lockDir() {
    return lockDir;
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
