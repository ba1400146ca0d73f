package io.htmlgraph.atomic.bench;

import io.htmlgraph.atomic.AtomicFileOutputStream;
import io.htmlgraph.atomic.Durability;
import io.htmlgraph.atomic.WriteOptions;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.commons.io.FileUtils;
import org.apache.kafka.common.utils.Utils;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Workload 1: atomic replace of one small file, operations per second. Every operation replaces the
 * same existing target, as a program saving its state does.
 *
 * <p>{@code library} and {@code baseline} run at the level of the {@code level} parameter; the peers
 * run at the one level they offer and ignore it (the runner picks the matching row).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class SmallReplaceBenchmark {
  private static final AtomicLong SEQ = new AtomicLong();

  @Param({"100", "4096"})
  public int size;

  @Param({"NONE", "FILE", "FULL"})
  public String level;

  private Path dir;
  private Path target;
  private byte[] content;
  private Durability durability;
  private WriteOptions options;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    dir = BenchDirs.fresh("replace");
    target = dir.resolve("state.bin");
    content = new byte[size];
    Arrays.fill(content, (byte) 'x');
    durability = Durability.valueOf(level);
    options = WriteOptions.builder().durability(durability).build();
    Baseline.replace(target, content, Durability.FULL);
  }

  /** For the paired harness: run the peers on a directory and target set up by the caller. */
  void useDirectory(Path dir, Path target, byte[] content) {
    this.dir = dir;
    this.target = target;
    this.content = content;
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    BenchDirs.deleteTree(dir);
  }

  /** The library: {@link AtomicFileOutputStream} at the level asked. */
  @Benchmark
  public void library() throws IOException {
    AtomicFileOutputStream.atomicWrite(target, options, out -> out.write(content));
  }

  /** The hand-written minimum for the level. */
  @Benchmark
  public void baseline() throws IOException {
    Baseline.replace(target, content, durability);
  }

  /**
   * ZooKeeper's {@code AtomicFileOutputStream}: a fixed temp name {@code target.tmp}, {@code fsync},
   * {@code File.renameTo}; no directory sync (closest to FILE).
   */
  @Benchmark
  public void zookeeper() throws IOException {
    try (org.apache.zookeeper.common.AtomicFileOutputStream out =
        new org.apache.zookeeper.common.AtomicFileOutputStream(target.toFile())) {
      out.write(content);
    }
  }

  /**
   * Kafka's pattern (checkpoint files): write a temp with {@code FileOutputStream}, {@code fsync} it,
   * then {@code Utils.atomicMoveWithFallback(temp, target, true)}, which renames (falling back to a
   * non-atomic replace) and flushes the parent directory (closest to FULL).
   */
  @Benchmark
  public void kafka() throws IOException {
    Path temp = dir.resolve("state.bin.tmp-" + SEQ.incrementAndGet());
    try (FileOutputStream out = new FileOutputStream(temp.toFile())) {
      out.write(content);
      out.flush();
      out.getFD().sync();
    }
    Utils.atomicMoveWithFallback(temp, target, true);
  }

  /**
   * Commons IO has no atomic write: {@code FileUtils.writeByteArrayToFile} truncates and rewrites the
   * target in place, without any sync. A reference at NONE, not a peer: a crash mid-write leaves a
   * torn or empty file.
   */
  @Benchmark
  public void commonsIo() throws IOException {
    FileUtils.writeByteArrayToFile(target.toFile(), content);
  }
}
