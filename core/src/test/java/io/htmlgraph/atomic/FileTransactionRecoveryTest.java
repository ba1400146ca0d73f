package io.htmlgraph.atomic;

import static org.assertj.core.api.Assertions.assertThat;

import io.htmlgraph.atomic.internal.TransactionLog;
import io.htmlgraph.atomic.testsupport.ChildJvm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Commits interrupted for real: a child JVM halts (no clean-up runs, as under SIGKILL) at a chosen
 * point of its commit, and the next {@code begin}, {@code read} or {@code recover} must leave every
 * file old or every file new, and new once the commit point was passed. SIGKILL keeps the page cache:
 * these tests show atomicity and recovery; the crash simulator (module testing) shows durability.
 */
class FileTransactionRecoveryTest {
  private static final int FILES = 3; // sub/f0 (new directory), f1 and f2 (replaced); "gone" deleted

  @TempDir Path root;

  private static final Map<String, String> OLD = new TreeMap<>(Map.of("f1", "old 1", "f2", "old 2", "gone", "old gone"));
  private static final Map<String, String> NEW = new TreeMap<>(Map.of("sub/f0", "new 0", "f1", "new 1", "f2", "new 2"));

  @BeforeEach
  void oldVersion() throws IOException {
    for (Map.Entry<String, String> e : OLD.entrySet()) {
      Files.writeString(root.resolve(e.getKey()), e.getValue());
    }
  }

  private List<String> haltAt(TransactionLog.Step step, int nth) throws Exception {
    List<String> out = new ArrayList<>();
    try (ChildJvm child = ChildJvm.start(TransactionChild.class, "halt", root.toString(), step.name(),
        Integer.toString(nth), Integer.toString(FILES))) {
      for (String line; (line = child.readLine()) != null; ) {
        out.add(line);
      }
      assertThat(child.waitFor(60)).isZero();
    }
    assertThat(out).as("the child halted inside its commit").doesNotContain("COMMITTED");
    return out;
  }

  private Map<String, String> files() throws IOException {
    return FileTransactionTest.userFiles(root);
  }

  private List<String> linksBesideTargets() throws IOException {
    try (Stream<Path> s = Files.walk(root)) {
      return s.map(p -> root.relativize(p).toString()).filter(n -> n.contains(".txn-")).toList();
    }
  }

  private List<String> staging() throws IOException {
    try (Stream<Path> s = Files.list(root.resolve(".txn"))) {
      return s.map(p -> p.getFileName().toString()).filter(n -> !n.equals("fence")).toList();
    }
  }

  @Test
  void aCommitInterruptedAfterItsFirstRenameIsVisiblyMixedUntilBeginFinishesIt() throws Exception {
    haltAt(TransactionLog.Step.RENAMED, 1);
    Map<String, String> mixed = files();
    assertThat(mixed).as("one file new, the others old: the crash left a mix").containsEntry("sub/f0", "new 0")
        .containsEntry("f1", "old 1").containsEntry("gone", "old gone");
    FileTransaction.begin(root).close();
    assertThat(files()).isEqualTo(NEW);
    assertThat(staging()).isEmpty();
    assertThat(linksBesideTargets()).isEmpty();
  }

  @Test
  void readFinishesAnInterruptedCommitBeforeTheReaderLooks() throws Exception {
    haltAt(TransactionLog.Step.RENAMED, 2);
    Map<String, String> seen = FileTransaction.read(root, r -> FileTransactionTest.userFiles(r));
    assertThat(seen).isEqualTo(NEW);
    assertThat(files()).isEqualTo(NEW);
  }

  @Test
  void recoverFinishesAnInterruptedCommitAndSaysSo() throws Exception {
    haltAt(TransactionLog.Step.LINKED, 1);
    assertThat(linksBesideTargets()).as("links made, none renamed yet").hasSize(FILES);
    assertThat(files()).containsAllEntriesOf(OLD);
    assertThat(FileTransaction.recover(root)).isTrue();
    assertThat(files()).isEqualTo(NEW);
    assertThat(linksBesideTargets()).isEmpty();
    assertThat(FileTransaction.recover(root)).isFalse();
  }

  @ParameterizedTest
  @EnumSource(TransactionLog.Step.class)
  void aCommitInterruptedAtAnyStepRecoversToAllOldOrAllNew(TransactionLog.Step step) throws Exception {
    haltAt(step, 1);
    FileTransaction.recover(root);
    Map<String, String> after = files();
    assertThat(after).as("after recovery from a halt at " + step).isIn(OLD, NEW);
    if (step != TransactionLog.Step.RECORD_WRITTEN) {
      assertThat(after).as("past the commit point at " + step).isEqualTo(NEW);
    }
    assertThat(staging()).isEmpty();
    assertThat(linksBesideTargets()).isEmpty();
  }

  @Test
  void aTransactionThatDiedWhileStagingLeavesNothingOnceRecovered() throws Exception {
    try (ChildJvm child = ChildJvm.start(TransactionChild.class, "stagehalt", root.toString())) {
      assertThat(child.readLine()).isEqualTo("STAGED");
      child.waitFor(60);
    }
    assertThat(staging()).as("the dead transaction's staged files").hasSize(2);
    assertThat(FileTransaction.recover(root)).isFalse();
    assertThat(files()).isEqualTo(OLD);
    assertThat(staging()).isEmpty();
    assertThat(root.resolve("sub")).doesNotExist();
  }

  @Test
  void aSweepOfAnyAgeNeverRemovesWhatAnIntentRecordNames() throws Exception {
    haltAt(TransactionLog.Step.DURABLE, 1);
    // every directory a sweep could be pointed at, with age zero
    for (Path dir : List.of(root, root.resolve(".txn"))) {
      AtomicFiles.cleanupOrphanedTempFiles(dir, Duration.ZERO);
    }
    try (ChildJvm child = ChildJvm.start(TransactionChild.class, "sweep", root.resolve(".txn").toString())) {
      assertThat(child.readLine()).isEqualTo("0");
    }
    assertThat(staging()).as("the record and its staged files").hasSize(FILES + 1);
    assertThat(FileTransaction.recover(root)).isTrue();
    assertThat(files()).isEqualTo(NEW);
  }

  @Test
  void aSweepDuringPublishingLeavesTheLinksBesideTheTargets() throws Exception {
    haltAt(TransactionLog.Step.RENAMED, 1);
    for (Path dir : List.of(root, root.resolve("sub"), root.resolve(".txn"))) {
      AtomicFiles.cleanupOrphanedTempFiles(dir, Duration.ZERO);
    }
    assertThat(linksBesideTargets()).hasSize(FILES - 1);
    assertThat(FileTransaction.recover(root)).isTrue();
    assertThat(files()).isEqualTo(NEW);
  }
}
