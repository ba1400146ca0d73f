package io.htmlgraph.atomic.bench;

import io.htmlgraph.atomic.DirectoryLocker;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.store.Lock;
import org.apache.lucene.store.NativeFSLockFactory;
import org.apache.lucene.store.SleepingLockWrapper;

/** An exclusive lock that a process waits for, as the hand-off benchmark uses it. */
interface BlockingLock extends AutoCloseable {
  /** Waits until the lock is held. */
  void lock() throws IOException;

  void unlock() throws IOException;

  @Override
  void close() throws IOException;

  /** The implementations by name. */
  static BlockingLock open(String impl, Path dir) throws IOException, InterruptedException {
    return switch (impl) {
      case "raw" -> new Raw(dir.resolve("raw.lock"));
      case "lucene" -> new Lucene(dir);
      case "directory-locker" -> new Locker(dir.resolve("dl"));
      case "zookeeper" -> new ZooKeeperLockerLock(System.getProperty("bench.zookeeper"), "/bench/" + dir.getFileName());
      default -> throw new IllegalArgumentException(impl);
    };
  }

  /** The library's {@link DirectoryLocker}: a blocking {@code fcntl} wait too, plus its bookkeeping. */
  final class Locker implements BlockingLock {
    private final DirectoryLocker locker;

    Locker(Path dir) throws IOException {
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

  /** A raw {@code FileChannel.lock()}: a blocking {@code fcntl(F_SETLKW)}, the floor. */
  final class Raw implements BlockingLock {
    private final FileChannel ch;
    private FileLock held;

    Raw(Path file) throws IOException {
      ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    }

    @Override
    public void lock() throws IOException {
      held = ch.lock();
    }

    @Override
    public void unlock() throws IOException {
      held.release();
      held = null;
    }

    @Override
    public void close() throws IOException {
      ch.close();
    }
  }

  /**
   * Lucene's {@code NativeFSLockFactory}: {@code obtainLock} only tries; waiting is Lucene's
   * {@code SleepingLockWrapper}, polling here every {@link #POLL_MS} ms (its default is 1000 ms).
   */
  final class Lucene implements BlockingLock {
    static final long POLL_MS = 1;
    private final Directory dir;
    private Lock held;

    Lucene(Path path) throws IOException {
      dir = new SleepingLockWrapper(FSDirectory.open(path, NativeFSLockFactory.INSTANCE), 60_000, POLL_MS);
    }

    @Override
    public void lock() throws IOException {
      held = dir.obtainLock("write.lock");
    }

    @Override
    public void unlock() throws IOException {
      held.close();
      held = null;
    }

    @Override
    public void close() throws IOException {
      dir.close();
    }
  }
}
