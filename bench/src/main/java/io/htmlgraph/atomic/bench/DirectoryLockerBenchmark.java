package io.htmlgraph.atomic.bench;

import io.htmlgraph.atomic.DirectoryLocker;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Workload 4, uncontended: the library's {@link DirectoryLocker} acquire + release per second (the
 * floor and Lucene are in {@link LockBenchmark}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class DirectoryLockerBenchmark {
  private Path dir;
  private DirectoryLocker locker;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    dir = BenchDirs.fresh("dirlock");
    locker = new DirectoryLocker(dir.resolve("locked"));
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    locker.releaseLock();
    BenchDirs.deleteTree(dir);
  }

  @Benchmark
  public void exclusive() {
    if (!locker.acquireExclusiveLock(Duration.ZERO)) {
      throw new IllegalStateException("uncontended exclusive lock refused");
    }
    locker.releaseLock();
  }

  @Benchmark
  public void shared() {
    if (!locker.acquireSharedLock(Duration.ZERO)) {
      throw new IllegalStateException("uncontended shared lock refused");
    }
    locker.releaseLock();
  }
}
