package io.htmlgraph.atomic.testing;

import io.htmlgraph.atomic.HeldLock;
import io.htmlgraph.atomic.LockMode;
import io.htmlgraph.atomic.LockOwner;
import io.htmlgraph.atomic.LockTimeoutException;
import io.htmlgraph.atomic.Locker;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A {@link Locker} within one JVM, touching no file: so that the crash simulator records only the
 * transaction's own file work (a {@code DirectoryLocker} also writes its owner record from a daemon
 * thread after 10 ms, at moments that vary from run to run).
 */
final class InJvmLocker implements Locker {
  private final ReentrantReadWriteLock rw = new ReentrantReadWriteLock();

  @Override
  public HeldLock lockExclusive(Duration timeout) throws IOException {
    return lock(rw.writeLock(), LockMode.EXCLUSIVE, timeout);
  }

  @Override
  public HeldLock lockShared(Duration timeout) throws IOException {
    return lock(rw.readLock(), LockMode.SHARED, timeout);
  }

  private static HeldLock lock(Lock l, LockMode mode, Duration timeout) throws IOException {
    try {
      if (!l.tryLock(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
        throw new LockTimeoutException(Path.of("in-jvm"), mode, timeout, null);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted");
    }
    AtomicBoolean open = new AtomicBoolean(true);
    return new HeldLock() {
      @Override public LockMode mode() { return mode; }
      @Override public boolean isHeld() { return open.get(); }
      @Override public long fencingToken() { return 0; }
      @Override public void close() {
        if (open.compareAndSet(true, false)) {
          l.unlock();
        }
      }
    };
  }

  @Override
  public Optional<LockOwner> owner() {
    return Optional.empty();
  }
}
