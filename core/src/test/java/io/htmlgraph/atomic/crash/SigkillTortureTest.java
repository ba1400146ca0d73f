package io.htmlgraph.atomic.crash;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.htmlgraph.atomic.AtomicFileWriter;
import io.htmlgraph.atomic.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Layer 3 of the crash proofs: child JVMs that replace a file in a loop are killed with SIGKILL at
 * random moments, and after every kill the file must be one whole record, as new as the last call
 * that returned and at most one generation newer (the call in flight).
 *
 * <p>SIGKILL keeps the page cache, so this proves atomicity against a process crash (and that a
 * returned commit is visible at once), not durability: {@link PowerCutTest} does that.
 *
 * <p>"Missing": a target that existed before the child started must exist after every kill. A target
 * the child creates (every tenth cycle) may be missing after a kill only if no commit of it had
 * returned; once one has, missing is a failure like torn.
 *
 * <p>Knobs: {@code -Dcrash.kills=N} (200), {@code -Dcrash.seed=S}.
 */
class SigkillTortureTest {
  private static final int KILLS = Integer.getInteger("crash.kills", 200);
  private static final long SEED = Long.getLong("crash.seed", 20261125L);
  private static final int MAX_PAYLOAD = (1 << 20) - Frame.HEADER - Frame.TRAILER; // records up to 1 MiB
  private static final Duration BUDGET = Duration.ofSeconds(240);
  /** Kill delays after the child is warm and ready: a few of its commits (about 6 ms each) fit in. */
  private static final int MAX_KILL_DELAY_MS = 100;
  private static final int CREATE_EVERY = 10;
  private static final int CREATE_KILL_DELAY_MS = 10;

  @TempDir Path dir;
  @TempDir Path reports;

  @Test
  @Tag("long")
  void killedWritersNeverLeaveATornOrMissingTargetAndTheirTempsAreSweptButALiveWritersIsKept() throws Exception {
    Stats s;
    Path held = dir.resolve("held.bin");
    try (CrashChildJvm holder = CrashChildJvm.start("hold", held.toString())) {
      Path liveTemp = Path.of(expectPrefix(holder.nextLine(30_000), "TEMP "));
      assertThat(liveTemp).exists();

      s = torture(List.of("bytes", "stream"), KILLS, SEED, liveTemp);

      // the live writer, kept through every sweep, still commits what it wrote
      holder.send("commit");
      assertThat(holder.nextLine(30_000)).isEqualTo("COMMITTED");
      assertThat(Frame.check(Files.readAllBytes(held))).isEqualTo(1);
      assertThat(liveTemp).doesNotExist();
    }
    System.out.printf("SIGKILL torture (atomicWrite and AtomicFileOutputStream): %s; the live writer's temp in "
        + "another process kept through %d sweeps%n", s, s.kills);

    assertThat(s.failures).as("torn, missing or rolled-back targets").isEmpty();
    assertThat(s.kills).isEqualTo(KILLS);
    // a torture that never kills a child mid-write proves nothing
    assertThat(s.killsLeavingATemp).as("kills that caught a write in progress").isGreaterThan(KILLS / 10);
    assertThat(s.commitsReported).as("commits that returned").isGreaterThan(KILLS);
  }

  /** The tester tested: the same harness must catch a writer that truncates and writes in place. */
  @Test
  void theSameHarnessFindsTornTargetsWhenTheWriterWritesInPlace() throws Exception {
    Stats s = torture(List.of("naive"), Integer.getInteger("crash.naiveKills", 20), SEED + 1, null);
    System.out.printf("SIGKILL torture (naive in-place writer): %s%n", s);
    s.failures.forEach(f -> System.out.println("  naive: " + f));
    assertThat(s.torn).as("torn targets left by a killed in-place writer").isPositive();
  }

  @Test
  void aSweepRemovesTheTempOfAKilledWriterAndKeepsTheTempOfALiveOneInAnotherProcess() throws Exception {
    try (CrashChildJvm live = CrashChildJvm.start("hold", dir.resolve("a.bin").toString());
        CrashChildJvm doomed = CrashChildJvm.start("hold", dir.resolve("b.bin").toString())) {
      Path liveTemp = Path.of(expectPrefix(live.nextLine(30_000), "TEMP "));
      Path doomedTemp = Path.of(expectPrefix(doomed.nextLine(30_000), "TEMP "));

      assertThat(AtomicFiles.cleanupOrphanedTempFiles(dir, Duration.ZERO)).isZero();
      assertThat(liveTemp).exists();
      assertThat(doomedTemp).exists();

      doomed.kill();
      assertThat(AtomicFiles.cleanupOrphanedTempFiles(dir, Duration.ZERO)).isEqualTo(1);
      assertThat(doomedTemp).doesNotExist();
      assertThat(liveTemp).exists();
      assertThat(dir.resolve("b.bin")).doesNotExist();

      live.send("commit");
      assertThat(live.nextLine(30_000)).isEqualTo("COMMITTED");
      assertThat(Frame.check(Files.readAllBytes(dir.resolve("a.bin")))).isEqualTo(1);
      assertThat(temps()).isEmpty();
    }
  }

  /** What a torture run found. */
  private static final class Stats {
    int kills;
    int recordsChecked;
    int torn;
    int missing;
    int inFlightCommitsFound; // the kill came after the rename but before the report
    int killsLeavingATemp;
    int tempsSwept;
    int createCyclesKilledBeforeFirstCommit;
    long commitsReported;
    double seconds;
    final List<String> failures = new ArrayList<>();

