package io.htmlgraph.atomic.crash;

import io.htmlgraph.atomic.AtomicFileOutputStream;
import io.htmlgraph.atomic.AtomicFileWriter;
import io.htmlgraph.atomic.DirectoryLock;
import io.htmlgraph.atomic.DirectoryLocker;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.SplittableRandom;

/**
 * The main class of the child JVMs the crash tests start, kill and cut the power under.
 *
 * <ul>
 *   <li>{@code loop TARGET WRITER SEED MAX_PAYLOAD REPORT}: replaces TARGET with framed records of
 *       growing generations, forever, and appends {@code G n t} to the file REPORT once the call that
 *       wrote generation n returned, t being {@link System#nanoTime()} just after it returned.
 *       It starts after the generation found in TARGET (or at 1), after a warm-up on a scratch file. WRITER is {@code bytes}
 *       ({@link AtomicFileWriter#atomicWrite(Path, byte[])}), {@code stream}
 *       ({@link AtomicFileOutputStream}, written in random chunks with flushes between), or
 *       {@code naive} (truncate and write in place in chunks, no sync: the protocol the tests must
 *       catch).
 *   <li>{@code update TARGET LOCKDIR REPORT [SEED]}: read-modify-write under the lock, forever: holding
 *       the exclusive lock of LOCKDIR (a {@link DirectoryLocker}, 30 s timeout), reads the record in
 *       TARGET (generation g) and replaces it with generation g+1 (random size up to 1 MiB); once the
 *       lock is released, appends {@code G g+1 t} to REPORT as {@code loop} does. Several such children
 *       share one target: a lost update or a double count shows as a generation reported twice or a
 *       target behind the reports. A line {@code stop} or the end of stdin stops it after the update in
 *       progress (exit 0, after printing {@code STOPPED}). LOCKDIR {@code -} updates without the lock: the race the
 *       test must catch.
 *   <li>{@code hold TARGET}: opens a writer on TARGET, writes and flushes a record, prints
 *       {@code TEMP path}, and waits: a line {@code commit} on stdin commits, end of input discards.
 *   <li>{@code txn ...}, {@code txnread ...} and {@code txncheck ...}: the transaction writer, reader and checker, see
 *       {@link TransactionCrashChild}.
 *   <li>{@code syscalls DIR}: one {@code FULL} commit through each streaming writer, with flushes
 *       between writes, bracketed by the marker stats {@code DIR/BEGIN-n} and {@code DIR/END-n} that
 *       the strace test looks for.
 * </ul>
 */
public final class CrashChild {
  private CrashChild() {}

  public static void main(String[] args) throws Exception {
    PrintStream out = System.out;
    switch (args[0]) {
      case "loop" -> {
        exitWhenParentDies();
        loop(Path.of(args[1]), args[2], Long.parseLong(args[3]), Integer.parseInt(args[4]), Path.of(args[5]), out);
      }
      case "update" -> update(Path.of(args[1]), Path.of(args[2]), Path.of(args[3]),
          args.length > 4 ? Long.parseLong(args[4]) : ProcessHandle.current().pid(), out);
      case "hold" -> hold(Path.of(args[1]), out);
      case "syscalls" -> syscalls(Path.of(args[1]));
      case "txn", "txnread", "txncheck" -> TransactionCrashChild.main(args, out);
      default -> throw new IllegalArgumentException("unknown mode " + args[0]);
    }
  }

  /**
   * Exits when stdin ends, that is when the parent died (or closed it): an orphaned writer must not
   * loop forever, and under a power-cut test it would keep the private mount namespace, the mount and
   * its loop device alive.
   */
  static void exitWhenParentDies() {
    Thread t = new Thread(() -> {
      try {
        while (System.in.read() >= 0) {
          // nothing is sent in this mode
        }
      } catch (IOException e) {
        // the pipe is gone: the same thing
      }
      Runtime.getRuntime().halt(4);
    }, "parent-watch");
    t.setDaemon(true);
    t.start();
  }

