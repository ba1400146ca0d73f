package io.htmlgraph.atomic;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Lock figures (printed, never asserted): uncontended acquire+release per second on one thread, and
 * the hand-off latency between two JVMs alternating on one lock, with DirectoryLocker and, for scale,
 * a bare blocking {@link FileChannel#lock()}.
 *
 * <p>Hand-off: the holder waits until the other process has announced that it is about to wait and
 * has had 1 ms (or the hold time given) to block, stamps {@link System#nanoTime()} (CLOCK_MONOTONIC, the same clock in every
 * process of the host) into a shared memory-mapped file, and releases; the waiter stamps its own clock
 * when its acquire returns. The latency is the difference. Then the roles swap.
 *
 * <pre>
 * mvn -q -o -pl core test-compile
 * java -cp core/target/classes:core/target/test-classes io.htmlgraph.atomic.LockHandoffBench [handoffs=2000] [seconds=3] [holdMillis=1]
 * </pre>
 *
 * <p>With holds of 10 ms or more the holder writes its owner record, and removes it before each
 * release (the hand-off then includes that removal):
 *
 * <pre>
 * java -cp core/target/classes:core/target/test-classes io.htmlgraph.atomic.LockHandoffBench 300 1 25
 * </pre>
 */
public final class LockHandoffBench {
  private static final VarHandle LONGS = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.nativeOrder());
  private static final int ANNOUNCED = 0;
  private static final int ACQUIRED = 8;
  private static final int STAMP = 16;
  private static final int LATENCIES = 64;

  private LockHandoffBench() {}

  /** The lock under test, as the two processes use it. */
  interface BenchLock extends AutoCloseable {
    void acquire() throws IOException;

    void release() throws IOException;

    @Override
    default void close() throws IOException {}
  }

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("peer")) {
      peer(Path.of(args[1]), Integer.parseInt(args[2]), args[3], Long.parseLong(args[4]), 1);
      return;
    }
    int handoffs = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    long holdMillis = args.length > 2 ? Long.parseLong(args[2]) : 1;
    Path dir = Files.createTempDirectory("lock-bench");
    System.out.printf("JDK %s, %d CPUs, lock directory on %s%n", System.getProperty("java.version"),
        Runtime.getRuntime().availableProcessors(), Files.getFileStore(dir).type());
    for (String impl : List.of("DirectoryLocker", "raw FileChannel")) {
      for (LockMode mode : LockMode.values()) {
        if (impl.startsWith("raw") && mode == LockMode.SHARED) {
          continue;
        }
        System.out.printf("uncontended %-15s %-9s acquire+release: %,10.0f /s%n", impl, mode, uncontended(dir, impl, mode, seconds));
      }
    }
    for (String impl : List.of("DirectoryLocker", "raw FileChannel")) {
      long[] lat = handoff(dir, impl, handoffs, holdMillis);
      System.out.printf("hand-off between 2 JVMs, holds of %d ms, %-15s: median %.3f ms, p90 %.3f ms, p99 %.3f ms, max %.3f ms (%d hand-offs)%n",
          holdMillis, impl, pct(lat, 50), pct(lat, 90), pct(lat, 99), lat[lat.length - 1] / 1e6, lat.length);
    }
  }

  static BenchLock open(Path dir, String impl, LockMode mode) throws IOException {
    if (impl.startsWith("raw")) {
      FileChannel ch = FileChannel.open(dir.resolve(".raw-lock"), StandardOpenOption.CREATE, StandardOpenOption.READ,
          StandardOpenOption.WRITE);
      return new BenchLock() {
        private FileLock lock;

        @Override
        public void acquire() throws IOException {
          lock = ch.lock(0, Long.MAX_VALUE, mode == LockMode.SHARED);
        }

        @Override
        public void release() throws IOException {
          lock.release();
        }

        @Override
        public void close() throws IOException {
          ch.close();
        }
      };
    }
    DirectoryLocker locker = new DirectoryLocker(dir);
    return new BenchLock() {
      private DirectoryLock lock;

      @Override
      public void acquire() throws IOException {
        lock = mode == LockMode.SHARED ? locker.lockShared(Duration.ofSeconds(30)) : locker.lockExclusive(Duration.ofSeconds(30));
      }

      @Override
      public void release() {
        lock.close();
      }
    };
  }

  /** @return acquire+release pairs per second, measured after a one-second warm-up */
  static double uncontended(Path dir, String impl, LockMode mode, int seconds) throws IOException {
    try (BenchLock lock = open(dir, impl, mode)) {
      long warm = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
      while (System.nanoTime() < warm) {
        lock.acquire();
        lock.release();
      }
      long n = 0;
      long t0 = System.nanoTime();
      long end = t0 + TimeUnit.SECONDS.toNanos(seconds);
      long now;
      do {
        for (int i = 0; i < 100; i++) {
          lock.acquire();
          lock.release();
        }
        n += 100;
        now = System.nanoTime();
      } while (now < end);
      return n / ((now - t0) / 1e9);
    }
  }

  /** @return the sorted latencies of the hand-offs after the first 10% (warm-up), in nanoseconds */
  static long[] handoff(Path dir, String impl, int handoffs, long holdMillis) throws Exception {
    Path shared = dir.resolve("handoff-" + impl.replace(' ', '-') + ".bin");
    Files.deleteIfExists(shared);
    Process peer;
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
        System.getProperty("java.class.path"), LockHandoffBench.class.getName(), "peer", shared.toString(),
        Integer.toString(handoffs), impl, Long.toString(holdMillis)));
    MappedByteBuffer map = map(shared, handoffs);
    try (BenchLock lock = open(dir, impl, LockMode.EXCLUSIVE)) {
      lock.acquire(); // this process holds first, so it gives hand-off 0
      peer = new ProcessBuilder(cmd).inheritIO().start();
      run(lock, map, handoffs, holdMillis, 0);
    }
    if (!peer.waitFor(120, TimeUnit.SECONDS) || peer.exitValue() != 0) {
      peer.destroyForcibly();
      throw new IllegalStateException("peer failed");
    }
    int skip = handoffs / 10;
    long[] lat = new long[handoffs - skip];
    for (int i = skip; i < handoffs; i++) {
      lat[i - skip] = (long) LONGS.getVolatile(map, LATENCIES + 8 * i);
    }
    Arrays.sort(lat);
    return lat;
  }

  private static void peer(Path shared, int handoffs, String impl, long holdMillis, int me) throws Exception {
    MappedByteBuffer map = map(shared, handoffs);
    try (BenchLock lock = open(shared.getParent(), impl, LockMode.EXCLUSIVE)) {
      run(lock, map, handoffs, holdMillis, me);
    }
  }

  /**
   * Hand-off i goes from process i % 2 (which holds the lock) to the other. Process 0 starts holding.
   */
  private static void run(BenchLock lock, MappedByteBuffer map, int handoffs, long holdMillis, int me) throws IOException {
    for (int i = 0; i < handoffs; i++) {
      if (i % 2 == me) {
        // holder: wait until the other is about to wait, give it time to block, stamp, release
        spinUntil(map, ANNOUNCED, i + 1);
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(holdMillis));
        LONGS.setVolatile(map, STAMP, System.nanoTime());
        lock.release();
        // do not race for the lock again before the other has it
        spinUntil(map, ACQUIRED, i + 1);
      } else {
        LONGS.setVolatile(map, ANNOUNCED, (long) i + 1);
        lock.acquire();
        long t1 = System.nanoTime();
        long t0 = (long) LONGS.getVolatile(map, STAMP);
        LONGS.setVolatile(map, LATENCIES + 8 * i, t1 - t0);
        LONGS.setVolatile(map, ACQUIRED, (long) i + 1);
      }
    }
    // whoever holds the lock at the end gives it back
    if ((handoffs - 1) % 2 != me) {
      lock.release();
    }
  }

  private static void spinUntil(MappedByteBuffer map, int offset, long value) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while ((long) LONGS.getVolatile(map, offset) < value) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the other process stopped");
      }
      LockSupport.parkNanos(20_000);
    }
  }

  private static MappedByteBuffer map(Path file, int handoffs) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      return ch.map(FileChannel.MapMode.READ_WRITE, 0, LATENCIES + 8L * handoffs);
    }
  }

  private static double pct(long[] sorted, int p) {
    int i = (int) Math.min(sorted.length - 1, Math.round(p / 100.0 * (sorted.length - 1)));
    return sorted[i] / 1e6;
  }
}
