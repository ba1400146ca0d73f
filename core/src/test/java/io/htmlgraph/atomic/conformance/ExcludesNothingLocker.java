package io.htmlgraph.atomic.conformance;

import io.htmlgraph.atomic.HeldLock;
import io.htmlgraph.atomic.LockMode;
import io.htmlgraph.atomic.LockOwner;
import io.htmlgraph.atomic.Locker;
import java.time.Duration;
import java.util.Optional;

/**
 * A known-bad {@link Locker}: every request is granted at once, and its holds exclude nothing. The
 * twin of a real locker in tests that must be able to fail (lost updates are expected under it).
 */
public final class ExcludesNothingLocker implements Locker {
  @Override
  public HeldLock lockExclusive(Duration timeout) {
    return new Hold(LockMode.EXCLUSIVE);
  }

  @Override
  public HeldLock lockShared(Duration timeout) {
    return new Hold(LockMode.SHARED);
  }

  @Override
  public Optional<LockOwner> owner() {
    return Optional.empty();
  }

  private static final class Hold implements HeldLock {
    private final LockMode mode;
    private volatile boolean open = true;

    Hold(LockMode mode) {
      this.mode = mode;
    }

    @Override public LockMode mode() { return mode; }
    @Override public boolean isHeld() { return open; }
    @Override public long fencingToken() { return 0; }
    @Override public void close() { open = false; }
  }
}
