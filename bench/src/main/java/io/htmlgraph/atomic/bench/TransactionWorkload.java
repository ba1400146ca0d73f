package io.htmlgraph.atomic.bench;

import io.htmlgraph.atomic.AtomicFileOutputStream;
import io.htmlgraph.atomic.AtomicFiles;
import io.htmlgraph.atomic.DirectoryLocker;
import io.htmlgraph.atomic.FileTransaction;
import io.htmlgraph.atomic.internal.LockFileTable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Workload 7: {@link FileTransaction}. A transaction of 10 small files against the same 10 written
 * separately at FULL and through {@code atomicWriteAll} (each file atomic, not the set), on the work
 * directory and on a journaled ext4 and an XFS image; and the cost of {@code FileTransaction.read} on
 * an idle root against a plain read. Contestants run in {@link Paired} slices.
 */
final class TransactionWorkload {
  static final int FILES = 10;
  static final int SIZE = 100;

  private TransactionWorkload() {}

  static void run(Report o, List<String> headlines, boolean quick, Path root) throws Exception {
    int rounds = quick ? 2 : 20;
    long slice = quick ? 50 : 400;
    o.line("## 7. Several files at once: `FileTransaction`").blank();
    o.line("One batch replaces " + FILES + " existing files of " + SIZE + " B in one directory, durably."
        + " Transaction: `FileTransaction.begin(root)`, " + FILES + " × `write`, `commit()` (all or nothing;"
        + " the lock of the root taken and released, the intent record written, the files, the record and the"
        + " staging directory synced together, the files linked and renamed, their directory synced, the record"
        + " removed and the staging directory synced again). Separate: " + FILES + " × `AtomicFileOutputStream.atomicWrite`"
        + " at FULL. `atomicWriteAll`: the group commit of the same " + FILES + " files (each atomic, the set not)."
        + " The three run in turns, " + slice + " ms each, over " + rounds + " rounds (`Paired`); batches per"
        + " second: median (min–max) of the rounds; ratios: median (min–max) of the per-round ratios."
        + " Targets: transaction ≥ 2× the throughput of separate writes, and ≤ 1.3× the time of"
        + " `atomicWriteAll` (the all-or-nothing guarantee is worth one extra sync, not more).").blank();
    o.header("file system", "transaction batches/s (spread)", "separate FULL batches/s (spread)",
        "`atomicWriteAll` batches/s (spread)", "transaction / separate, throughput (spread)", "target ≥ 2×",
        "transaction / `atomicWriteAll`, time (spread)", "target ≤ 1.3×");
    Map<String, double[]> anatomy = new LinkedHashMap<>();
    int reps = quick ? 3 : 40;
    batches(o, headlines, "work directory", root, rounds, slice);
    anatomy.put("work directory", anatomy(root, reps));
    if (!quick) {
      for (String type : List.of("ext4", "xfs")) {
        String label = type.equals("ext4") ? "journaled ext4 image" : "XFS image";
        try (ImageFs image = ImageFs.mount(type, root, 1L << 30)) {
          batches(o, headlines, label, image.dir(), rounds, slice);
          anatomy.put(label, anatomy(image.dir(), reps));
          awaitLockFilesClosed();
        } catch (IOException e) {
          o.row(label, "not measured: " + e.getMessage(), "–", "–", "–", "–", "–", "–");
        }
      }
    }
    o.blank();
    o.line("Where the time goes: what one batch is made of, timed alone on each file system (milliseconds,"
        + " medians of " + reps + "). A batch of separate writes pays, per file, a data sync and a directory"
        + " sync one after the other; the transaction pays " + (FILES + 1) + " data syncs and a directory sync"
        + " issued together, then two directory syncs; both pay, per file, the creation of the new file and"
        + " the rename over the old one (the transaction also a link and an unlink). The transaction gains what"
        + " the syncs issued together save over the same syncs one by one, less its link and unlink: where syncs"
        + " are cheap and issued together share little (no journal commit to share) while the per-file work that"
        + " is the same in both weighs as much as the syncs (a rename over an existing file frees the old file's"
        + " blocks, which an ext4 without a journal mounted with `discard` discards at once), the ratio shrinks,"
        + " whatever the protocol.").blank();
    o.header("file system", "1 `fdatasync`", (FILES + 1) + " `fdatasync` one by one",
        (FILES + 1) + " `fdatasync` + 1 directory `fsync` together", "1 directory `fsync`",
        "rename onto an existing file", "rename to a new name", "create + write + close");
    anatomy.forEach((fs, a) -> o.row(fs, ms(a[0]), ms(a[1]), ms(a[2]), ms(a[3]), ms(a[4]), ms(a[5]), ms(a[6])));
    o.blank();
    reads(o, headlines, quick, root);
  }