  /**
   * Appends to the report that the call writing {@code generation} returned, and when
   * ({@link CrashChildJvm#reported} reads it). One write(2) per line to a file, not stdout: a line
   * that reached the page cache survives SIGKILL, whereas lines in a pipe were seen to go missing when
   * the child was killed (the parent, starved of CPU, had not read them yet). The monotonic clock is
   * the same for every process: the parent compares it with the instant of a power cut.
   */
  static void reportReturned(FileChannel reports, long generation) throws IOException {
    ByteBuffer line = ByteBuffer.wrap(("G " + generation + " " + System.nanoTime() + "\n")
        .getBytes(StandardCharsets.US_ASCII));
    while (line.hasRemaining()) {
      reports.write(line);
    }
  }

  private static void loop(Path target, String writer, long seed, int maxPayload, Path report, PrintStream out) {
    SplittableRandom random = new SplittableRandom(seed);
    long generation;
    try {
      generation = Frame.check(Files.readAllBytes(target));
    } catch (NoSuchFileException absent) {
      generation = 0;
    } catch (IOException | IllegalStateException e) {
      out.println("E cannot read the starting record: " + e);
      out.flush();
      System.exit(2);
      return;
    }
    try {
      warmUp(target, writer, random);
    } catch (IOException e) {
      out.println("E warm-up failed: " + e);
      out.flush();
      System.exit(2);
      return;
    }
    writeUntilKilled(generation, report, out, g -> {
      byte[] record = Frame.encode(g, random, maxPayload);
      switch (writer) {
        case "bytes" -> AtomicFileWriter.atomicWrite(target, record);
        case "stream" -> streamed(target, record, random);
        case "naive" -> naive(target, record, random);
        default -> throw new IllegalArgumentException("unknown writer " + writer);
      }
    });
  }

  /** Writes one generation; returns once it is written as the child's mode writes it. */
  interface GenerationWriter {
    void write(long generation) throws IOException;
  }

  /**
   * Says {@code READY start}, then writes generation after generation from {@code start + 1} on,
   * reporting each that returned, until it is killed. After a power cut every call fails: it says so
   * on {@code out} and exits with status 3 (the parent kills it anyway).
   */
  static void writeUntilKilled(long start, Path report, PrintStream out, GenerationWriter writer) {
    out.println("READY " + start);
    out.flush();
    try (FileChannel reports = FileChannel.open(report, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.APPEND)) {
      for (long generation = start + 1; ; generation++) {
        writer.write(generation);
        reportReturned(reports, generation);
      }
    } catch (IOException | RuntimeException e) {
      out.println("E " + e);
      out.flush();
      System.exit(3);
    }
  }

  /**
   * Loads and links the classes of the write path before READY, so that the parent's random kill delay
   * falls on the loop rather than on class loading. Writes to a scratch file beside the target, then
   * removes it.
   */
  private static void warmUp(Path target, String writer, SplittableRandom random) throws IOException {
    if (writer.equals("naive")) {
      return;
    }
    Path scratch = target.resolveSibling("warmup-" + ProcessHandle.current().pid() + ".bin");
    for (int i = 0; i < 3; i++) {
      byte[] record = Frame.encode(i, random, 64 * 1024);
      if (writer.equals("bytes")) {
        AtomicFileWriter.atomicWrite(scratch, record);
      } else {
        streamed(scratch, record, random);
      }
    }
    Files.delete(scratch);
  }

  private static final int UPDATE_MAX_PAYLOAD = (1 << 20) - Frame.HEADER - Frame.TRAILER;
  private static final Duration UPDATE_LOCK_TIMEOUT = Duration.ofSeconds(30);

