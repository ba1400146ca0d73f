package io.htmlgraph.atomic.bench;

import io.htmlgraph.atomic.DirectoryLocker;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/** The library's {@link DirectoryLocker} for the hand-off benchmark (loaded by name from BlockingLock). */
public final class DirectoryLockerLock implements BlockingLock {
  private final DirectoryLocker locker;

  public DirectoryLockerLock(Path dir) throws IOException {
    locker = new DirectoryLocker(dir);
  }

  @Override
  public void lock() throws IOException {
    if (!locker.acquireExclusiveLock(Duration.ofSeconds(60))) {
      throw new IOException("no exclusive lock on " + locker.lockDir() + " in 60 s");
    }
  }

  @Override
  public void unlock() {
    locker.releaseLock();
  }

  @Override
  public void close() {
    locker.releaseLock();
  }
}
