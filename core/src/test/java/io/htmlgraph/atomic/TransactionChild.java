package io.htmlgraph.atomic;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.htmlgraph.atomic.internal.TransactionLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * The other process of the transaction and version tests, started in a child JVM.
 *
 * <ul>
 *   <li>{@code halt ROOT STEP N FILES}: one transaction on ROOT that writes {@code f0..f<FILES-1>}
 *       (content {@code new <i>}, {@code f0} in a new directory {@code sub/}) and deletes
 *       {@code gone}; the process halts (as a kill would stop it) when the commit reaches STEP for the
 *       N-th time. Prints {@code COMMITTED} if it never does.
 *   <li>{@code stagehalt ROOT}: stages two files in a transaction on ROOT, prints {@code STAGED} and
 *       halts without committing.
 *   <li>{@code sweep DIR}: removes orphaned temps of any age in DIR; prints the count.
 *   <li>{@code increment FILE N checked|plain SEED}: N increments of the number in FILE, each read
 *       with its version, a pause, then written with {@code atomicWriteIf} (retried on a conflict) or
 *       with a plain {@code atomicWrite}; waits for a line {@code go} first; prints
 *       {@code DONE <conflicts>}.
 *   <li>{@code many ROOT N}: one transaction of N files of 4 KiB; prints the open descriptors
 *       before staging and after it ({@code FDS before after}), the heap in use after a full
 *       collection half-way through staging and at its end ({@code HEAP half end}), then
 *       {@code COMMITTED}.
 * </ul>
 */
public final class TransactionChild {
  private TransactionChild() {}

  public static void main(String[] args) throws Exception {
    switch (args[0]) {
      case "halt" -> halt(Path.of(args[1]), TransactionLog.Step.valueOf(args[2]), Integer.parseInt(args[3]),
          Integer.parseInt(args[4]));
      case "sweep" -> System.out.println(AtomicFiles.cleanupOrphanedTempFiles(Path.of(args[1]), Duration.ZERO));
      case "increment" -> increment(Path.of(args[1]), Integer.parseInt(args[2]), args[3].equals("checked"),
          Long.parseLong(args[4]));
      case "many" -> many(Path.of(args[1]), Integer.parseInt(args[2]));
      case "stagehalt" -> stageThenHalt(Path.of(args[1]));
      default -> throw new IllegalArgumentException(args[0]);
    }
    System.out.flush();
  }

  private static void halt(Path root, TransactionLog.Step step, int nth, int files) throws IOException {
    AtomicInteger seen = new AtomicInteger();
    TransactionLog.Hook hook = new TransactionLog.Hook() {
      @Override
      public void reached(TransactionLog.Step s) {
        if (s == step && seen.incrementAndGet() == nth) {
          System.out.flush();
          Runtime.getRuntime().halt(0); // no finally blocks, no clean-up: a kill at this point
        }
      }
    };
    TransactionLog.withHook(hook, () -> {
      try (FileTransaction tx = FileTransaction.begin(root)) {
        for (int i = 0; i < files; i++) {
          tx.write(Path.of(i == 0 ? "sub/f0" : "f" + i), "new " + i);
        }
        tx.delete(Path.of("gone"));
        tx.commit();
      }
      return null;
    });
    System.out.println("COMMITTED");
  }

  private static void stageThenHalt(Path root) throws IOException {
    FileTransaction tx = FileTransaction.begin(root);
    tx.write(Path.of("f1"), "new 1");
    tx.write(Path.of("sub/f0"), "new 0");
    System.out.println("STAGED");
    System.out.flush();
    Runtime.getRuntime().halt(0);
  }

  private static void increment(Path file, int n, boolean checked, long seed) throws IOException {
    java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(System.in, UTF_8));
    if (!"go".equals(in.readLine())) {
      throw new IllegalStateException("expected go");
    }
    java.util.Random random = new java.util.Random(seed);
    int conflicts = 0;
    for (int i = 0; i < n; i++) {
      while (true) {
        FileVersion v = FileVersion.of(file);
        long value = Long.parseLong(Files.readString(file).strip());
        // the user thinks: no lock is held meanwhile
        LockSupport.parkNanos(random.nextInt(1_000_000));
        byte[] next = Long.toString(value + 1).getBytes(UTF_8);
        if (!checked) {
          AtomicFileWriter.atomicWrite(file, next);
          break;
        }
        try {
          AtomicFileWriter.atomicWriteIf(file, v, next);
          break;
        } catch (VersionConflictException someoneWroteMeanwhile) {
          conflicts++;
        }
      }
    }
    System.out.println("DONE " + conflicts);
  }

  private static void many(Path root, int n) throws IOException {
    try (FileTransaction tx = FileTransaction.begin(root)) {
      long before = openDescriptors();
      long heapAtHalf = 0;
      long t0 = System.nanoTime();
      for (int i = 0; i < n; i++) {
        if (i == n / 2) {
          heapAtHalf = heapAfterGc();
        }
        tx.write(Path.of("d" + (i % 10), "file-" + i), manyContent(i));
      }
      long t1 = System.nanoTime();
      long heapAtEnd = heapAfterGc();
      long after = openDescriptors();
      System.out.println("FDS " + before + " " + after);
      System.out.println("HEAP " + heapAtHalf + " " + heapAtEnd);
      tx.commit();
      System.out.println("TIMES staging " + (t1 - t0) / 1_000_000 + " ms, commit " + (System.nanoTime() - t1) / 1_000_000 + " ms");
    }
    System.out.println("COMMITTED");
  }

  /** @return the heap in use after a full collection (the child runs the serial collector) */
  private static long heapAfterGc() {
    Runtime r = Runtime.getRuntime();
    System.gc();
    return r.totalMemory() - r.freeMemory();
  }

  /**
   * @return the bytes that {@code many} writes into file {@code i}: 4 KiB, so that 10,000 of them
   *     (40 MB) cannot all stay in the child's 32 MB heap
   */
  static byte[] manyContent(int i) {
    byte[] b = new byte[MANY_SIZE];
    java.util.Arrays.fill(b, (byte) ('a' + i % 26));
    byte[] head = String.format("file %d\n", i).getBytes(UTF_8);
    System.arraycopy(head, 0, b, 0, head.length);
    b[MANY_SIZE - 1] = '\n';
    return b;
  }

  static final int MANY_SIZE = 4096;

  private static long openDescriptors() throws IOException {
    try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
      return s.count();
    }
  }
}
