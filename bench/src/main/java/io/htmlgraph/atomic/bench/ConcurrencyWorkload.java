package io.htmlgraph.atomic.bench;

import io.htmlgraph.atomic.AtomicFileWriter;
import io.htmlgraph.atomic.Durability;
import io.htmlgraph.atomic.internal.DirectorySync;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Workload 8: many writers at once, and the single replace against C. Threads each replace their own
 * 100-byte file at FULL, in one directory or each in its own, for a slice of time; contestants: the
 * library with its shared directory syncs, the library with every writer syncing on its own (as before
 * the syncs were shared), and the hand-written protocol ({@link Baseline}), alternated slice by slice
 * in a rotated order. Then one thread's small FULL replace against the same system calls made from C
 * ({@code bench/c/replace.c}, a process that serves batches on request), alternated batch by batch.
 */
final class ConcurrencyWorkload {
  private static final int SIZE = 100;
  private static final byte[] CONTENT = new byte[SIZE];

  private ConcurrencyWorkload() {}

  /** One replace by thread {@code t} of its own file. */
  @FunctionalInterface
  private interface Writer {
    void replace(int t) throws Exception;
  }

  static void run(Report o, List<String> headlines, boolean quick, Path root) throws Exception {
    int rounds = quick ? 1 : 8;
    long slice = quick ? 100 : 700;
    o.line("## 8. Many writers at once, and the small replace against C").blank();
    o.line("Each thread replaces its own " + SIZE + "-byte file at FULL, over and over, for " + slice + " ms"
        + " slices; the contestants take turns, " + rounds + " rounds in a rotated order. \"shared syncs\": the"
        + " library as it is (writers of one directory share an `fsync` that began after all their renames);"
        + " \"own syncs\": the library with `DirectorySync.setSharing(false)`, every writer syncing its directory itself,"
        + " as before; \"hand-written\": temp `CREATE_NEW`, write, `fdatasync`, `rename`, `fsync` of the directory"
        + " per write; \"hand-written, shared syncs\": the same, its directory syncs shared as the library shares"
        + " them (what sharing gains on this disk without the library's other work). CPU: the process's user and"
        + " system time per file (median of the rounds), which shows where a 2-core machine runs out."
        + " Files/s: median (min–max) of the rounds; ratios: median (min–max) of the per-round ratios."
        + " Targets: 16 threads in one directory ≥ 1.2× hand-written; 1 thread ≥ 0.95× own syncs (the library"
        + " before sharing); 16 threads in 16 directories, own syncs ≥ 0.95× hand-written.").blank();
    o.header("file system", "threads, directories", "shared syncs files/s", "own syncs files/s",
        "hand-written files/s", "hand-written, shared syncs files/s", "shared / hand-written", "own / hand-written",
        "shared / own", "hand-written shared / own", "CPU µs per file: shared, own, hand-written", "target");
    List<String> labels = new ArrayList<>(List.of("work directory"));
    List<Path> dirs = new ArrayList<>(List.of(root));
    List<ImageFs> images = new ArrayList<>();
    try {
      if (!quick) {
        for (String type : List.of("ext4", "xfs")) {
          String label = type.equals("ext4") ? "journaled ext4 image" : "XFS image";
          try {
            ImageFs image = ImageFs.mount(type, root, 1L << 30);
            images.add(image);
            labels.add(label);
            dirs.add(image.dir());
          } catch (IOException e) {
            o.row(label, "not measured: " + e.getMessage(), "–", "–", "–", "–", "–", "–", "–", "–", "–", "–");
          }
        }
      }
      for (int i = 0; i < labels.size(); i++) {
        for (int[] shape : new int[][] {{1, 1}, {16, 1}, {16, 16}}) {
          row(o, headlines, labels.get(i), dirs.get(i), shape[0], shape[1], rounds, slice);
        }
      }
    } finally {
      DirectorySync.setSharing(true);
      for (ImageFs image : images) {
        image.close();
      }
    }
    o.blank();
    againstC(o, headlines, quick, root);
  }

