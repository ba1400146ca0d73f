package io.htmlgraph.atomic.testing;

import io.htmlgraph.atomic.testing.internal.CrashFileSystem;
import io.htmlgraph.atomic.testing.internal.FaultHook;
import io.htmlgraph.atomic.testing.internal.Journal;
import io.htmlgraph.atomic.testing.internal.Op;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A directory seen through a file system that fails chosen operations: for testing what code does
 * when an {@code fsync}, a rename, a close, a delete or a write fails, which a healthy local disk
 * never shows.
 *
 * <p>It is the crash simulator's recording file system (every call is delegated to the real file
 * under the directory) with {@link Fault}s added. It records the changes that succeeded (as listed in
 * docs/crash-safety.md: creates, writes, truncations, syncs, renames, links, unlinks, new
 * directories) and the failures it injected, in order, so a test can assert what was attempted after
 * a failure: for instance that a failed {@code fsync} was not retried.
 *
 * <pre>{@code
 * try (FaultyFileSystem fs = FaultyFileSystem.wrap(tempDir, Fault.failDirectorySync("/"))) {
 *   Path file = fs.root().resolve("settings.json");
 *   CommittedNotDurableException e = assertThrows(CommittedNotDurableException.class,
 *       () -> AtomicFileWriter.atomicWrite(file, "{\"v\":2}"));
 *   assertEquals("{\"v\":2}", Files.readString(file));     // committed, though not durable
 *   assertEquals(1, fs.injected().size());                 // the fault did fire
 * }
 * }</pre>
 *
 * <p>Do all file work through {@link #root()} (paths resolved from it belong to this file system).
 * The recorded writes are kept in memory and the directory's files are read once when it is wrapped:
 * meant for a test's small temp directory. Faults apply, and changes are recorded, until
 * {@link #close()}. Thread-safe.
 */
public final class FaultyFileSystem implements Closeable {
  private final CrashFileSystem fs;
  private final Journal journal;
  private final Path root;
  private final List<Fault> faults;
  private final int[] calls;      // matching calls seen, per fault
  private final long[] written;   // bytes written to matching files, per disk-full fault
  private final List<Injected> injected = new ArrayList<>();

  /** An injected failure, after {@code opsBefore} recorded changes. */
  private record Injected(int opsBefore, String text) {}

  private FaultyFileSystem(Path directory, List<Fault> faults) throws IOException {
    this.faults = faults;
    this.calls = new int[faults.size()];
    this.written = new long[faults.size()];
    this.journal = new Journal(directory);
    this.fs = new CrashFileSystem(directory.getFileSystem(), journal, new Hook());
    this.root = fs.wrap(directory.toAbsolutePath().normalize());
    journal.start();
  }

  /**
   * Wraps an existing directory of the default file system.
   *
   * @param directory the real directory (a JUnit {@code @TempDir}, say); its files stay where they
   *     are and every change goes to them
   * @param faults the failures to inject; none gives a recording file system that fails nothing
   * @return the file system, recording and injecting from now on
   * @throws NotDirectoryException if {@code directory} is not a directory
   * @throws IllegalArgumentException if it is not on the default file system
   * @throws IOException if its files cannot be read
   */
  public static FaultyFileSystem wrap(Path directory, Fault... faults) throws IOException {
    Objects.requireNonNull(directory, "directory");
    List<Fault> list = List.of(faults); // NullPointerException on a null fault
    if (!"file".equals(directory.getFileSystem().provider().getScheme())) {
      throw new IllegalArgumentException("not a directory of the default file system: " + directory);
    }
    if (!Files.isDirectory(directory)) {
      throw new NotDirectoryException(directory.toString());
    }
    return new FaultyFileSystem(directory, list);
  }

  /** @return the wrapped directory, as a path of this file system: do the test's file work under it */
  public Path root() {
    return root;
  }

  /**
   * @return what happened under the root, in order: each change that succeeded, as
   *     {@code "fsync /a.tmp"}, {@code "fsync dir /"}, {@code "rename /a.tmp -> /a"},
   *     {@code "write /a.tmp [0, 4)"}, {@code "unlink /a.tmp"}, ..., and each injected failure, as
   *     {@code "fsync /a.tmp: injected failure"}
   */
  public List<String> operations() {
    List<Op> ops = journal.ops();
    List<Injected> failures;
    synchronized (this) {
      failures = List.copyOf(injected);
    }
    List<String> out = new ArrayList<>();
    int f = 0;
    for (int i = 0; i <= ops.size(); i++) {
      while (f < failures.size() && failures.get(f).opsBefore() == i) {
        out.add(failures.get(f++).text());
      }
      if (i < ops.size()) {
        out.add(ops.get(i).toString());
      }
    }
    return out;
  }

  /** @return the injected failures, in order, in the form of {@link #operations()} */
  public synchronized List<String> injected() {
    return injected.stream().map(Injected::text).toList();
  }

  /** Stops injecting and recording; the files stay. */
  @Override
  public void close() {
    journal.stop();
    fs.close();
  }

  /**
   * @return the index of the fault that fails this call, or -1; counts the call for every fault of
   *     {@code kind} that matches
   */
  private synchronized int fire(Fault.Kind kind, String path) {
    if (!journal.recording()) {
      return -1;
    }
    int hit = -1;
    for (int i = 0; i < faults.size(); i++) {
      Fault f = faults.get(i);
      if (f.kind() == kind && f.matches(path)) {
        calls[i]++;
        if (hit < 0 && (f.nth() == 0 || f.nth() == calls[i])) {
          hit = i;
        }
      }
    }
    return hit;
  }

  private synchronized void note(String what) {
    injected.add(new Injected(journal.ops().size(), what + ": injected failure"));
  }

  /** Turns the faults into failures of the recording file system's calls. */
  private final class Hook implements FaultHook {
    @Override
    public void beforeSync(String path, boolean directory) throws IOException {
      Fault.Kind kind = directory ? Fault.Kind.SYNC_DIRECTORY : Fault.Kind.SYNC_FILE;
      int i = fire(kind, path);
      if (i >= 0) {
        String what = (directory ? "fsync dir " : "fsync ") + path;
        note(what);
        throw new IOException("Input/output error (injected: " + faults.get(i) + "; " + what + ")");
      }
    }

    @Override
    public void beforeRename(String from, String to) throws IOException {
      int i = fire(Fault.Kind.RENAME, to);
      if (i >= 0) {
        String what = "rename " + from + " -> " + to;
        note(what);
        throw new FileSystemException(from, to, "Input/output error (injected: " + faults.get(i) + ")");
      }
    }

    @Override
    public void beforeDelete(String path) throws IOException {
      int i = fire(Fault.Kind.DELETE, path);
      if (i >= 0) {
        note("unlink " + path);
        throw new FileSystemException(path, null, "Input/output error (injected: " + faults.get(i) + ")");
      }
    }

    @Override
    public void afterClose(String path) throws IOException {
      int i = fire(Fault.Kind.CLOSE, path);
      if (i >= 0) {
        note("close " + path);
        throw new IOException("Input/output error (injected: " + faults.get(i) + "; close " + path + ")");
      }
    }

    @Override
    public int beforeWrite(String path, int length) throws IOException {
      synchronized (FaultyFileSystem.this) {
        if (!journal.recording()) {
          return length;
        }
        long may = length;
        int full = -1;
        for (int i = 0; i < faults.size(); i++) {
          Fault f = faults.get(i);
          if (f.kind() == Fault.Kind.DISK_FULL && f.matches(path)) {
            long room = f.bytes() - written[i];
            if (room <= 0 && full < 0) {
              full = i;
            }
            may = Math.min(may, room);
          }
        }
        if (full >= 0) {
          note("write " + path);
          throw new IOException("No space left on device (injected: " + faults.get(full) + ")");
        }
        // counted as allowed: a write the real disk refuses is short of the count, which only makes
        // the simulated one fill up a little sooner
        for (int i = 0; i < faults.size(); i++) {
          Fault f = faults.get(i);
          if (f.kind() == Fault.Kind.DISK_FULL && f.matches(path)) {
            written[i] += may;
          }
        }
        return (int) may;
      }
    }
  }
}
