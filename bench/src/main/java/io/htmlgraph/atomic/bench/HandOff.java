package io.htmlgraph.atomic.bench;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;

/**
 * Cross-process hand-off latency: two JVMs take turns holding an exclusive lock. In each round the
 * holder waits until the other process says it is about to wait for the lock, gives it 300 µs to
 * block (more if asked: see {@link #SETTLE_NANOS}), stamps {@code System.nanoTime()} (CLOCK_MONOTONIC,
 * one clock for every process of the machine) into a shared mapped file and releases; the waiter stamps the time it got the lock. The
 * latency is the difference. Each process writes its latencies (ns), one a line, to its output file.
 *
 * <p>Arguments: {@code handoff IMPL ROLE(0|1) DIR ROUNDS OUT}.
 */
final class HandOff {
  private static final VarHandle LONGS = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.nativeOrder());
  private static final int READY = 0;   // round + 1 the waiter is about to wait in
  private static final int STAMP = 8;   // nanoTime of the holder's release
  private static final int UP = 16;     // 16 + 8 * role: that process is up
  private static final int HELD = 32;   // role 0 holds the lock for round 0
  private static final int GOT = 40;    // round + 1 whose waiter got the lock
  /**
   * How long the holder lets the waiter settle into its wait before releasing (-Dbench.handoff.settleMicros,
   * default 300): a ZooKeeper waiter needs round trips to queue, a kernel waiter microseconds.
   */
  private static final long SETTLE_NANOS = Long.getLong("bench.handoff.settleMicros", 300) * 1000;

  private HandOff() {}

  /**
   * Two child JVMs run this workload with {@code impl}, {@code rounds} hand-offs in all.
   *
   * @param jvmOptions options for both children, after a 64 MiB heap
   * @return the latencies in ms
   */
  static List<Double> measure(String impl, int rounds, List<String> jvmOptions) throws Exception {
    List<String> options = new ArrayList<>(List.of("-Xmx64m"));
    options.addAll(jvmOptions);
    Path dir = BenchDirs.fresh("handoff-" + impl);
    try {
      List<Process> ps = new ArrayList<>();
      for (int role = 0; role < 2; role++) {
        ps.add(Children.start(options, "handoff", impl, String.valueOf(role), dir.toString(), String.valueOf(rounds),
            dir.resolve("lat-" + role).toString()));
      }
      for (Process p : ps) {
        Children.finish(p, 600);
      }
      List<Double> ms = new ArrayList<>();
      for (int role = 0; role < 2; role++) {
        for (String line : Files.readAllLines(dir.resolve("lat-" + role))) {
          if (!line.isBlank()) {
            ms.add(Long.parseLong(line.trim()) / 1e6);
          }
        }
      }
      return ms;
    } finally {
      BenchDirs.deleteTree(dir);
    }
  }

  static void run(String[] args) throws Exception {
    String impl = args[1];
    int role = Integer.parseInt(args[2]);
    Path dir = Path.of(args[3]);
    int rounds = Integer.parseInt(args[4]);
    Path out = Path.of(args[5]);
    MappedByteBuffer shm;
    try (FileChannel ch = FileChannel.open(dir.resolve("handoff.shm"), StandardOpenOption.CREATE,
        StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      shm = ch.map(FileChannel.MapMode.READ_WRITE, 0, 64);
    }
    List<Long> latencies = new ArrayList<>(rounds / 2 + 1);
    try (BlockingLock lock = BlockingLock.open(impl, dir)) {
      LONGS.setVolatile(shm, UP + 8 * role, 1L);
      await(shm, UP + 8 * (1 - role), 1L);
      if (role == 0) {
        lock.lock();
        LONGS.setVolatile(shm, HELD, 1L);
      } else {
        await(shm, HELD, 1L);
      }
      for (int round = 0; round < rounds; round++) {
        int holder = round % 2;
        if (role == holder) {
          await(shm, READY, round + 1L);
          LockSupport.parkNanos(SETTLE_NANOS);
          LONGS.setVolatile(shm, STAMP, System.nanoTime());
          lock.unlock();
          // POSIX locks are not fair: asking again at once could take the lock back before the
          // waiter wakes, so wait until it has it
          await(shm, GOT, round + 1L);
        } else {
          LONGS.setVolatile(shm, READY, round + 1L);
          lock.lock();
          long t1 = System.nanoTime();
          latencies.add(t1 - (long) LONGS.getVolatile(shm, STAMP));
          LONGS.setVolatile(shm, GOT, round + 1L);
        }
      }
      if (role == rounds % 2) {
        // the waiter of the last round holds the lock
        lock.unlock();
      }
    }
    Files.writeString(out, latencies.stream().map(String::valueOf).collect(Collectors.joining("\n")) + "\n");
  }

  private static void await(MappedByteBuffer shm, int at, long value) {
    long deadline = System.nanoTime() + 60_000_000_000L;
    while ((long) LONGS.getVolatile(shm, at) != value) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the other process did not answer in 60 s");
      }
      LockSupport.parkNanos(20_000);
    }
  }
}