  private static void row(Report o, List<String> headlines, String label, Path under, int threads, int dirCount,
      int rounds, long slice) throws Exception {
    Path base = BenchDirs.fresh(under, "w8");
    try {
      Path[] files = new Path[threads];
      for (int t = 0; t < threads; t++) {
        Path d = dirCount == 1 ? base : Files.createDirectories(base.resolve("d" + t));
        files[t] = d.resolve("f" + t);
        Files.write(files[t], CONTENT);
      }
      Map<String, Writer> contestants = new LinkedHashMap<>();
      contestants.put("shared", t -> {
        DirectorySync.setSharing(true);
        AtomicFileWriter.atomicWrite(files[t], CONTENT);
      });
      contestants.put("own", t -> {
        DirectorySync.setSharing(false);
        AtomicFileWriter.atomicWrite(files[t], CONTENT);
      });
      contestants.put("hand", t -> Baseline.replace(files[t], CONTENT, Durability.FULL));
      // the hand-written protocol with its directory syncs shared as the library shares them: what sharing
      // gains on this disk without the library's other work
      contestants.put("handShared", t -> {
        DirectorySync.setSharing(true);
        Baseline.replace(files[t], CONTENT, Durability.FILE);
        DirectorySync.sync(files[t].getParent());
      });
      Map<String, List<Double>> cpu = new LinkedHashMap<>();
      Map<String, List<Double>> r = alternate(contestants, threads, rounds, slice, cpu);
      Stats shared = Stats.of(r.get("shared"));
      Stats own = Stats.of(r.get("own"));
      Stats hand = Stats.of(r.get("hand"));
      Stats sh = Stats.of(Paired.ratios(r.get("shared"), r.get("hand")));
      Stats oh = Stats.of(Paired.ratios(r.get("own"), r.get("hand")));
      Stats so = Stats.of(Paired.ratios(r.get("shared"), r.get("own")));
      Stats handShared = Stats.of(r.get("handShared"));
      Stats hso = Stats.of(Paired.ratios(r.get("handShared"), r.get("hand")));
      String cpuPerFile = Report.f("%.0f, %.0f, %.0f", Stats.of(cpu.get("shared")).median(),
          Stats.of(cpu.get("own")).median(), Stats.of(cpu.get("hand")).median());
      String target;
      if (threads == 1) {
        target = "shared / own ≥ 0.95×: " + Report.verdict(so.median(), 0.95);
      } else if (dirCount == 1) {
        target = "shared / hand-written ≥ 1.2×: " + Report.verdict(sh.median(), 1.2);
        headlines.add(Report.f("16 threads replacing small files in one directory at FULL (%s): %s the"
            + " hand-written protocol with shared directory syncs, %s without.", label, Report.ratio(sh.median()),
            Report.ratio(oh.median())));
      } else {
        target = "own / hand-written ≥ 0.95×: " + Report.verdict(oh.median(), 0.95);
      }
      o.row(label, threads + " × " + dirCount, ops(shared), ops(own), ops(hand), ops(handShared), ratio(sh), ratio(oh),
          ratio(so), ratio(hso), cpuPerFile,
          target);
    } finally {
      BenchDirs.deleteTree(base);
    }
  }

  private static String ops(Stats s) {
    return s.median("%,.0f") + " (" + s.spread("%,.0f") + ")";
  }

  private static String ratio(Stats s) {
    return Report.ratio(s.median()) + " (" + s.spread("%.2f") + ")";
  }

  /**
   * @param cpu filled with the process's CPU time per file (µs) per round for each contestant
   * @return files/s per round for each contestant, every thread running it for the whole slice
   */
  private static Map<String, List<Double>> alternate(Map<String, Writer> contestants, int threads, int rounds,
      long slice, Map<String, List<Double>> cpu) throws Exception {
    List<String> names = new ArrayList<>(contestants.keySet());
    Map<String, List<Double>> out = new LinkedHashMap<>();
    for (String n : names) {
      out.put(n, new ArrayList<>());
      cpu.put(n, new ArrayList<>());
      concurrentSlice(contestants.get(n), threads, slice / 2); // warm-up, not counted
    }
    for (int round = 0; round < rounds; round++) {
      for (int k = 0; k < names.size(); k++) {
        String n = names.get((k + round) % names.size());
        double[] r = concurrentSlice(contestants.get(n), threads, slice);
        out.get(n).add(r[0]);
        cpu.get(n).add(r[1]);
      }
    }
    return out;
  }

