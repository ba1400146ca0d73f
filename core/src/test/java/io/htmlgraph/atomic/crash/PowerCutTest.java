package io.htmlgraph.atomic.crash;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.htmlgraph.atomic.AtomicFileWriter;
import io.htmlgraph.atomic.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Layer 4 of the crash proofs: real power cuts on a real kernel. A child JVM replaces a record on a
 * loop-mounted file system in a loop and reports each generation whose call returned; at a random
 * moment the file system is shut down without flushing its journal (what a power cut leaves), the
 * child is killed, and the file system is mounted again. The record must be whole and at least as new
 * as the last generation reported.
 *
 * <p>The same harness with a naive writer (truncate and write in place, no sync) must find losses:
 * otherwise the harness cannot tell a durable writer from one that is not, and proves nothing.
 *
 * <p>Root only (loop mounts and the shutdown ioctl); skips with the reason otherwise. Knobs:
 * {@code -Dcrash.powerCuts=N} (20 per file system), {@code -Dcrash.naiveCuts=N} (3),
 * {@code -Dcrash.seed=S}.
 */
@Tag("long")
class PowerCutTest {
  private static final int CUTS = Integer.getInteger("crash.powerCuts", 20);
  private static final int NAIVE_CUTS = Integer.getInteger("crash.naiveCuts", 3);
  private static final long SEED = Long.getLong("crash.seed", 20261125L);
  private static final int MAX_PAYLOAD = (1 << 20) - Frame.HEADER - Frame.TRAILER;
  private static final String RECORD = "record.bin";
  /**
   * The cut comes 1 to 1.5 s after the child is ready: with {@code commit=1} at least one journal
   * commit falls inside the window, so an unsynced write has the chance to be half committed.
   */
  private static final int MIN_DELAY_MS = 1000;
  private static final int DELAY_SPREAD_MS = 500;
  private static final Duration BUDGET = Duration.ofSeconds(150);

  @TempDir Path work;

  @ParameterizedTest
  @EnumSource(LoopMount.Kind.class)
  void theRecordIsWholeAndAsNewAsTheLastReturnedCallAfterEveryPowerCut(LoopMount.Kind kind) throws Exception {
    assumePowerCutsCanRun(kind);

    Result bytes = cut(kind, "bytes", CUTS - CUTS / 2, SEED);
    Result stream = cut(kind, "stream", CUTS / 2, SEED + 1);
    Result all = bytes.plus(stream);
    System.out.printf("power cuts on %s (library, FULL): %d cuts (%d atomicWrite, %d stream) in %.1f s, "
            + "%d records checked, %d losses, %d commits returned before the cuts, %d cuts found the commit "
            + "in flight durable, %d calls returned while the shutdown was being issued (%d of them not on disk "
            + "after the reboot: concurrent with the cut, allowed), %d temps swept after reboot%n",
        kind, all.cuts, bytes.cuts, stream.cuts, all.seconds, all.recordsChecked, all.losses.size(),
        all.commitsReported - all.returnedDuringCut, all.inFlightDurable, all.returnedDuringCut, all.lostDuringCut,
        all.tempsSwept);

    assertThat(all.losses).as("records lost, torn or rolled back on %s", kind).isEmpty();
    assertThat(all.cuts).isEqualTo(CUTS);
    assertThat(all.cyclesWithoutCommits).as("cycles in which the child committed nothing before the cut").isZero();
  }

  @ParameterizedTest
  @EnumSource(LoopMount.Kind.class)
  void aNaiveInPlaceWriterLosesRecordsUnderTheSameHarness(LoopMount.Kind kind) throws Exception {
    assumePowerCutsCanRun(kind);

    Result naive = cut(kind, "naive", NAIVE_CUTS, SEED + 2);
    long lossCycles = naive.losses.size();
    System.out.printf("power cuts on %s (naive in-place writer, no sync): %d cuts in %.1f s, %d with a loss "
            + "(%d torn or empty, %d missing, %d rolled back); %d writes returned before the cuts%n",
        kind, naive.cuts, naive.seconds, lossCycles, naive.torn, naive.missing, naive.rolledBack,
        naive.commitsReported);
    naive.losses.forEach(l -> System.out.println("  naive loss: " + l));

    assertThat(naive.cuts).isEqualTo(NAIVE_CUTS);
    assertThat(lossCycles).as("the harness must catch a writer that does not sync").isPositive();
  }

  /** Skips the test, printing why, where this machine cannot cut the power of {@code kind}. */
  private static void assumePowerCutsCanRun(LoopMount.Kind kind) {
    Optional<String> why = LoopMount.unavailable(kind);
    why.ifPresent(reason -> System.out.println("power cuts on " + kind + " skipped: " + reason));
    assumeTrue(why.isEmpty(), () -> why.orElse(""));
  }

  /** What a series of cuts found. */
  private static final class Result {
    int cuts;
    int recordsChecked;
    long commitsReported;
    int inFlightDurable;
    int tempsSwept;
    int cyclesWithoutCommits;
    int returnedDuringCut; // calls that returned after the shutdown was started
    int lostDuringCut; // of those, the ones whose write was not on the disk after the reboot
    int torn;
    int missing;
    int rolledBack;
    double seconds;
    final List<String> losses = new ArrayList<>();

