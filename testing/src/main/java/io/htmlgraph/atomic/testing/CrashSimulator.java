package io.htmlgraph.atomic.testing;

import io.htmlgraph.atomic.testing.internal.CrashFileSystem;
import io.htmlgraph.atomic.testing.internal.Explorer;
import io.htmlgraph.atomic.testing.internal.Journal;
import io.htmlgraph.atomic.testing.internal.Op;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Answers "does my save routine survive a crash?" by trying every crash.
 *
 * <p>The simulator runs a workload on a {@code java.nio.file} file system that wraps the default
 * one inside a temporary directory and records every change: creations, writes, truncations,
 * {@code fsync}/{@code fdatasync} of files ({@link java.nio.channels.FileChannel#force(boolean)}),
 * syncs of directories ({@code FileChannel.open(dir, READ).force(true)}), renames, links, deletions
 * and new directories. From that record it enumerates every state a power cut or kernel crash could
 * leave, at every crash point (before the first operation, after each, and inside large writes), under
 * the POSIX model of durability:
 * <ul>
 *   <li>a file's data is durable only up to its last sync; later writes survive as any in-order
 *       prefix (a large write in block-aligned pieces), or the file keeps its grown size and reads
 *       zeros where the data did not reach the disk;
 *   <li>directory entries (create, mkdir, link, unlink, rename) are durable only after a sync of that
 *       directory; later ones survive as an in-order prefix, per directory; a rename within one
 *       directory is atomic, a rename across directories is two independent changes;
 *   <li>under {@link SyncModel#STRICT} (the default) a sync of a file never makes its name durable;
 *       {@link SyncModel#EXT4_LIKE} relaxes that as a journalling file system does.
 * </ul>
 * Each distinct state is written into a fresh real directory and handed to the checker, which throws
 * (an {@link AssertionError} or any exception) to reject it. The run is deterministic: the same
 * workload gives the same states. When the states of one crash point outnumber
 * {@link #maxStatesPerCrashPoint(int) the cap}, a sample drawn with {@link #seed(long) the seed} is
 * checked instead, always including the two extremes (nothing unsynced survived, everything did).
 *
 * <p>Example: a save routine, and the question whether a crash can ever lose the file or leave it
 * torn, and whether the new version is safe once {@code save} returned:
 * <pre>{@code
 * CrashReport report = CrashSimulator.create()
 *     .setup(root -> Files.writeString(root.resolve("settings.json"), "{\"v\":1}"))
 *     .run(root -> {
 *           MyStore.save(root.resolve("settings.json"), "{\"v\":2}");   // the code under test
 *           CrashSimulator.mark(root, "saved");                          // save() has returned
 *         },
 *         state -> {
 *           String s = state.read("settings.json").orElseThrow(() -> new AssertionError("file lost"));
 *           if (state.passed("saved")) {
 *             assertEquals("{\"v\":2}", s);                               // durable once returned
 *           } else {
 *             assertTrue(s.equals("{\"v\":1}") || s.equals("{\"v\":2}"), "torn: " + s);
 *           }
 *         });
 * report.assertNoViolations();
 * }</pre>
 * The workload must do all its file work through the {@code root} path it is given (paths derived
 * from it with {@code resolve} belong to the simulated file system) and must not use
 * {@code Path.toFile()} or memory-mapped writes, which the simulator cannot see. The file system
 * offers the {@code basic}, {@code posix} and {@code owner} attribute views. Permissions, owners and
 * times are not part of the crash model, only names and bytes.
 *
 * <p>Instances are immutable; each {@code with}-style method returns a new one.
 */
public final class CrashSimulator {
  /** The code under test: does its file work under {@code root}. */
  @FunctionalInterface
  public interface Workload {
    /**
     * @param root an empty directory of the crash-simulating file system (or what the setup left)
     * @throws Exception any failure, which ends the simulation
     */
    void run(Path root) throws Exception;
  }

  /** Inspects one crash state; throws to reject it. */
  @FunctionalInterface
  public interface Checker {
    /**
     * @param state the files a crash could leave, as real files
     * @throws Exception (or {@link AssertionError}) if the state is not acceptable
     */
    void check(CrashState state) throws Exception;
  }

  /**
   * Memory-backed on Linux: every state is written out and removed again, and the workload's real
   * syncs need not reach a disk, so on a loaded machine this is several times faster than a disk.
   */
  private static final Path SHM = Path.of("/dev/shm");

  private final SyncModel model;
  private final Workload setup;
  private final int cap;
  private final long seed;
  private final int blockSize;
  private final int maxPieces;
  private final Duration timeLimit;
  private final Path workDirectory;

  private CrashSimulator(SyncModel model, Workload setup, int cap, long seed, int blockSize, int maxPieces,
      Duration timeLimit, Path workDirectory) {
    this.model = model;
    this.setup = setup;
    this.cap = cap;
    this.seed = seed;
    this.blockSize = blockSize;
    this.maxPieces = maxPieces;
    this.timeLimit = timeLimit;
    this.workDirectory = workDirectory;
  }

  /**
   * @return a simulator with the defaults: {@link SyncModel#STRICT}, no setup, at most 4096 states per
   *     crash point, seed 0, 4 KiB blocks, large writes cut in up to 4 pieces, 5 minutes at most, work
   *     files in {@code /dev/shm} when it is a writable directory (memory), else in the system's temp
   *     directory
   */
  public static CrashSimulator create() {
    return new CrashSimulator(SyncModel.STRICT, null, 4096, 0, 4096, 4, Duration.ofMinutes(5), null);
  }

  /**
   * @param model what a sync of a file makes durable besides its data
   * @return a copy with this durability model
   */
  public CrashSimulator model(SyncModel model) {
    return new CrashSimulator(Objects.requireNonNull(model, "model"), setup, cap, seed, blockSize, maxPieces,
        timeLimit, workDirectory);
  }

  /**
   * @param setup prepares the root before recording starts (for example, writes the old version);
   *     everything it leaves counts as durable
   * @return a copy with this setup
   */
  public CrashSimulator setup(Workload setup) {
    return new CrashSimulator(model, Objects.requireNonNull(setup, "setup"), cap, seed, blockSize, maxPieces,
        timeLimit, workDirectory);
  }

  /**
   * @param max the most states enumerated at one crash point; beyond it a seeded sample of this size
   * @return a copy with this cap
   * @throws IllegalArgumentException if {@code max < 2}
   */
  public CrashSimulator maxStatesPerCrashPoint(int max) {
    if (max < 2) {
      throw new IllegalArgumentException("the cap must allow at least the two extreme states, was " + max);
    }
    return new CrashSimulator(model, setup, max, seed, blockSize, maxPieces, timeLimit, workDirectory);
  }

  /**
   * @param seed the seed of the sample drawn when a crash point has more states than the cap
   * @return a copy with this seed
   */
  public CrashSimulator seed(long seed) {
    return new CrashSimulator(model, setup, cap, seed, blockSize, maxPieces, timeLimit, workDirectory);
  }

  /**
   * @param blockSize the size of the pieces of a large write that reach the disk independently
   * @param maxPieces the most pieces one write is cut into (pieces grow beyond one block to respect it)
   * @return a copy with this granularity
   * @throws IllegalArgumentException if either is below 1
   */
  public CrashSimulator writePieces(int blockSize, int maxPieces) {
    if (blockSize < 1 || maxPieces < 1) {
      throw new IllegalArgumentException("block size and pieces must be positive: " + blockSize + ", " + maxPieces);
    }
    return new CrashSimulator(model, setup, cap, seed, blockSize, maxPieces, timeLimit, workDirectory);
  }

  /**
   * @param limit how long the exploration may run; states left when it runs out are not checked and
   *     {@link CrashReport#timedOut()} says so
   * @return a copy with this limit
   */
  public CrashSimulator timeLimit(Duration limit) {
    if (limit.isNegative() || limit.isZero()) {
      throw new IllegalArgumentException("the time limit must be positive, was " + limit);
    }
    return new CrashSimulator(model, setup, cap, seed, blockSize, maxPieces, limit, workDirectory);
  }

  /**
   * @param dir where the simulated root and the crash states are created (on the default file system)
   * @return a copy that works there
   */
  public CrashSimulator workDirectory(Path dir) {
    return new CrashSimulator(model, setup, cap, seed, blockSize, maxPieces, timeLimit,
        Objects.requireNonNull(dir, "dir"));
  }

  /**
   * Notes that the workload has reached a point, typically that a save call has returned: every crash
   * point after this call sees {@link CrashState#passed(String)} true for the label.
   *
   * @param anyPath a path of the simulated file system (the workload's root will do)
   * @param label the name of the point
   * @throws IllegalArgumentException if the path is not of a crash-simulating file system
   */
  public static void mark(Path anyPath, String label) {
    Objects.requireNonNull(label, "label");
    if (!(anyPath.getFileSystem() instanceof CrashFileSystem fs)) {
      throw new IllegalArgumentException("not a path of the crash-simulating file system: " + anyPath);
    }
    fs.journal().mark(label);
  }

  /**
   * Runs the setup (if any), then the workload under recording, then checks every crash state.
   *
   * @param workload the code under test; it does its file work under the root it is given
   * @param checker inspects each crash state and throws to reject it
   * @return what was explored and found; {@link CrashReport#assertNoViolations()} turns it into a test
   * @throws IOException if the work directory cannot be used, or the workload throws a checked
   *     exception (as the cause); a workload's unchecked exception or error is rethrown as is
   */
  public CrashReport run(Workload workload, Checker checker) throws IOException {
    Objects.requireNonNull(workload, "workload");
    Objects.requireNonNull(checker, "checker");
    Path base = workDirectory != null ? Files.createTempDirectory(Files.createDirectories(workDirectory), "crashsim-")
        : Files.isDirectory(SHM) && Files.isWritable(SHM) ? Files.createTempDirectory(SHM, "crashsim-")
        : Files.createTempDirectory("crashsim-");
    try {
      Path realRoot = Files.createDirectory(base.resolve("root"));
      Path states = Files.createDirectory(base.resolve("states"));
      Journal journal = new Journal(realRoot);
      // the simulator wraps the real default file system on purpose: it is the disk being simulated
      CrashFileSystem fs = new CrashFileSystem(FileSystems.getDefault(), journal);
      Path root = fs.wrap(realRoot);
      if (setup != null) {
        call(setup, root, "setup");
      }
      journal.start();
      try {
        call(workload, root, "workload");
      } finally {
        journal.stop();
        fs.close();
      }
      return explore(journal, states, checker);
    } finally {
      deleteTree(base);
    }
  }

  private static void call(Workload w, Path root, String what) throws IOException {
    try {
      w.run(root);
    } catch (RuntimeException | Error | IOException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException("the " + what + " failed: " + e, e);
    }
  }

  private CrashReport explore(Journal journal, Path states, Checker checker) throws IOException {
    Map<String, Integer> marks = journal.marks();
    List<String> operations = new ArrayList<>();
    for (Op op : journal.ops()) {
      operations.add(op.toString());
    }
    Set<String> seen = new HashSet<>();
    List<CrashReport.Violation> violations = new ArrayList<>();
    Progress progress = new Progress();
    long deadline = System.nanoTime() + timeLimit.toNanos();
    Explorer explorer = new Explorer(journal, model == SyncModel.EXT4_LIKE, blockSize, maxPieces, cap, seed);
    Explorer.Totals totals = explorer.explore((point, completed, signature, description, state) -> {
      if (progress.timedOut || System.nanoTime() - deadline > 0) {
        progress.timedOut = true;
        return;
      }
      Set<String> passed = new TreeSet<>();
      marks.forEach((label, at) -> {
        if (completed >= at) {
          passed.add(label);
        }
      });
      if (!seen.add(HexFormat.of().formatHex(signature) + passed)) {
        return;
      }
      Path dir = Files.createDirectory(states.resolve("state-" + progress.directories++));
      try {
        state.writeTo(dir);
        progress.checked++;
        try {
          checker.check(new CrashState(dir, point, completed, passed, description));
        } catch (Exception | AssertionError rejected) {
          progress.rejected++;
          if (violations.size() < CrashReport.KEPT_VIOLATIONS) {
            String why = rejected.getMessage() != null ? rejected.getMessage() : rejected.toString();
            violations.add(new CrashReport.Violation(point, description, why));
          }
        }
      } finally {
        deleteTree(dir);
      }
    });
    return new CrashReport(operations, totals.crashPoints(), totals.statesEnumerated(), progress.checked,
        totals.sampled(), progress.timedOut, progress.rejected, violations);
  }

  /** What {@link #explore} counted so far, updated by its sink. */
  private static final class Progress {
    int checked;
    int rejected;
    int directories; // state directories made, for fresh names
    boolean timedOut;
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    Files.walkFileTree(dir, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        Files.delete(file);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
        if (e != null) {
          throw e;
        }
        Files.delete(d);
        return FileVisitResult.CONTINUE;
      }
    });
  }
}
