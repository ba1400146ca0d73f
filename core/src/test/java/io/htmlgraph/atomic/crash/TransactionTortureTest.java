package io.htmlgraph.atomic.crash;

import static io.htmlgraph.atomic.crash.SigkillTortureTest.expectPrefix;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.htmlgraph.atomic.FileTransaction;
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
 * Layer 3 of the crash proofs, for {@link FileTransaction}: a child JVM commits transactions of five
 * files ({@link TxnFiles}: one generation number in all five, two of them in new directories) and is
 * killed with SIGKILL at seeded random moments, 200 times, while a reader process reads the five
 * files through {@code FileTransaction.read} without pause.
 *
 * <p>After every kill, the parent looks through {@code FileTransaction.read(root, ...)} or, every other
 * kill, {@code FileTransaction.recover(root)} and then the files: the five hold one generation, at
 * least the last one whose commit returned (the child reports each), at most the one after it (the
 * commit in flight); after {@code recover}, nothing of a transaction is left (no staged file, no
 * intent record, no link beside a target). The reader must never see two generations, a torn file, or
 * a generation older than one it saw before: it reads while commits run, while the killed child's
 * lock is released by the kernel, and while the parent and the next child recover.
 *
 * <p>SIGKILL keeps the page cache: this proves atomicity and recovery against process crashes;
 * {@link PowerCutTest} and the crash simulator prove durability.
 *
 * <p>Knobs: {@code -Dcrash.txnKills=N} (200), {@code -Dcrash.seed=S}.
 */
class TransactionTortureTest {
  private static final int KILLS = Integer.getInteger("crash.txnKills", 200);
  private static final long SEED = Long.getLong("crash.seed", 20261125L);
  /** Records up to 64 KiB: a commit of five takes a few milliseconds here, so kills land at every step. */
  private static final int MAX_PAYLOAD = (64 << 10) - Frame.HEADER - Frame.TRAILER;
  private static final Duration BUDGET = Duration.ofSeconds(240);
  /** Kill delays after the child is warm and ready: a few of its commits (10 to 50 ms each here) fit in. */
  private static final int MAX_KILL_DELAY_MS = 150;

  @TempDir Path work;

  /** What a torture run found. */
  static final class Stats {
    int kills;
    int checkedByRead;
    int checkedByRecover;
    int recoveredByTheParent; // recover() found an interrupted commit and finished it
    int killsLeavingStagedFiles; // right after the kill: a record or staged files in ROOT/.txn
    int killsLeavingARecord; // of those, with an intent record (unless the reader had recovered already)
    int inFlightCommitsFound; // the generation after the last reported one
    long commitsReported;
    long finalGeneration;
    String reader = "";
    double seconds;
    final List<String> failures = new ArrayList<>();

    @Override
    public String toString() {
      return String.format("seed %d, %d kills in %.1f s (%.2f s/kill), %d commits returned, final generation %d; "
              + "checked %d times through read and %d through recover (which finished %d interrupted commits); "
              + "%d kills left staged files (%d an intent record too), %d found the commit in flight published; "
              + "reader: %s; "
              + "failures %d",
          SEED, kills, seconds, seconds / Math.max(1, kills), commitsReported, finalGeneration, checkedByRead,
          checkedByRecover, recoveredByTheParent, killsLeavingStagedFiles, killsLeavingARecord, inFlightCommitsFound,
          reader,
          failures.size());
    }
  }

  // about 0.3 to 0.5 s per kill on 2 cores under load (most of it the next child's start)
  @Test
  @Tag("long")
  void killedCommitsLeaveOneGenerationInAllFilesAndTheReaderNeverSeesTwo() throws Exception {
    Stats s = torture("txn", KILLS, SEED);
    System.out.printf("SIGKILL torture (FileTransaction of %d files, a reader process): %s%n", TxnFiles.NAMES.size(), s);
    s.failures.forEach(f -> System.out.println("  " + f));
    assertThat(s.failures).as("mixed, torn, rolled-back or leftover states").isEmpty();
    assertThat(s.kills).isEqualTo(KILLS);
    assertThat(s.commitsReported).as("commits that returned").isGreaterThan(KILLS / 2);
    // a torture that never kills a child inside a transaction proves nothing
    assertThat(s.killsLeavingStagedFiles).as("kills that caught a transaction under way").isGreaterThan(KILLS / 10);
  }

  /**
   * The tester tested: the same harness, with the five files written one by one ({@code atomicWrite},
   * each atomic on its own, no lock), must find mixed generations after the kills, and the reader must
   * see one.
   */
  @Test
  void theSameChecksFindMixedGenerationsWhenTheFilesAreWrittenOneByOne() throws Exception {
    Stats s = torture("separate", Integer.getInteger("crash.txnSeparateKills", 20), SEED + 1);
    System.out.printf("SIGKILL torture (the 5 files written one by one): %s%n", s);
    s.failures.stream().limit(5).forEach(f -> System.out.println("  " + f));
    assertThat(s.failures).as("mixes found after the kills").anyMatch(f -> f.startsWith("cycle ") && f.contains("mixed generations"));
    assertThat(s.failures).as("mixes found by the reader").anyMatch(f -> f.startsWith("the reader") && f.contains("mixed generations"));
  }