    Result plus(Result o) {
      Result r = new Result();
      r.cuts = cuts + o.cuts;
      r.recordsChecked = recordsChecked + o.recordsChecked;
      r.commitsReported = commitsReported + o.commitsReported;
      r.inFlightDurable = inFlightDurable + o.inFlightDurable;
      r.tempsSwept = tempsSwept + o.tempsSwept;
      r.cyclesWithoutCommits = cyclesWithoutCommits + o.cyclesWithoutCommits;
      r.returnedDuringCut = returnedDuringCut + o.returnedDuringCut;
      r.lostDuringCut = lostDuringCut + o.lostDuringCut;
      r.torn = torn + o.torn;
      r.missing = missing + o.missing;
      r.rolledBack = rolledBack + o.rolledBack;
      r.seconds = seconds + o.seconds;
      r.losses.addAll(losses);
      r.losses.addAll(o.losses);
      return r;
    }
  }

  private Result cut(LoopMount.Kind kind, String writer, int cycles, long seed) throws Exception {
    SplittableRandom random = new SplittableRandom(seed);
    Result r = new Result();
    long start = System.nanoTime();
    long deadline = start + BUDGET.toNanos();
    Path fsWork = Files.createDirectories(work.resolve(kind + "-" + writer));
    try (LoopMount fs = LoopMount.create(kind, fsWork)) {
      Path record = fs.pathFromHere(RECORD);
      AtomicFileWriter.atomicWrite(record, Frame.encode(0, random, 100));
      for (int cycle = 0; cycle < cycles; cycle++) {
        if (System.nanoTime() > deadline) {
          fail("time budget of " + BUDGET + " spent after " + cycle + " of " + cycles + " power cuts on " + kind);
        }
        long startGeneration;
        long lastReported; // the last generation whose call returned
        long lastBeforeCut; // the last one whose call returned before the cut was issued
        long lastReturnedAt = 0;
        long cutStart;
        long cutEnd;
        Path report = fsWork.resolve("report-" + cycle + ".txt").toAbsolutePath();
        try (CrashChildJvm child = CrashChildJvm.start(fs.inNamespace(), "loop", fs.pathInside(RECORD).toString(), writer,
            Long.toString(random.nextLong()), Integer.toString(MAX_PAYLOAD), report.toString());
            LoopMount.PowerSwitch power = fs.armPowerCut()) {
          startGeneration = Long.parseLong(SigkillTortureTest.expectPrefix(child.nextLine(60_000), "READY "));
          Thread.sleep(MIN_DELAY_MS + random.nextInt(DELAY_SPREAD_MS));
          cutStart = System.nanoTime();
          power.cut();
          cutEnd = System.nanoTime();
          child.kill();
          lastReported = startGeneration;
          lastBeforeCut = startGeneration;
          for (String line : child.drain()) {
            if (!line.startsWith("E ")) { // "E": its calls failed once the file system was down
              fail("child said: " + line);
            }
          }
          for (CrashChildJvm.Returned g : CrashChildJvm.reported(report)) {
            lastReported = g.generation();
            lastReturnedAt = g.nanoTime();
            if (lastReturnedAt < cutStart) {
              lastBeforeCut = lastReported;
            } else {
              r.returnedDuringCut++;
            }
            r.commitsReported++;
          }
        }
        r.cuts++;
        if (lastBeforeCut == startGeneration) {
          r.cyclesWithoutCommits++;
        }
        fs.remount();

        long found;
        try {
          found = Frame.check(Files.readAllBytes(record));
          r.recordsChecked++;
          if (found < lastBeforeCut) {
            r.rolledBack++;
            r.losses.add("cut " + cycle + ": generation " + found + " after generation " + lastBeforeCut
                + " had returned before the cut");
          } else if (found < lastReported) {
            // the call returned while the shutdown was being issued: concurrent with the cut, so either
            // outcome is allowed (a real power cut is one instant; this one takes a few milliseconds)
            r.lostDuringCut++;
            System.out.printf("  cut %d on %s: generation %d found; generation %d returned %.1f ms after the "
                    + "shutdown was started (it returned after %.1f ms)%n", cycle, kind, found, lastReported,
                (lastReturnedAt - cutStart) / 1e6, (cutEnd - cutStart) / 1e6);
          } else if (found > lastReported + 1) {
            r.losses.add("cut " + cycle + ": generation " + found + " was never written (last " + lastReported + ")");
          } else if (found == lastReported + 1) {
            r.inFlightDurable++;
          }
        } catch (NoSuchFileException e) {
          r.missing++;
          r.losses.add("cut " + cycle + ": the record is missing, last returned generation " + lastReported);
          found = -1;
        } catch (IllegalStateException e) {
          r.recordsChecked++;
          r.torn++;
          long size = Files.size(record);
          r.losses.add("cut " + cycle + ": " + e.getMessage() + " (" + size + " bytes; last returned generation "
              + lastReported + ")");
          found = -1;
        }
        if (found < lastReported) {
          // the naive writer lost it: start the next cycle from a whole record again
          AtomicFileWriter.atomicWrite(record, Frame.encode(lastReported, random, 100));
        }
        r.tempsSwept += AtomicFiles.cleanupOrphanedTempFiles(record.getParent(), Duration.ZERO);
        try (Stream<Path> left = Files.list(record.getParent())) {
          assertThat(left.filter(p -> p.getFileName().toString().startsWith(".tmp-")))
              .as("temps left after the sweep that follows cut %d", cycle).isEmpty();
        }
        removeWarmUpFiles(record.getParent());
      }
    }
    r.seconds = (System.nanoTime() - start) / 1e9;
    return r;
  }

  /** The children's warm-up files, whose removal a cut may have undone. */
  private static void removeWarmUpFiles(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : s.filter(p -> p.getFileName().toString().startsWith("warmup-")).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
