package io.htmlgraph.atomic.bench;

import io.htmlgraph.atomic.AtomicFileOutputStream;
import io.htmlgraph.atomic.AtomicFiles;
import io.htmlgraph.atomic.DirectoryLocker;
import io.htmlgraph.atomic.FileTransaction;
import io.htmlgraph.atomic.internal.LockFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
        + " the lock of the root taken and released, the intent record written and synced with the files, the"
        + " staging directory synced, the files linked and renamed, their directory synced, the record removed"
        + " and the staging directory synced again). Separate: " + FILES + " × `AtomicFileOutputStream.atomicWrite`"
        + " at FULL. `atomicWriteAll`: the group commit of the same " + FILES + " files (each atomic, the set not)."
        + " The three run in turns, " + slice + " ms each, over " + rounds + " rounds (`Paired`); batches per"
        + " second: median (min–max) of the rounds; ratios: median (min–max) of the per-round ratios."
        + " Targets: transaction ≥ 2× the throughput of separate writes, and ≤ 1.3× the time of"
        + " `atomicWriteAll` (the all-or-nothing guarantee is worth one extra sync, not more).").blank();
    o.header("file system", "transaction batches/s (spread)", "separate FULL batches/s (spread)",
        "`atomicWriteAll` batches/s (spread)", "transaction / separate, throughput (spread)", "target ≥ 2×",
        "transaction / `atomicWriteAll`, time (spread)", "target ≤ 1.3×");
    batches(o, headlines, "work directory", root, rounds, slice);
    if (!quick) {
      for (String type : List.of("ext4", "xfs")) {
        String label = type.equals("ext4") ? "journaled ext4 image" : "XFS image";
        try (ImageFs image = ImageFs.mount(type, root, 1L << 30)) {
          batches(o, headlines, label, image.dir(), rounds, slice);
        } catch (IOException e) {
          o.row(label, "not measured: " + e.getMessage(), "–", "–", "–", "–", "–", "–");
        }
      }
    }
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
    while (LockFiles.openCount() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(100);
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
          + " " + rounds + " rounds. `read` takes and releases the shared lock of a new `DirectoryLocker(root)`"
          + " (which checks its `.lock` file) and looks for an intent record; `read(root, locker, timeout, fn)` with"
          + " one locker kept saves the locker's set-up. Reported, no target.").blank();
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
