package io.htmlgraph.atomic.cli;

import io.htmlgraph.atomic.AtomicFileWriter;
import io.htmlgraph.atomic.AtomicFiles;
import io.htmlgraph.atomic.Durability;
import io.htmlgraph.atomic.WriteOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code atomic demo}: writer processes in two modes are killed with SIGKILL at random moments, and
 * the file each was saving is checked after every kill. SIGKILL keeps the page cache, so this shows
 * atomicity (a reader or a restarted program sees the old version or the new, never a mix), not
 * durability against a power cut, which the library's crash tests cover on a real file system.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    header = "Kill writers at random moments: a naive one tears the file, the atomic one never does.",
    description = {
      "The crash-safety demonstration. For a few seconds, writer processes save a 256 KiB file over and "
          + "over, in two modes side by side: a naive writer that rewrites the file in place (what most "
          + "programs and `cmd > file` do) and this library's atomic writer. Each is killed with SIGKILL "
          + "at a random moment, and the file is checked: it must hold one whole version.",
      "Prints live progress and a side-by-side table; sweeps the temp files the killed atomic writers "
          + "left. Works in a fresh directory inside DIR (default: the system temp directory) and removes it.",
      "Exit 0 when the atomic writer never left a torn or empty file."
    })
final class DemoCommand implements Callable<Integer> {
  private static final int MAX_KILL_DELAY_MS = 150;

  @Spec CommandSpec spec;

  @Parameters(paramLabel = "DIR", arity = "0..1", description = "Where to work. Default: the system temp directory.")
  Path dir;

  @Option(names = "--seconds", paramLabel = "N", defaultValue = "6", description = "How long to run, 1 to 3600. Default: ${DEFAULT-VALUE}.")
  int seconds;

  @Option(names = "--seed", paramLabel = "N", description = "Seed of the random kill moments (default: random; printed).")
  Long seed;

  @Override
  public Integer call() throws Exception {
    if (seconds < 1 || seconds > 3600) {
      throw new ParameterException(spec.commandLine(), "--seconds must be from 1 to 3600, was " + seconds);
    }
    Path base = dir != null ? dir : Path.of(System.getProperty("java.io.tmpdir"));
    if (!Files.isDirectory(base)) {
      throw new CliException(base + (Files.exists(base) ? ": not a directory" : ": no such directory"));
    }
    long s = seed != null ? seed : new Random().nextLong();
    PrintWriter out = spec.commandLine().getOut();
    Path work = Files.createTempDirectory(base, "atomic-demo-");
    Lane naive = new Lane(DemoWriter.Mode.naive, work, new Random(s));
    Lane atomic = new Lane(DemoWriter.Mode.atomic, work, new Random(s ^ 0x5DEECE66DL));
    Thread cleanup = new Thread(() -> {
      naive.killCurrent();
      atomic.killCurrent();
      deleteQuietly(work);
    });
    Runtime.getRuntime().addShutdownHook(cleanup);
    try {
      naive.prepare();
      atomic.prepare();
      out.printf("Crash-safety demo in %s (seed %d)%n", work, s);
      out.printf("For %d s, writer processes save a %d KiB file over and over and are killed with SIGKILL at random moments.%n",
          seconds, DemoContent.SIZE / 1024);
      out.println("  naive:  open the file truncating it, write in place (what most programs do)");
      out.println("  atomic: this library (temp file beside it, fsync, rename over it, fsync the directory)");
      out.flush();
      long deadline = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
      Thread tn = new Thread(() -> naive.runUntil(deadline), "demo-naive");
      Thread ta = new Thread(() -> atomic.runUntil(deadline), "demo-atomic");
      tn.start();
      ta.start();
      progress(out, deadline, naive, atomic, tn, ta);
      tn.join();
      ta.join();
      for (Lane lane : new Lane[] {naive, atomic}) {
        if (lane.failure != null) {
          throw new CliException("demo: the " + lane.mode + " writer failed: " + Errors.describe(lane.failure), lane.failure);
        }
        lane.sweep();
      }
      return report(out, naive, atomic);
    } finally {
      naive.killCurrent();
      atomic.killCurrent();
      CheckCommand.deleteTree(work);
      try {
        Runtime.getRuntime().removeShutdownHook(cleanup);
      } catch (IllegalStateException shuttingDown) {
        // the hook is running or will: nothing to undo
      }
    }
  }

  private static void progress(PrintWriter out, long deadline, Lane naive, Lane atomic, Thread... lanes)
      throws InterruptedException {
    boolean tty = System.console() != null;
    long start = System.nanoTime();
    long lastLine = start;
    while (alive(lanes)) {
      Thread.sleep(tty ? 200 : 100);
      long now = System.nanoTime();
      String line = String.format(Locale.ROOT, "  %4.1f s   naive: %3d killed, %3d torn   atomic: %3d killed, %3d torn",
          (now - start) / 1e9, naive.rounds.get(), naive.broken(), atomic.rounds.get(), atomic.broken());
      if (tty) {
        out.print("\r" + line);
        out.flush();
      } else if (now - lastLine >= 1_000_000_000L) {
        out.println(line);
        out.flush();
        lastLine = now;
      }
    }
    if (tty) {
      out.println();
    }
  }