  private static void batches(Report o, List<String> headlines, String label, Path under, int rounds, long slice)
      throws Exception {
    Path txRoot = BenchDirs.fresh(under, "txn");
    Path sepDir = BenchDirs.fresh(under, "separate");
    Path allDir = BenchDirs.fresh(under, "all");
    try {
      byte[] content = new byte[SIZE];
      Arrays.fill(content, (byte) 't');
      List<Path> names = new ArrayList<>();
      Map<Path, byte[]> all = new LinkedHashMap<>();
      for (int i = 0; i < FILES; i++) {
        Path name = Path.of("state-" + i + ".json");
        names.add(name);
        all.put(allDir.resolve(name), content);
        Files.write(txRoot.resolve(name), content);
        Files.write(sepDir.resolve(name), content);
      }
      AtomicFiles.atomicWriteAll(all);
      Map<String, Paired.Op> c = new LinkedHashMap<>();
      c.put("transaction", () -> {
        try (FileTransaction tx = FileTransaction.begin(txRoot)) {
          for (Path n : names) {
            tx.write(n, content);
          }
          tx.commit();
        }
      });
      c.put("separate", () -> {
        for (Path n : names) {
          AtomicFileOutputStream.atomicWrite(sepDir.resolve(n), out -> out.write(content));
        }
      });
      c.put("all", () -> AtomicFiles.atomicWriteAll(all));
      Map<String, List<Double>> res = Paired.run(c, rounds, slice);
      Stats tx = Stats.of(res.get("transaction"));
      Stats sep = Stats.of(res.get("separate"));
      Stats grp = Stats.of(res.get("all"));
      Stats vsSeparate = Stats.of(Paired.ratios(res.get("transaction"), res.get("separate")));
      // time ratio: transaction time / atomicWriteAll time = atomicWriteAll rate / transaction rate
      Stats vsAll = Stats.of(Paired.ratios(res.get("all"), res.get("transaction")));
      o.row(label, rate(tx), rate(sep), rate(grp),
          Report.ratio(vsSeparate.median()) + " (" + vsSeparate.spread("%.2f") + ")",
          Report.verdict(vsSeparate.median(), 2),
          Report.ratio(vsAll.median()) + " (" + vsAll.spread("%.2f") + ")",
          vsAll.median() <= 1.3 ? "met" : Report.f("**missed** (%.3f×)", vsAll.median()));
      headlines.add(Report.f("Transaction of %d × %d B files (%s): %s the throughput of separate FULL writes, %s the"
          + " time of `atomicWriteAll`.", FILES, SIZE, label, Report.ratio(vsSeparate.median()),
          Report.ratio(vsAll.median())));
    } finally {
      BenchDirs.deleteTree(txRoot);
      BenchDirs.deleteTree(sepDir);
      BenchDirs.deleteTree(allDir);
      awaitLockFilesClosed();
    }
  }

  /**
   * Waits until the JVM has closed the lock files of the roots (an unused one lingers 2 s), so that an
   * image file system can be unmounted ("target is busy" otherwise).
   */
  private static void awaitLockFilesClosed() throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (LockFileTable.size() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
  }

  private static String ms(double v) {
    return Report.f("%.3f", v);
  }

  /**
   * Times, alone and one after the other, the parts a batch is made of on the file system of
   * {@code under}: a data sync of a new small file, {@code FILES + 1} of them one by one and together
   * (on {@link #FILES} + 1 threads, with a sync of their directory, as a commit issues them), a
   * directory sync, a rename onto an existing file and to a new name, and a file's creation.
   *
   * @return the medians, in milliseconds, in that order
   */
  private static double[] anatomy(Path under, int reps) throws Exception {
    Path dir = BenchDirs.fresh(under, "anatomy");
    ExecutorService pool = Executors.newFixedThreadPool(FILES + 2);
    List<List<Double>> t = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      t.add(new ArrayList<>());
    }
    try {
      byte[] content = new byte[SIZE];
      for (int r = 0; r < reps; r++) {
        List<Path> one = files(dir, "one-" + r, 1, content);
        List<Path> serial = files(dir, "serial-" + r, FILES + 1, content);
        List<Path> together = files(dir, "together-" + r, FILES + 1, content);
        Files.write(dir.resolve("old-" + r), content);
        sync(dir.resolve("old-" + r)); // its blocks allocated, as those of a file written durably before
        syncDirectory(dir);
        long t0 = System.nanoTime();
        sync(one.get(0));
        long t1 = System.nanoTime();
        for (Path p : serial) {
          sync(p);
        }
        long t2 = System.nanoTime();
        List<Future<?>> done = new ArrayList<>();
        done.add(pool.submit(() -> {
          syncDirectory(dir);
          return null;
        }));
        for (Path p : together) {
          done.add(pool.submit(() -> {
            sync(p);
            return null;
          }));
        }
        for (Future<?> f : done) {
          f.get();
        }
        long t3 = System.nanoTime();
        syncDirectory(dir);
        long t4 = System.nanoTime();
        Files.move(one.get(0), dir.resolve("old-" + r), StandardCopyOption.ATOMIC_MOVE);
        long t5 = System.nanoTime();
        Files.move(serial.get(0), dir.resolve("new-" + r), StandardCopyOption.ATOMIC_MOVE);
        long t6 = System.nanoTime();
        Files.write(dir.resolve("created-" + r), content, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        long t7 = System.nanoTime();
        long[] at = {t0, t1, t2, t3, t4, t5, t6, t7};
        for (int i = 0; i < 7; i++) {
          t.get(i).add((at[i + 1] - at[i]) / 1e6);
        }
      }
    } finally {
      pool.shutdownNow();
      BenchDirs.deleteTree(dir);
    }
    double[] medians = new double[7];
    for (int i = 0; i < 7; i++) {
      medians[i] = Stats.of(t.get(i)).median();
    }
    return medians;
  }

