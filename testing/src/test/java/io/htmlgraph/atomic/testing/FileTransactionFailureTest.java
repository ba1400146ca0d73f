package io.htmlgraph.atomic.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.htmlgraph.atomic.CommitIncompleteException;
import io.htmlgraph.atomic.FileTransaction;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@link FileTransaction} whose file system fails one step of the commit: before the commit point
 * the root is left as it was, with nothing staged left, and the exception is the failure itself;
 * after it, {@link CommitIncompleteException} says {@code committed()} and recovery makes every
 * change; a failed sync of the staging directory that cannot be undone is in doubt
 * ({@code committed() == false}), and recovery then leaves all old or all new. One row of the failure
 * table of docs/transactions.md per test.
 */
class FileTransactionFailureTest {
  // staged temps: in the staging directory, or in a private directory there while the old file is copied
  private static final String TEMPS = "/.txn/**.*";
  private static final Map<String, String> OLD = new TreeMap<>(Map.of("a.txt", "old a\n", "gone.txt", "to be deleted\n"));
  private static final Map<String, String> NEW = new TreeMap<>(Map.of("a.txt", "new a, longer\n", "sub/b.txt", "new b\n"));

  @TempDir Path dir;

  @BeforeEach
  void oldFiles() throws IOException {
    for (Map.Entry<String, String> e : OLD.entrySet()) {
      Files.writeString(dir.resolve(e.getKey()), e.getValue());
    }
  }

  /** Stages the transaction's three changes. */
  private static FileTransaction stage(Path root) throws IOException {
    FileTransaction tx = FileTransaction.begin(root, new InJvmLocker(), Duration.ofSeconds(5));
    try {
      tx.write(Path.of("a.txt"), "new a, longer\n");
      tx.write(Path.of("sub/b.txt"), "new b\n");
      tx.delete(Path.of("gone.txt"));
      return tx;
    } catch (IOException | RuntimeException e) {
      tx.close();
      throw e;
    }
  }

  /** Commits the transaction through a file system with {@code faults}; returns what commit threw. */
  private Throwable commitWith(Fault... faults) throws IOException {
    try (FaultyFileSystem fs = FaultyFileSystem.wrap(dir, faults); FileTransaction tx = stage(fs.root())) {
      Throwable t = catchThrowable(tx::commit);
      assertThat(fs.injected()).as("the fault fired").isNotEmpty();
      return t;
    }
  }

  private Map<String, String> files() throws IOException {
    return FileTransactionCrashTest.userFiles(dir);
  }

  private List<String> staged() throws IOException {
    return FileTransactionCrashTest.staged(dir);
  }

  private void assertUntouched(Throwable t) throws IOException {
    assertThat(t).isInstanceOf(IOException.class).isNotInstanceOf(CommitIncompleteException.class);
    assertThat(files()).isEqualTo(OLD);
    assertThat(staged()).isEmpty();
    assertThat(dir.resolve("sub")).doesNotExist();
    assertThat(FileTransaction.recover(dir)).as("nothing to recover").isFalse();
    assertThat(files()).isEqualTo(OLD);
  }

  // ---- before the commit point: nothing changes

  @Test
  void aFullDiskWhileStagingRefusesTheCommit() throws IOException {
    try (FaultyFileSystem fs = FaultyFileSystem.wrap(dir, Fault.diskFullAfter(3, TEMPS));
        FileTransaction tx = FileTransaction.begin(fs.root(), new InJvmLocker(), Duration.ofSeconds(5))) {
      assertThatThrownBy(() -> tx.write(Path.of("a.txt"), "new a, longer\n")).hasMessageContaining("No space left");
      assertThat(staged()).as("the failed file's staged copy is removed at once").isEmpty();
      assertThatThrownBy(tx::commit).isInstanceOf(IOException.class).hasMessageContaining("an earlier write");
    }
    assertThat(files()).isEqualTo(OLD);
    assertThat(staged()).isEmpty();
  }

