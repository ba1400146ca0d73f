package io.htmlgraph.atomic.bench;

import io.htmlgraph.atomic.AtomicFileWriter;
import io.htmlgraph.atomic.AtomicFiles;
import io.htmlgraph.atomic.Durability;
import io.htmlgraph.atomic.WriteOptions;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Locale;

/**
 * The workloads that must run in a process of their own (a small heap, or two processes): one
 * measurement per run, printed as a {@code RESULT key=value ...} line for {@link RunAll}.
 */
public final class Child {
  private Child() {}

  public static void main(String[] args) throws Exception {
    switch (args[0]) {
      case "sweep" -> {
        Path dir = Path.of(args[1]);
        long t0 = System.nanoTime();
        int removed = AtomicFiles.cleanupOrphanedTempFiles(dir, Duration.ofHours(24));
        long ns = System.nanoTime() - t0;
        result("seconds=%.4f removed=%d peakHeapMiB=%.1f", ns / 1e9, removed, peakHeapMiB());
      }
      case "validate" -> {
        Path file = Path.of(args[1]);
        long t0 = System.nanoTime();
        boolean ok = AtomicFiles.validateAtomicWrite(file);
        long ns = System.nanoTime() - t0;
        result("seconds=%.4f valid=%b mbps=%.1f peakHeapMiB=%.1f", ns / 1e9, ok,
            Files.size(file) / 1e6 / (ns / 1e9), peakHeapMiB());
      }
      case "read" -> {
        Path file = Path.of(args[1]);
        long t0 = System.nanoTime();
        String s = AtomicFileWriter.safeReadWithRetry(file);
        long ns = System.nanoTime() - t0;
        result("seconds=%.4f chars=%d mbps=%.1f peakHeapMiB=%.1f", ns / 1e9, s.length(),
            Files.size(file) / 1e6 / (ns / 1e9), peakHeapMiB());
      }
      case "readBytes" -> {
        // baseline of the read: the bytes only, no decoding, no String
        Path file = Path.of(args[1]);
        long t0 = System.nanoTime();
        byte[] b = Files.readAllBytes(file);
        long ns = System.nanoTime() - t0;
        result("seconds=%.4f bytes=%d mbps=%.1f peakHeapMiB=%.1f", ns / 1e9, b.length,
            Files.size(file) / 1e6 / (ns / 1e9), peakHeapMiB());
      }
      case "scan" -> {
        // baseline of the validation: the same 64 KiB reads through a channel, no decoding
        Path file = Path.of(args[1]);
        long t0 = System.nanoTime();
        long total = 0;
        java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(64 * 1024);
        try (java.nio.channels.SeekableByteChannel ch = Files.newByteChannel(file)) {
          int n;
          while ((n = ch.read(buf)) >= 0) {
            total += n;
            buf.clear();
          }
        }
        long ns = System.nanoTime() - t0;
        result("seconds=%.4f bytes=%d mbps=%.1f peakHeapMiB=%.1f", ns / 1e9, total, total / 1e6 / (ns / 1e9),
            peakHeapMiB());
      }
      case "list" -> {
        // baseline of the sweep: stream the directory's names, nothing else
        Path dir = Path.of(args[1]);
        long t0 = System.nanoTime();
        int n = 0;
        try (java.nio.file.DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
          for (Path ignored : ds) {
            n++;
          }
        }
        long ns = System.nanoTime() - t0;
        result("seconds=%.4f entries=%d peakHeapMiB=%.1f", ns / 1e9, n, peakHeapMiB());
      }
      case "handoff" -> HandOff.run(args);
      case "replaceLoop" -> replaceLoop(args);
      default -> throw new IllegalArgumentException("unknown child workload " + args[0]);
    }
  }

  /**
   * {@code replaceLoop DIR LEVEL WARMUP N [initialized]}: replaces DIR/state.bin (100 bytes, 0644)
   * WARMUP times, then N times timed; with {@code initialized}, the Flight Recorder is started first
   * (a recording started and closed) and left running without a recording.
   */
  private static void replaceLoop(String[] args) throws Exception {
    Path dir = Path.of(args[1]);
    WriteOptions options = WriteOptions.builder().durability(Durability.valueOf(args[2])).build();
    int warmup = Integer.parseInt(args[3]);
    int n = Integer.parseInt(args[4]);
    if (args.length > 5 && args[5].equals("initialized")) {
      new jdk.jfr.Recording().close();
    }
    Path target = dir.resolve("state.bin");
    byte[] content = new byte[100];
    Files.write(target, content);
    Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-r--r--"));
    for (int i = 0; i < warmup; i++) {
      AtomicFileWriter.atomicWrite(target, content, options);
    }
    long t0 = System.nanoTime();
    for (int i = 0; i < n; i++) {
      AtomicFileWriter.atomicWrite(target, content, options);
    }
    long ns = System.nanoTime() - t0;
    result("seconds=%.4f ops=%.1f recorder=%b", ns / 1e9, n / (ns / 1e9), jdk.jfr.FlightRecorder.isInitialized());
  }

  static void result(String fmt, Object... args) {
    System.out.println("RESULT " + String.format(Locale.ROOT, fmt, args));
    System.out.flush();
  }

  /** The peak of the heap pools since the JVM started, in MiB. */
  static double peakHeapMiB() {
    long peak = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) {
        peak += pool.getPeakUsage().getUsed();
      }
    }
    return peak / (1024.0 * 1024.0);
  }
}
