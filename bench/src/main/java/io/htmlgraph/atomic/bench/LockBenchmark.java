package io.htmlgraph.atomic.bench;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.store.Lock;
import org.apache.lucene.store.NativeFSLockFactory;
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
 * Workload 4, uncontended: acquire + release per second. The floor is a raw {@code FileChannel} lock
 * on a channel kept open; Lucene opens a channel per lock ({@code obtainLock}) and closes it on
 * {@code close()}. The library's {@code DirectoryLocker} is measured by {@link DirectoryLockerBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class LockBenchmark {
  private Path dir;
  private FileChannel channel;
  private Directory lucene;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    dir = BenchDirs.fresh("locks");
    channel = FileChannel.open(dir.resolve("raw.lock"), StandardOpenOption.CREATE, StandardOpenOption.READ,
        StandardOpenOption.WRITE);
    lucene = FSDirectory.open(dir.resolve("lucene"), NativeFSLockFactory.INSTANCE);
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    channel.close();
    lucene.close();
    BenchDirs.deleteTree(dir);
  }

  @Benchmark
  public void rawExclusive() throws IOException {
    FileLock l = channel.lock();
    l.release();
  }

  @Benchmark
  public void rawShared() throws IOException {
    FileLock l = channel.lock(0, Long.MAX_VALUE, true);
    l.release();
  }

  @Benchmark
  public void luceneObtainClose() throws IOException {
    Lock l = lucene.obtainLock("write.lock");
    l.close();
  }
}