  /** @return {files/s, CPU µs of the whole process per file} */
  private static double[] concurrentSlice(Writer w, int threads, long millis) throws Exception {
    CyclicBarrier start = new CyclicBarrier(threads + 1);
    AtomicLong done = new AtomicLong();
    AtomicReference<Throwable> failed = new AtomicReference<>();
    long[] deadline = new long[1];
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int me = t;
      Thread th = new Thread(() -> {
        try {
          start.await();
          long n = 0;
          while (System.nanoTime() < deadline[0]) {
            w.replace(me);
            n++;
          }
          done.addAndGet(n);
        } catch (Throwable e) {
          failed.compareAndSet(null, e);
        }
      });
      workers.add(th);
      th.start();
    }
    long cpu0 = CPU.getProcessCpuTime();
    long t0 = System.nanoTime();
    deadline[0] = t0 + millis * 1_000_000L; // published to the workers by the barrier
    start.await();
    for (Thread th : workers) {
      th.join();
    }
    long elapsed = System.nanoTime() - t0;
    long cpuNanos = CPU.getProcessCpuTime() - cpu0;
    if (failed.get() != null) {
      throw new IllegalStateException("a writer failed", failed.get());
    }
    return new double[] {done.get() / (elapsed / 1e9), cpuNanos / 1e3 / Math.max(1, done.get())};
  }

  private static final com.sun.management.OperatingSystemMXBean CPU =
      (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();

  /**
   * One thread's small FULL replace against C: batches alternated, the C process's own clock timing its
   * batches, so that neither process start nor pipe is counted.
   */
  private static void againstC(Report o, List<String> headlines, boolean quick, Path root) throws Exception {
    o.line("The small replace against C: one thread, " + SIZE + "-byte file, FULL. C: `bench/c/replace.c`"
        + " (`open` `O_CREAT|O_EXCL`, `write`, `fdatasync`, `close`, `rename`, `fsync` of the directory, which it"
        + " keeps open), in a process that serves batches on request and times them itself; the library in this"
        + " JVM; batches alternated, the order swapped every round. Target: library ≥ 0.9× C.").blank();
    String exe = System.getProperty("bench.c.replace", "");
    if (exe.isEmpty() || !Files.isExecutable(Path.of(exe))) {
      o.line("Not measured: no C compiler (`cc`) was found by `bench/run`, so the C contestant was not built.")
          .blank();
      return;
    }
    int rounds = quick ? 2 : 16;
    int batch = quick ? 50 : 300;
    Path dir = BenchDirs.fresh(root, "w8c");
    Process c = new ProcessBuilder(exe, dir.toString(), String.valueOf(SIZE)).redirectErrorStream(true).start();
    try (PrintStream toC = new PrintStream(c.getOutputStream(), true, StandardCharsets.US_ASCII);
        BufferedReader fromC = new BufferedReader(new InputStreamReader(c.getInputStream(), StandardCharsets.US_ASCII))) {
      Path target = dir.resolve("java-target");
      Files.write(target, CONTENT);
      List<Double> lib = new ArrayList<>();
      List<Double> cc = new ArrayList<>();
      for (int round = -1; round < rounds; round++) { // round -1 warms both up
        for (int k = 0; k < 2; k++) {
          boolean javaTurn = (k + Math.max(round, 0)) % 2 == 0;
          double perSecond;
          if (javaTurn) {
            long t0 = System.nanoTime();
            for (int i = 0; i < batch; i++) {
              AtomicFileWriter.atomicWrite(target, CONTENT);
            }
            perSecond = batch / ((System.nanoTime() - t0) / 1e9);
          } else {
            toC.println(batch);
            String line = fromC.readLine();
            if (line == null) {
              throw new IOException("the C contestant stopped");
            }
            perSecond = batch / (Long.parseLong(line.strip()) / 1e9);
          }
          if (round >= 0) {
            (javaTurn ? lib : cc).add(perSecond);
          }
        }
      }
      Stats l = Stats.of(lib);
      Stats cs = Stats.of(cc);
      Stats ratio = Stats.of(Paired.ratios(lib, cc));
      o.header("contestant", "replaces/s (spread)", "library / C (spread)", "target ≥ 0.9×");
      o.row("C, bare system calls", ops(cs), "", "");
      o.row("library, `AtomicFileWriter.atomicWrite`", ops(l), ratio(ratio), Report.verdict(ratio.median(), 0.9));
      o.blank();
      headlines.add(Report.f("Small FULL replace against the same system calls from C: %s.", Report.ratio(ratio.median())));
    } finally {
      c.destroy();
      c.waitFor();
      BenchDirs.deleteTree(dir);
    }
  }
}