  private static List<Path> files(Path dir, String prefix, int n, byte[] content) throws IOException {
    List<Path> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      Path p = dir.resolve(prefix + "-" + i);
      Files.write(p, content);
      out.add(p);
    }
    return out;
  }

  private static void sync(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.force(false);
    }
  }

  private static void syncDirectory(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }

  private static String rate(Stats s) {
    return s.median("%,.1f") + " (" + s.spread("%,.1f") + ")";
  }

  private static void reads(Report o, List<String> headlines, boolean quick, Path under) throws Exception {
    int rounds = quick ? 2 : 20;
    long slice = quick ? 50 : 200;
    Path root = BenchDirs.fresh(under, "read");
    try {
      byte[] content = new byte[SIZE];
      Arrays.fill(content, (byte) 'r');
      Path file = root.resolve("index.json");
      try (FileTransaction tx = FileTransaction.begin(root)) {
        tx.write(Path.of("index.json"), content);
        tx.commit();
      }
      DirectoryLocker kept = new DirectoryLocker(root);
      Duration timeout = Duration.ofSeconds(5);
      Map<String, Paired.Op> c = new LinkedHashMap<>();
      c.put("plain", () -> Files.readAllBytes(file));
      c.put("read", () -> FileTransaction.read(root, r -> Files.readAllBytes(r.resolve("index.json"))));
      c.put("kept", () -> FileTransaction.read(root, kept, timeout, r -> Files.readAllBytes(r.resolve("index.json"))));
      Map<String, List<Double>> res = Paired.run(c, rounds, slice);
      Stats plain = Stats.of(res.get("plain"));
      o.line("`FileTransaction.read(root, fn)` on an idle root (no commit running, none to recover), `fn` reading"
          + " one file of " + SIZE + " B, against `Files.readAllBytes` of the same file; " + slice + " ms slices,"
          + " " + rounds + " rounds. `read` makes a new `DirectoryLocker(root)` (which finds the type of the root's file"
          + " system, to warn about network file systems: the JDK reads `/proc/mounts`, and the library trusts the"
          + " answer for a device for a second; and checks its `.lock` file), takes"
          + " and releases its shared lock and looks for an intent record; `read(root, locker, timeout, fn)` with"
          + " one locker kept (one per thread: a locker's holds are the instance's) saves the locker's set-up."
          + " Reported, no target.").blank();
      o.header("read", "reads/s (spread)", "µs per read", "overhead µs", "/ plain read, time");
      o.row("`Files.readAllBytes` (plain)", rate0(plain), Report.f("%.1f", 1e6 / plain.median()), "–", "1.00×");
      for (String[] k : new String[][] {{"read", "`FileTransaction.read(root, fn)`"},
          {"kept", "`FileTransaction.read(root, locker, timeout, fn)`, locker kept"}}) {
        Stats s = Stats.of(res.get(k[0]));
        Stats ratio = Stats.of(Paired.ratios(res.get("plain"), res.get(k[0])));
        o.row(k[1], rate0(s), Report.f("%.1f", 1e6 / s.median()), Report.f("%.1f", 1e6 / s.median() - 1e6 / plain.median()),
            Report.ratio(ratio.median()) + " (" + ratio.spread("%.2f") + ")");
        if (k[0].equals("read")) {
          headlines.add(Report.f("`FileTransaction.read` on an idle root: %.1f µs per read against %.1f µs for a plain"
              + " read (%s).", 1e6 / s.median(), 1e6 / plain.median(), Report.ratio(ratio.median())));
        }
      }
      o.blank();
    } finally {
      BenchDirs.deleteTree(root);
    }
  }

  private static String rate0(Stats s) {
    return s.median("%,.0f") + " (" + s.spread("%,.0f") + ")";
  }
}
