package io.htmlgraph.atomic.crash;

import io.htmlgraph.atomic.AtomicFileWriter;
import io.htmlgraph.atomic.FileTransaction;
import io.htmlgraph.atomic.testsupport.TempTrees;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * The child JVMs of the transaction crash tests, run through {@link CrashChild} (modes {@code txn} and
 * {@code txnread}).
 *
 * <ul>
 *   <li>{@code txn ROOT SEED MAX_PAYLOAD REPORT [separate]}: commits transactions of the five
 *       {@link TxnFiles} under ROOT, forever, each with the next generation in all five, and appends
 *       {@code G n t} to REPORT once the commit of generation n returned (t: {@link System#nanoTime()}
 *       just after). It starts after the generation {@code FileTransaction.read} finds (which finishes
 *       an interrupted commit first), after a warm-up on a scratch root beside REPORT, and prints
 *       {@code READY n}. {@code separate}: the five files are written one by one with
 *       {@code atomicWrite}, no transaction (what the tests must catch). Exits when stdin ends.
 *   <li>{@code txncheck ROOT read|recover}: one look at ROOT after a crash, from inside the mount
 *       namespace of a power-cut test (the test JVM reaches the files only through
 *       {@code /proc/PID/root}, which {@code toRealPath} resolves in its own namespace): through
 *       {@code FileTransaction.read}, or {@code FileTransaction.recover} and then the files. Prints
 *       {@code GEN n RECOVERED true|false LEFT names...} (LEFT: what is left of a transaction after
 *       {@code recover}: staged files, a record, links beside the targets), or {@code E reason}.
 *   <li>{@code txnread ROOT}: reads the five files through {@code FileTransaction.read(ROOT, ...)} in a
 *       loop (a pause of up to 2 ms between reads), checking that they hold one generation and that it
 *       never goes back; prints
 *       {@code READY}, then at the end of stdin {@code STOPPED reads first last}; on a mix, a torn file or
 *       a generation going back it prints {@code E ...} and exits 3.
 * </ul>
 */
final class TransactionCrashChild {
  private TransactionCrashChild() {}

  static void main(String[] args, PrintStream out) {
    switch (args[0]) {
      case "txn" -> writer(Path.of(args[1]), Long.parseLong(args[2]), Integer.parseInt(args[3]), Path.of(args[4]),
          args.length > 5 && args[5].equals("separate"), out);
      case "txnread" -> reader(Path.of(args[1]), out);
      case "txncheck" -> check(Path.of(args[1]), args[2].equals("recover"), out);
      default -> throw new IllegalArgumentException("unknown mode " + args[0]);
    }
  }

  private static void writer(Path root, long seed, int maxPayload, Path report, boolean separate, PrintStream out) {
    CrashChild.exitWhenParentDies();
    SplittableRandom random = new SplittableRandom(seed);
    long generation;
    try {
      // the one-by-one writer may find the mix a crash left it: it goes on from the newest file
      generation = !Files.isDirectory(root) ? 0
          : separate ? TxnFiles.newest(root) : FileTransaction.read(root, TxnFiles::generation);
      warmUp(report, random);
    } catch (IOException | RuntimeException e) {
      out.println("E cannot start: " + e);
      out.flush();
      System.exit(2);
      return;
    }
    CrashChild.writeUntilKilled(generation, report, out,
        g -> commit(root, TxnFiles.encode(g, random, maxPayload), separate));
  }

  private static void commit(Path root, List<byte[]> records, boolean separate) throws IOException {
    if (separate) {
      Files.createDirectories(root);
      for (int i = 0; i < records.size(); i++) {
        AtomicFileWriter.atomicWrite(root.resolve(TxnFiles.NAMES.get(i)), records.get(i));
      }
      return;
    }
    try (FileTransaction tx = FileTransaction.begin(root)) {
      for (int i = 0; i < records.size(); i++) {
        tx.write(Path.of(TxnFiles.NAMES.get(i)), records.get(i));
      }
      tx.commit();
    }
  }

  /**
   * Loads the classes of the commit path before READY, so that the parent's random kill delay falls on
   * the loop rather than on class loading: a few transactions on a scratch root beside REPORT (outside
   * the root under test), then removes it.
   */
  private static void warmUp(Path report, SplittableRandom random) throws IOException {
    Path scratch = report.resolveSibling("warmup-" + ProcessHandle.current().pid());
    for (int g = 1; g <= 3; g++) {
      commit(scratch, TxnFiles.encode(g, random, 4096), false);
      FileTransaction.read(scratch, TxnFiles::generation);
    }
    TempTrees.delete(scratch);
  }

  private static void reader(Path root, PrintStream out) {
    AtomicBoolean stop = new AtomicBoolean();
    Thread watch = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
        while (in.readLine() != null) {
          // nothing is sent but the end of input
        }
      } catch (IOException e) {
        // the pipe is gone: the same thing
      }
      stop.set(true);
    }, "parent-watch");
    watch.setDaemon(true);
    watch.start();
    long reads = 0;
    long first = -1;
    long last = -1;
    out.println("READY");
    out.flush();
    try {
      while (!stop.get()) {
        long g = FileTransaction.read(root, TxnFiles::generation);
        if (g < last) {
          throw new IllegalStateException("generation " + g + " read after generation " + last);
        }
        if (first < 0) {
          first = g;
        }
        last = g;
        reads++;
        // a pause between reads: fcntl gives no order between processes, and a reader that retook the
        // shared lock at once, over and over, could keep a waiting writer out
        LockSupport.parkNanos(ThreadLocalRandom.current().nextLong(2_000_000));
      }
    } catch (IOException | RuntimeException e) {
      e.printStackTrace();
      out.println("E after " + reads + " reads: " + e);
      out.flush();
      System.exit(3);
    }
    out.println("STOPPED " + reads + " " + first + " " + last);
    out.flush();
    System.exit(0);
  }

  private static void check(Path root, boolean recover, PrintStream out) {
    try {
      if (recover) {
        boolean recovered = FileTransaction.recover(root);
        long g = TxnFiles.generation(root);
        List<String> left = new ArrayList<>(TransactionTortureTest.stagingNames(root));
        left.addAll(TransactionTortureTest.linksBesideTargets(root));
        out.println("GEN " + g + " RECOVERED " + recovered + " LEFT" + (left.isEmpty() ? "" : " " + String.join(" ", left)));
      } else {
        out.println("GEN " + FileTransaction.read(root, TxnFiles::generation) + " RECOVERED ? LEFT");
      }
    } catch (IOException | RuntimeException e) {
      out.println("E " + e.getMessage());
    }
    out.flush();
    System.exit(0);
  }
}