  private static boolean alive(Thread... threads) {
    for (Thread t : threads) {
      if (t.isAlive()) {
        return true;
      }
    }
    return false;
  }

  private static int report(PrintWriter out, Lane naive, Lane atomic) {
    out.println();
    new Table(false, true, true)
        .row("", "naive in-place", "atomic (this library)")
        .row("writers killed (rounds)", str(naive.rounds.get()), str(atomic.rounds.get()))
        .row("torn or empty targets", str(naive.broken()), str(atomic.broken()))
        .row("  of which empty", str(naive.empty.get()), str(atomic.empty.get()))
        .row("intact targets", str(naive.intact.get()), str(atomic.intact.get()))
        .row("leftover temps swept", str(naive.swept.get()), str(atomic.swept.get()))
        .print(out);
    out.println();
    boolean ok = atomic.rounds.get() > 0 && atomic.broken() == 0;
    if (atomic.rounds.get() == 0) {
      out.println("verdict: no atomic writer was killed; run longer (--seconds)");
    } else if (ok) {
      out.printf("verdict: the atomic writer never left a torn file in %d kills; the naive writer left %d torn or empty of %d.%n",
          atomic.rounds.get(), naive.broken(), naive.rounds.get());
    } else {
      out.printf("verdict: FAILED: the atomic writer left %d torn or empty files in %d kills.%n",
          atomic.broken(), atomic.rounds.get());
    }
    out.flush();
    return ok ? 0 : Main.ERROR;
  }

  private static String str(int n) {
    return Integer.toString(n);
  }

  private static void deleteQuietly(Path p) {
    try {
      CheckCommand.deleteTree(p);
    } catch (IOException ignored) {
      // best effort on the way out
    }
  }

  /** One mode: its directory, its target, its tally, its current writer process. */
  private static final class Lane {
    final DemoWriter.Mode mode;
    final Path dir;
    final Path target;
    final Path log;
    final Random random;
    final AtomicInteger rounds = new AtomicInteger();
    final AtomicInteger torn = new AtomicInteger();
    final AtomicInteger empty = new AtomicInteger();
    final AtomicInteger intact = new AtomicInteger();
    final AtomicInteger swept = new AtomicInteger();
    volatile Process current;
    volatile Throwable failure;
    long nextVersion = 1;

    Lane(DemoWriter.Mode mode, Path work, Random random) {
      this.mode = mode;
      this.dir = work.resolve(mode.name());
      this.target = dir.resolve("data.txt");
      this.log = work.resolve(mode.name() + ".log");
      this.random = random;
    }

    int broken() {
      return torn.get() + empty.get();
    }

    void prepare() throws IOException {
      Files.createDirectories(dir);
      AtomicFileWriter.atomicWrite(target, DemoContent.version(0), WriteOptions.builder().durability(Durability.NONE).build());
    }

    void runUntil(long deadline) {
      try {
        while (System.nanoTime() < deadline) {
          round();
        }
      } catch (Throwable t) {
        failure = t;
      }
    }

    private void round() throws IOException, InterruptedException {
      // each writer starts at a fresh version number, so that a mix of two versions shows
      long first = nextVersion;
      nextVersion += 1_000_000;
      Process p = Relaunch.of("demo-writer", "--mode", mode.name(), "--first-version", Long.toString(first), target.toString())
          .redirectError(Redirect.appendTo(log.toFile()))
          .start();
      current = p;
      try {
        awaitReady(p);
        Thread.sleep(random.nextInt(MAX_KILL_DELAY_MS));
        p.destroyForcibly(); // SIGKILL
        p.waitFor();
      } finally {
        current = null;
        if (p.isAlive()) {
          p.destroyForcibly();
        }
      }
      switch (DemoContent.inspect(target)) {
        case INTACT -> intact.incrementAndGet();
        case TORN -> torn.incrementAndGet();
        case EMPTY -> empty.incrementAndGet();
      }
      rounds.incrementAndGet();
      sweep();
    }

    private void awaitReady(Process p) throws IOException, InterruptedException {
      InputStream in = p.getInputStream();
      long give_up = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      byte[] seen = new byte[6];
      int n = 0;
      while (n < seen.length) {
        if (in.available() > 0) {
          int r = in.read(seen, n, seen.length - n);
          if (r < 0) {
            break;
          }
          n += r;
        } else if (!p.isAlive()) {
          break;
        } else if (System.nanoTime() > give_up) {
          throw new IOException("the writer process did not start within 60 s");
        } else {
          Thread.sleep(1);
        }
      }
      if (n < seen.length || !new String(seen, StandardCharsets.US_ASCII).equals("ready\n")) {
        p.waitFor();
        String why = Files.exists(log) ? Files.readString(log).strip() : "";
        throw new IOException("the writer process exited with code " + p.exitValue() + " before it started"
            + (why.isEmpty() ? "" : ": " + why.lines().reduce((a, b) -> b).orElse("")));
      }
    }

    void sweep() throws IOException {
      AtomicFiles.cleanupOrphanedTempFiles(dir, Duration.ZERO, p -> swept.incrementAndGet());
    }

    void killCurrent() {
      Process p = current;
      if (p != null) {
        p.destroyForcibly();
      }
    }
  }
}
