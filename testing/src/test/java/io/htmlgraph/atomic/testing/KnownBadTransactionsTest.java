package io.htmlgraph.atomic.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.htmlgraph.atomic.FileTransaction;
import io.htmlgraph.atomic.internal.TransactionLog;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Tests of the tester, for transactions: the commit protocol with one step broken (built into the
 * engine through its test hook) must be caught by the crash simulator, under both sync models, as a
 * state that recovery leaves mixed (some files new, some old) or old after the commit returned. The
 * unbroken protocol is the control. A simulator, or a checker, that finds nothing wrong with these
 * would make {@link FileTransactionCrashTest} worthless.
 */
class KnownBadTransactionsTest {
  private static final FileTransactionCrashTest.Scenario SCENARIO = new FileTransactionCrashTest.Scenario(
      "2 files in two directories and a delete",
      Map.of("a.txt", "old a\n", "gone.txt", "to be deleted\n", "sub/b.txt", "old b\n"),
      List.of(FileTransactionCrashTest.Change.write("a.txt", "new a, longer\n"),
          FileTransactionCrashTest.Change.write("sub/b.txt", "new b, longer\n"),
          FileTransactionCrashTest.Change.delete("gone.txt")),
      4096);

  @ParameterizedTest(name = "{0} under STRICT")
  @EnumSource(TransactionLog.Flaw.class)
  void strictModel(TransactionLog.Flaw flaw) throws IOException {
    check(flaw, SyncModel.STRICT);
  }

  @ParameterizedTest(name = "{0} under EXT4_LIKE")
  @EnumSource(TransactionLog.Flaw.class)
  void ext4LikeModel(TransactionLog.Flaw flaw) throws IOException {
    check(flaw, SyncModel.EXT4_LIKE);
  }

  private static void check(TransactionLog.Flaw flaw, SyncModel model) throws IOException {
    Map<String, String> old = new TreeMap<>(SCENARIO.old());
    Map<String, String> fresh = SCENARIO.expectedNew();
    AtomicInteger mixed = new AtomicInteger();
    AtomicInteger oldAfterReturn = new AtomicInteger();
    TransactionLog.Hook hook = new TransactionLog.Hook() {
      @Override
      public TransactionLog.Flaw flaw() {
        return flaw;
      }
    };
    CrashReport report = CrashSimulator.create().model(model)
        .setup(root -> {
          java.nio.file.Files.createDirectories(root.resolve("sub"));
          FileTransactionCrashTest.setup(SCENARIO.old()).run(root);
        })
        .run(root -> TransactionLog.withHook(hook, () -> {
          FileTransactionCrashTest.commit(root, SCENARIO.changes());
          return null;
        }), state -> {
          FileTransaction.recover(state.root(), new InJvmLocker(), Duration.ofSeconds(5));
          Map<String, String> files = FileTransactionCrashTest.userFiles(state.root());
          if (!files.equals(old) && !files.equals(fresh)) {
            mixed.incrementAndGet();
          } else if (state.passed(FileTransactionCrashTest.RETURNED) && files.equals(old)) {
            oldAfterReturn.incrementAndGet();
          }
          if (state.passed(FileTransactionCrashTest.RETURNED)) {
            assertThat(files).as("after commit() returned").isEqualTo(fresh);
          } else {
            assertThat(files).as("after recovery: all old or all new").isIn(old, fresh);
          }
        });
    System.out.println("[crashsim] known-bad transaction " + flaw + " (" + model + "): " + report.summary()
        + "; mixed after recovery: " + mixed + ", old after the return: " + oldAfterReturn);
    if (flaw == TransactionLog.Flaw.NONE) {
      report.assertNoViolations();
    } else {
      assertThat(report.violationCount()).as("violations found in " + flaw).isPositive();
      assertThat(mixed.get() + oldAfterReturn.get()).as("states that show the flaw").isPositive();
    }
  }
}