  private Stats torture(String how, int kills, long seed) throws Exception {
    SplittableRandom random = new SplittableRandom(seed);
    Path root = Files.createDirectory(work.resolve("root"));
    Path reports = Files.createDirectory(work.resolve("reports"));
    Stats s = new Stats();
    long start = System.nanoTime();
    long deadline = start + BUDGET.toNanos();
    boolean separate = how.equals("separate");
    // the initial generation, so that the reader has files to read from its start
    FileTransaction.recover(root);
    try (FileTransaction tx = FileTransaction.begin(root)) {
      List<byte[]> records = TxnFiles.encode(1, random, 100);
      for (int i = 0; i < records.size(); i++) {
        tx.write(Path.of(TxnFiles.NAMES.get(i)), records.get(i));
      }
      tx.commit();
    }
    boolean readerStopped = false;
    try (CrashChildJvm reader = CrashChildJvm.start("txnread", root.toString())) {
      expectPrefix(reader.nextLine(60_000), "READY");
      for (int cycle = 0; cycle < kills; cycle++) {
        if (System.nanoTime() > deadline) {
          fail("time budget of " + BUDGET + " spent after " + s.kills + " of " + kills + " kills");
        }
        Path report = reports.resolve("cycle-" + cycle + ".txt");
        long startGeneration;
        long lastReported;
        try (CrashChildJvm child = CrashChildJvm.start("txn", root.toString(), Long.toString(random.nextLong()),
            Integer.toString(MAX_PAYLOAD), report.toString(), how)) {
          startGeneration = Long.parseLong(expectPrefix(child.nextLine(60_000), "READY "));
          Thread.sleep(random.nextInt(MAX_KILL_DELAY_MS));
          child.kill();
          s.kills++;
          for (String line : child.drain()) {
            fail("child said: " + line);
          }
          lastReported = startGeneration;
          for (CrashChildJvm.Returned g : CrashChildJvm.reported(report)) {
            lastReported = g.generation();
            s.commitsReported++;
          }
        }
        List<String> staged = stagingNames(root);
        if (!staged.isEmpty()) {
          s.killsLeavingStagedFiles++;
        }
        if (staged.contains(".txn/intent")) {
          s.killsLeavingARecord++;
        }
        check(root, cycle, separate || cycle % 2 == 1, startGeneration, lastReported, s);
        if (!readerStopped) {
          String said = reader.pollLine();
          if (said != null && separate) {
            s.failures.add("the reader, after kill " + s.kills + ": " + said); // it has stopped
            readerStopped = true;
          } else if (said != null || !reader.isAlive()) {
            fail("the reader (pid " + reader.pid() + ") said, after kill " + s.kills + ": " + said);
          }
        }
      }
      if (!separate) {
        int code = reader.endInputAndWait(60_000);
        List<String> said = reader.drain();
        assertThat(code).as("the reader's exit code (it said %s)", said).isZero();
        assertThat(said).hasSize(1);
        s.reader = said.get(0);
        String[] f = expectPrefix(said.get(0), "STOPPED ").split(" ");
        assertThat(Long.parseLong(f[0])).as("reads made by the reader").isGreaterThan(kills);
      }
    }
    s.seconds = (System.nanoTime() - start) / 1e9;
    if (!separate) {
      FileTransaction.recover(root);
      s.finalGeneration = TxnFiles.generation(root);
      assertThat(stagingNames(root)).as("staged files at the end").isEmpty();
    }
    return s;
  }

  /**
   * Checks the root after a kill, through {@code read} or {@code recover}.
   *
   * @param byRecover whether to recover first, then read the files directly
   */
  private static void check(Path root, int cycle, boolean byRecover, long startGeneration, long lastReported, Stats s)
      throws IOException {
    long found;
    try {
      if (byRecover) {
        s.checkedByRecover++;
        if (FileTransaction.recover(root)) {
          s.recoveredByTheParent++;
        }
        // nobody changes the files now: the child is dead, the reader only reads (and recovers, which
        // finds nothing more to do)
        found = TxnFiles.generation(root);
        List<String> left = new ArrayList<>(stagingNames(root));
        left.addAll(linksBesideTargets(root));
        if (!left.isEmpty()) {
          s.failures.add("cycle " + cycle + ": after recover, left: " + left);
        }
      } else {
        s.checkedByRead++;
        found = FileTransaction.read(root, TxnFiles::generation);
      }
    } catch (IllegalStateException e) {
      s.failures.add("cycle " + cycle + " (" + (byRecover ? "recover" : "read") + "): " + e.getMessage()
          + " (last reported generation " + lastReported + ")");
      // start the next cycle from one generation again (only the one-by-one writer gets here)
      FileTransaction.recover(root);
      try (FileTransaction tx = FileTransaction.begin(root)) {
        List<byte[]> records = TxnFiles.encode(lastReported + 1, new SplittableRandom(cycle), 100);
        for (int i = 0; i < records.size(); i++) {
          tx.write(Path.of(TxnFiles.NAMES.get(i)), records.get(i));
        }
        tx.commit();
      }
      return;
    }
    if (found < lastReported || found > lastReported + 1) {
      s.failures.add("cycle " + cycle + ": generation " + found + " found, last reported " + lastReported
          + " (the child started after " + startGeneration + ")");
    } else if (found == lastReported + 1) {
      s.inFlightCommitsFound++;
    }
  }

  /** @return what {@code ROOT/.txn} holds (records and staged files), if anything */
  static List<String> stagingNames(Path root) throws IOException {
    Path staging = root.resolve(".txn");
    if (!Files.isDirectory(staging)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(staging)) {
      return s.map(p -> ".txn/" + p.getFileName()).filter(n -> !n.equals(".txn/fence")).sorted().toList();
    }
  }

  /** @return the links a publish makes beside each target ({@code .txn-*}), if any is left */
  static List<String> linksBesideTargets(Path root) throws IOException {
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(p -> p.getFileName().toString().startsWith(".txn-")).map(p -> root.relativize(p).toString())
          .sorted().toList();
    }
  }
}