  private static void update(Path target, Path lockDir, Path report, long seed, PrintStream out) {
    SplittableRandom random = new SplittableRandom(seed);
    // set by the stdin watcher: "stop" or the end of input (the parent is done, or dead)
    java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
    Thread watch = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
        for (String line; (line = in.readLine()) != null && !line.equals("stop"); ) {
          // nothing else is sent
        }
      } catch (IOException e) {
        // the pipe is gone: the same thing
      }
      stop.set(true);
      // an orphan must not live on: if the update in progress does not end (it waits for the lock at
      // most 30 s), halt
      try {
        Thread.sleep(60_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      Runtime.getRuntime().halt(4);
    }, "parent-watch");
    watch.setDaemon(true);
    watch.start();
    try (FileChannel reports = FileChannel.open(report, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.APPEND)) {
      // "-": no lock, the read-modify-write race the test of the tester must catch
      DirectoryLocker locker = lockDir.toString().equals("-") ? null : new DirectoryLocker(lockDir);
      warmUpUpdate(report, locker, random);
      out.println("READY");
      out.flush();
      long updates = 0;
      while (!stop.get()) {
        long next;
        try (DirectoryLock l = locker == null ? null : locker.lockExclusive(UPDATE_LOCK_TIMEOUT)) {
          next = Frame.check(Files.readAllBytes(target)) + 1;
          AtomicFileWriter.atomicWrite(target, Frame.encode(next, random, UPDATE_MAX_PAYLOAD));
        }
        // reported after the release, so a kill between the two leaves one committed increment
        // unreported (never a reported one uncommitted)
        reportReturned(reports, next);
        updates++;
      }
      out.println("STOPPED " + updates);
      out.flush();
      System.exit(0);
    } catch (IOException | RuntimeException e) {
      // a lock timeout, a torn record, a temp swept from under us: the parent sees the line and fails
      e.printStackTrace(); // to the test's stderr: where it happened
      out.println("E " + e);
      out.flush();
      System.exit(3);
    }
  }

  /**
   * Loads the classes of the update path before READY (as {@link #warmUp} does for {@code loop}): takes
   * and releases the lock once and writes a scratch file beside REPORT, outside the directory the
   * parent sweeps, so that a child killed while warming up leaves no temp there.
   */
  private static void warmUpUpdate(Path report, DirectoryLocker locker, SplittableRandom random) throws IOException {
    Path scratch = report.resolveSibling("warmup-" + ProcessHandle.current().pid() + ".bin");
    try (DirectoryLock l = locker == null ? null : locker.lockExclusive(UPDATE_LOCK_TIMEOUT)) {
      for (int i = 0; i < 3; i++) {
        AtomicFileWriter.atomicWrite(scratch, Frame.encode(i, random, 64 * 1024));
        Frame.check(Files.readAllBytes(scratch));
      }
    }
    Files.delete(scratch);
  }

  /** The protocol the tests must catch: truncate the target and write it in place, in chunks, no sync. */
  private static void naive(Path target, byte[] record, SplittableRandom random) throws IOException {
    try (OutputStream s = Files.newOutputStream(target)) { // CREATE, TRUNCATE_EXISTING, WRITE
      int off = 0;
      while (off < record.length) {
        int n = Math.min(record.length - off, 1 + random.nextInt(64 * 1024));
        s.write(record, off, n);
        off += n;
      }
    }
  }

  private static void streamed(Path target, byte[] record, SplittableRandom random) throws IOException {
    try (AtomicFileOutputStream s = new AtomicFileOutputStream(target)) {
      int off = 0;
      while (off < record.length) {
        int n = Math.min(record.length - off, 1 + random.nextInt(64 * 1024));
        s.write(record, off, n);
        off += n;
        if (random.nextInt(4) == 0) {
          s.flush();
        }
      }
      s.commit();
    }
  }

  private static void hold(Path target, PrintStream out) throws IOException {
    try (AtomicFileOutputStream s = new AtomicFileOutputStream(target);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
      s.write(Frame.encode(1, new SplittableRandom(1), 4096));
      s.flush();
      out.println("TEMP " + s.tempPath().toAbsolutePath());
      out.flush();
      if ("commit".equals(in.readLine())) {
        s.commit();
        out.println("COMMITTED");
        out.flush();
      }
    }
  }

  private static void syscalls(Path dir) throws IOException {
    byte[] chunk = new byte[1000];
    java.util.Arrays.fill(chunk, (byte) 'x');
    mark(dir, "BEGIN-1");
    try (AtomicFileOutputStream s = new AtomicFileOutputStream(dir.resolve("stream.bin"))) {
      for (int i = 0; i < 4; i++) {
        s.write(chunk);
        s.flush();
      }
      s.commit();
    }
    mark(dir, "END-1");
    mark(dir, "BEGIN-2");
    try (AtomicFileWriter w = new AtomicFileWriter(dir.resolve("text.txt"))) {
      for (int i = 0; i < 4; i++) {
        w.write(new String(chunk, StandardCharsets.US_ASCII));
        w.flush();
      }
      w.commit();
    }
    mark(dir, "END-2");
  }

  /** A stat of a missing file: a line in the strace log the test can find. */
  private static void mark(Path dir, String name) {
    Files.exists(dir.resolve(name));
  }
}