    @Override
    public String toString() {
      return String.format("seed %d, %d kills in %.1f s (%.2f s/kill), %d records checked, torn %d, missing %d, "
              + "other failures %d; %d commits returned; %d kills caught a commit between rename and report; "
              + "%d kills left a temp, %d temps swept; %d create cycles killed before their first commit",
          SEED, kills, seconds, seconds / Math.max(1, kills), recordsChecked, torn, missing,
          failures.size() - torn - missing, commitsReported, inFlightCommitsFound, killsLeavingATemp, tempsSwept,
          createCyclesKilledBeforeFirstCommit);
    }
  }

  /**
   * Runs {@code kills} cycles of: start a writer child on the target, wait until it is ready, let it
   * write for a random moment, SIGKILL it, check the target, sweep the temps. The writers take turns.
   * After every kill the sweep must remove exactly the temps the dead child left, and keep
   * {@code liveTemp} (a writer alive in another process) if given.
   */
  private Stats torture(List<String> writers, int kills, long seed, Path liveTemp) throws Exception {
    SplittableRandom random = new SplittableRandom(seed);
    Path target = dir.resolve("record.bin");
    AtomicFileWriter.atomicWrite(target, Frame.encode(0, random, 100));
    Stats s = new Stats();
    long start = System.nanoTime();
    long deadline = start + BUDGET.toNanos();
    for (int cycle = 0; cycle < kills; cycle++) {
      if (System.nanoTime() > deadline) {
        fail("time budget of " + BUDGET + " spent after " + s.kills + " of " + kills + " kills");
      }
      boolean create = cycle % CREATE_EVERY == CREATE_EVERY - 1;
      Path file = create ? dir.resolve("created-" + cycle + ".bin") : target;
      String writer = writers.get(cycle % writers.size());
      long startGeneration;
      long lastReported;
      List<Long> said = new ArrayList<>();
      Path report = reports.resolve("cycle-" + cycle + ".txt");
      try (CrashChildJvm child = CrashChildJvm.start("loop", file.toString(), writer, Long.toString(random.nextLong()),
          Integer.toString(MAX_PAYLOAD), report.toString())) {
        startGeneration = Long.parseLong(expectPrefix(child.nextLine(30_000), "READY "));
        // a created target is killed early, so that some kills come before its first commit
        Thread.sleep(random.nextInt(create ? CREATE_KILL_DELAY_MS : MAX_KILL_DELAY_MS));
        child.kill();
        s.kills++;
        lastReported = startGeneration;
        for (String line : child.drain()) {
          fail("child said: " + line);
        }
        for (CrashChildJvm.Returned g : CrashChildJvm.reported(report)) {
          said.add(g.generation());
          lastReported = g.generation();
          s.commitsReported++;
        }
      }

      // the target: one whole record, as new as the last returned call, at most one newer
      if (!Files.exists(file)) {
        if (create && lastReported == startGeneration) {
          s.createCyclesKilledBeforeFirstCommit++; // nothing was promised yet
        } else {
          s.missing++;
          s.failures.add("cycle " + cycle + ": " + file.getFileName() + " missing after generation "
              + lastReported + " was reported");
        }
      } else {
        s.recordsChecked++;
        try {
          long found = Frame.check(Files.readAllBytes(file));
          if (found < lastReported || found > lastReported + 1) {
            s.failures.add("cycle " + cycle + " (" + writer + "): generation " + found + " found, last reported "
                + lastReported + " (the child started after generation " + startGeneration + " and reported " + said + ")");
          } else if (found == lastReported + 1) {
            s.inFlightCommitsFound++;
          }
        } catch (IllegalStateException e) {
          s.torn++;
          s.failures.add("cycle " + cycle + " (" + writer + "): " + e.getMessage());
          // start the next cycle from a whole record (only an in-place writer gets here)
          AtomicFileWriter.atomicWrite(file, Frame.encode(lastReported, random, 100));
        }
      }
      if (create) {
        Files.deleteIfExists(file);
      }

      // the killed child's temp is an orphan now; the holder's temp is alive
      List<Path> temps = temps();
      int orphans = temps.size();
      if (liveTemp != null) {
        assertThat(temps).as("the live writer's temp before the sweep of cycle %d", cycle).contains(liveTemp);
        orphans--;
      }
      if (orphans > 0) {
        s.killsLeavingATemp++;
      }
      int removed = AtomicFiles.cleanupOrphanedTempFiles(dir, Duration.ZERO);
      s.tempsSwept += removed;
      assertThat(removed).as("temps swept after cycle %d", cycle).isEqualTo(orphans);
      assertThat(temps()).as("temps left after the sweep of cycle %d: only the live writer's", cycle)
          .isEqualTo(liveTemp == null ? List.of() : List.of(liveTemp));
    }
    s.seconds = (System.nanoTime() - start) / 1e9;
    return s;
  }

  private List<Path> temps() throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().startsWith(".tmp-")).sorted().toList();
    }
  }

  static String expectPrefix(String line, String prefix) {
    if (line == null || !line.startsWith(prefix)) {
      fail("expected a line starting with '" + prefix + "' from the child, got: " + line);
    }
    return line.substring(prefix.length());
  }
}