  @Test
  void aFailedCloseOfAStagedFileRefusesTheCommit() throws IOException {
    try (FaultyFileSystem fs = FaultyFileSystem.wrap(dir, Fault.failClose(TEMPS));
        FileTransaction tx = FileTransaction.begin(fs.root(), new InJvmLocker(), Duration.ofSeconds(5))) {
      assertThatThrownBy(() -> tx.write(Path.of("a.txt"), "new a\n")).isInstanceOf(IOException.class);
      assertThatThrownBy(tx::commit).isInstanceOf(IOException.class);
    }
    assertThat(files()).isEqualTo(OLD);
    assertThat(staged()).isEmpty();
  }

  @Test
  void aFailedSyncOfAStagedFileChangesNothingAndIsNotRetried() throws IOException {
    try (FaultyFileSystem fs = FaultyFileSystem.wrap(dir, Fault.failSync(TEMPS)); FileTransaction tx = stage(fs.root())) {
      Throwable t = catchThrowable(tx::commit);
      assertUntouched(t);
      assertThat(fs.injected()).as("each staged file's sync failed once, and none was tried again").hasSize(2)
          .doesNotHaveDuplicates();
    }
  }

  @Test
  void aFailedSyncOfTheIntentRecordChangesNothing() throws IOException {
    assertUntouched(commitWith(Fault.failSync("/.txn/intent")));
  }

  @Test
  void aFullDiskWhileWritingTheIntentRecordChangesNothing() throws IOException {
    assertUntouched(commitWith(Fault.diskFullAfter(10, "/.txn/intent")));
  }

  @Test
  void aFailedSyncOfTheStagingDirectoryThatCanBeUndoneChangesNothing() throws IOException {
    // the record is removed and that removal synced: durably not committed
    assertUntouched(commitWith(Fault.failDirectorySync("/.txn").onlyNth(1)));
  }

  // ---- in doubt

  @Test
  void aFailedSyncOfTheStagingDirectoryThatCannotBeUndoneIsInDoubtAndRecoveryDecides() throws IOException {
    CommitIncompleteException e = (CommitIncompleteException) commitWith(Fault.failDirectorySync("/.txn"));
    assertThat(e.committed()).isFalse();
    assertThat(files()).as("nothing was published").isEqualTo(OLD);
    FileTransaction.recover(dir);
    assertThat(files()).as("recovery: all old or all new").isIn(OLD, NEW);
    assertThat(staged()).isEmpty();
  }

  // ---- after the commit point: committed, recovery finishes

  @Test
  void aFailedRenameIsCommittedAndRecoveryMakesEveryChange() throws IOException {
    CommitIncompleteException e = catchThrowableOfType(CommitIncompleteException.class,
        () -> { throw commitWith(Fault.failRename("/sub/b.txt")); });
    assertThat(e.committed()).isTrue();
    assertThat(files()).as("visibly mixed until recovery").containsEntry("a.txt", "new a, longer\n")
        .doesNotContainKey("sub/b.txt");
    assertThat(FileTransaction.read(dir, FileTransactionCrashTest::userFiles)).as("read recovers first").isEqualTo(NEW);
    assertThat(files()).isEqualTo(NEW);
    assertThat(staged()).isEmpty();
  }

  @Test
  void aFailedSyncOfATargetDirectoryIsCommittedAndRecoveryFinishes() throws IOException {
    CommitIncompleteException e = (CommitIncompleteException) commitWith(Fault.failDirectorySync("/sub"));
    assertThat(e.committed()).isTrue();
    assertThat(files()).as("every change is visible").isEqualTo(NEW);
    assertThat(staged()).as("the record stays until recovery").contains("intent");
    assertThat(FileTransaction.recover(dir)).isTrue();
    assertThat(files()).isEqualTo(NEW);
    assertThat(staged()).isEmpty();
  }

  @Test
  void aFailedRemovalOfTheRecordIsCommittedAndRecoveryRemovesIt() throws IOException {
    CommitIncompleteException e = (CommitIncompleteException) commitWith(Fault.failDelete("/.txn/intent"));
    assertThat(e.committed()).isTrue();
    assertThat(files()).isEqualTo(NEW);
    assertThat(staged()).containsExactly("intent");
    // every change was already in place: recovery has nothing left to do but remove the record
    FileTransaction.recover(dir);
    assertThat(files()).isEqualTo(NEW);
    assertThat(staged()).isEmpty();
  }
}
