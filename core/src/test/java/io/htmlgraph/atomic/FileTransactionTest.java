package io.htmlgraph.atomic;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link FileTransaction}: each rule, checked on disk. */
class FileTransactionTest {
  @TempDir Path root;
  @TempDir Path outside;

  private static byte[] bytes(String s) {
    return s.getBytes(UTF_8);
  }

  /** @return every regular file under {@code dir} (relative name to content), links as "-> target" */
  static Map<String, String> tree(Path dir) throws IOException {
    Map<String, String> m = new TreeMap<>();
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.toList()) {
        String rel = dir.relativize(p).toString().replace('\\', '/');
        if (Files.isSymbolicLink(p)) {
          m.put(rel, "-> " + Files.readSymbolicLink(p));
        } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
          m.put(rel, Files.readString(p));
        }
      }
    }
    return m;
  }

  /** @return what the user sees: the tree without the lock's files and the staging directory */
  static Map<String, String> userFiles(Path dir) throws IOException {
    Map<String, String> m = tree(dir);
    m.keySet().removeIf(k -> k.equals(".lock") || k.equals(".lock.owner") || k.startsWith(".txn/")
        // the temp of the lock's owner record, which a process halted while writing it leaves (the lock's
        // business, removed by a sweep; never a file of a transaction, whose names never start so)
        || k.startsWith(".tmp-"));
    return m;
  }

  private List<String> staged() throws IOException {
    Path staging = root.resolve(".txn");
    if (!Files.isDirectory(staging)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(staging)) {
      return s.map(p -> p.getFileName().toString()).filter(n -> !n.equals("fence")).sorted().toList();
    }
  }

  // ---- what a commit does

  @Test
  void commitPublishesEveryWriteAndDelete() throws IOException {
    Files.writeString(root.resolve("a.txt"), "old a");
    Files.writeString(root.resolve("gone.txt"), "old gone");
    try (FileTransaction tx = FileTransaction.begin(root)) {
      tx.write(Path.of("a.txt"), "new a");
      tx.write(Path.of("b.txt"), bytes("new b"));
      tx.write(Path.of("c.bin"), new ByteArrayInputStream(bytes("streamed c")));
      tx.delete(Path.of("gone.txt"));
      tx.commit();
    }
    assertThat(userFiles(root)).containsExactlyInAnyOrderEntriesOf(Map.of(
        "a.txt", "new a", "b.txt", "new b", "c.bin", "streamed c"));
    assertThat(staged()).isEmpty();
  }

  @Test
  void filesInNewSubdirectoriesAreCreated() throws IOException {
    try (FileTransaction tx = FileTransaction.begin(root)) {
      tx.write(Path.of("x/y/z.txt"), "deep");
      tx.write(Path.of("x/w.txt"), "shallow");
      tx.commit();
    }
    assertThat(userFiles(root)).containsExactlyInAnyOrderEntriesOf(Map.of("x/y/z.txt", "deep", "x/w.txt", "shallow"));
  }

  @Test
  void newSubdirectoriesAreNotCreatedBeforeTheCommit() throws IOException {
    try (FileTransaction tx = FileTransaction.begin(root)) {
      tx.write(Path.of("new/dir/f.txt"), "x");
      assertThat(root.resolve("new")).doesNotExist();
    }
    assertThat(root.resolve("new")).doesNotExist();
  }

  @Test
  void deletingAMissingFileIsANoOp() throws IOException {
    Files.writeString(root.resolve("keep.txt"), "kept");
    try (FileTransaction tx = FileTransaction.begin(root)) {
      tx.delete(Path.of("never-there.txt"));
      tx.delete(Path.of("no/such/dir/file.txt"));
      tx.write(Path.of("w.txt"), "w");
      tx.commit();
    }
    assertThat(userFiles(root)).containsExactlyInAnyOrderEntriesOf(Map.of("keep.txt", "kept", "w.txt", "w"));
    assertThat(root.resolve("no")).doesNotExist();
  }

  @Test
  void deletingADirectoryIsRefused() throws IOException {
    Files.createDirectories(root.resolve("d"));
    try (FileTransaction tx = FileTransaction.begin(root)) {
      assertThatThrownBy(() -> tx.delete(Path.of("d"))).isInstanceOf(FileSystemException.class);
      assertThatThrownBy(() -> tx.write(Path.of("d"), "x")).isInstanceOf(FileSystemException.class);
    }
    assertThat(root.resolve("d")).isDirectory();
  }

  @Test
  void anEmptyTransactionCommitsNothing() throws IOException {
    try (FileTransaction tx = FileTransaction.begin(root)) {
      tx.commit();
    }
    assertThat(userFiles(root)).isEmpty();
    assertThat(staged()).isEmpty();
  }

  @Test
  void aReplacedFileKeepsItsPermissionsAndANewFileGetsTheUmasks() throws IOException {
    assumeTrue(root.getFileSystem().supportedFileAttributeViews().contains("posix"), "POSIX permissions");
    Path secret = root.resolve("secret.txt");
    Files.writeString(secret, "old");
    Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-rw----"));
    Path reference = Files.writeString(root.resolve("reference"), "made the ordinary way");
    try (FileTransaction tx = FileTransaction.begin(root)) {
      tx.write(Path.of("secret.txt"), "new");
      tx.write(Path.of("fresh.txt"), "fresh");
      tx.commit();
    }
    assertThat(Files.readString(secret)).isEqualTo("new");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(secret))).isEqualTo("rw-rw----");
    assertThat(Files.getPosixFilePermissions(root.resolve("fresh.txt"))).isEqualTo(Files.getPosixFilePermissions(reference));
  }

  @Test
  void absolutePathsUnderTheRootAreAccepted() throws IOException {
    try (FileTransaction tx = FileTransaction.begin(root)) {
      tx.write(root.resolve("abs.txt").toAbsolutePath(), "absolute");
      tx.commit();
    }
    assertThat(Files.readString(root.resolve("abs.txt"))).isEqualTo("absolute");
  }

  @Test
  void oddNamesSurviveTheIntentRecordAndRecovery() throws IOException {
    List<String> names = List.of("with space.txt", "100% sure.txt", "new\nline.txt", "é中/ünïcode.txt");
    // stop the commit right after its commit point, as a crash would: the record alone tells recovery
    // which file is which
    class Crash extends Error {
      private static final long serialVersionUID = 1L;
    }
    io.htmlgraph.atomic.internal.TransactionLog.Hook crashAtCommitPoint = new io.htmlgraph.atomic.internal.TransactionLog.Hook() {
      @Override
      public void reached(io.htmlgraph.atomic.internal.TransactionLog.Step step) {
        if (step == io.htmlgraph.atomic.internal.TransactionLog.Step.DURABLE) {
          throw new Crash();
        }
      }
    };
    try (FileTransaction tx = FileTransaction.begin(root)) {
      for (String n : names) {
        tx.write(Path.of(n), "content of " + n);
      }
      assertThatThrownBy(() -> io.htmlgraph.atomic.internal.TransactionLog.withHook(crashAtCommitPoint, () -> {
        tx.commit();
        return null;
      })).isInstanceOf(Crash.class);
    }
    assertThat(userFiles(root)).isEmpty();
    assertThat(FileTransaction.recover(root)).isTrue();
    Map<String, String> expected = new TreeMap<>();
    names.forEach(n -> expected.put(n, "content of " + n));
    assertThat(userFiles(root)).isEqualTo(expected);
  }

  // ---- close, commit twice, writes after the end

  @Test
  void closeWithoutCommitChangesNothingAndRemovesStagedFiles() throws IOException {
    Files.writeString(root.resolve("a.txt"), "old a");
    try (FileTransaction tx = FileTransaction.begin(root)) {
      tx.write(Path.of("a.txt"), "new a");
      tx.write(Path.of("b.txt"), "new b");
      tx.delete(Path.of("a2.txt"));
      assertThat(staged()).hasSize(2);
    }
    assertThat(userFiles(root)).containsExactlyEntriesOf(Map.of("a.txt", "old a"));
    assertThat(staged()).isEmpty();
  }

  @Test
  void closeReleasesTheLock() throws IOException {
    FileTransaction.begin(root).close();
    DirectoryLocker other = new DirectoryLocker(root);
    assertThat(other.acquireExclusiveLock(Duration.ZERO)).isTrue();
    other.releaseLock();
  }

  @Test
  void theLockIsHeldFromBeginToClose() throws IOException {
    try (FileTransaction tx = FileTransaction.begin(root)) {
      DirectoryLocker other = new DirectoryLocker(root);
      assertThat(other.acquireSharedLock(Duration.ZERO)).isFalse();
      assertThatThrownBy(() -> FileTransaction.begin(root, other, Duration.ofMillis(50)))
          .isInstanceOf(LockTimeoutException.class);
      tx.commit();
      assertThat(other.acquireSharedLock(Duration.ZERO)).isFalse();
    }
  }

  @Test
  void commitTwiceIsRefused() throws IOException {
    try (FileTransaction tx = FileTransaction.begin(root)) {
      tx.write(Path.of("a.txt"), "a");
      tx.commit();
      assertThatThrownBy(tx::commit).isInstanceOf(IllegalStateException.class);
    }
    assertThat(Files.readString(root.resolve("a.txt"))).isEqualTo("a");
  }

  @Test
  void writeAfterCommitIsRefused() throws IOException {
    try (FileTransaction tx = FileTransaction.begin(root)) {
      tx.write(Path.of("a.txt"), "a");
      tx.commit();
      assertThatThrownBy(() -> tx.write(Path.of("b.txt"), "b")).isInstanceOf(IllegalStateException.class);
      assertThatThrownBy(() -> tx.delete(Path.of("a.txt"))).isInstanceOf(IllegalStateException.class);
    }
    assertThat(userFiles(root)).containsExactlyEntriesOf(Map.of("a.txt", "a"));
    assertThat(staged()).isEmpty();
  }

  @Test
  void writeAfterCloseIsRefused() throws IOException {
    FileTransaction tx = FileTransaction.begin(root);
    tx.close();
    assertThatThrownBy(() -> tx.write(Path.of("b.txt"), "b")).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(tx::commit).isInstanceOf(IllegalStateException.class);
    assertThat(userFiles(root)).isEmpty();
  }

  // ---- paths

  @Test
  void dotDotOutOfTheRootIsRefusedBeforeAnythingIsStaged() throws IOException {
    try (FileTransaction tx = FileTransaction.begin(root)) {
      Path escape = Path.of("..", outside.getFileName().toString(), "evil.txt");
      assertThatThrownBy(() -> tx.write(escape, "x")).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> tx.write(Path.of("sub/../../evil.txt"), "x")).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> tx.delete(Path.of("../whatever"))).isInstanceOf(IllegalArgumentException.class);
      assertThat(staged()).isEmpty();
      tx.write(Path.of("fine.txt"), "still usable");
      tx.commit();
    }
    assertThat(tree(outside)).isEmpty();
    assertThat(userFiles(root)).containsExactlyEntriesOf(Map.of("fine.txt", "still usable"));
  }

  @Test
  void anAbsolutePathOutsideTheRootIsRefused() throws IOException {
    try (FileTransaction tx = FileTransaction.begin(root)) {
      assertThatThrownBy(() -> tx.write(outside.resolve("evil.txt"), "x")).isInstanceOf(IllegalArgumentException.class);
      assertThat(staged()).isEmpty();
    }
    assertThat(tree(outside)).isEmpty();
  }

  @Test
  void aLinkedDirectoryLeadingOutIsRefused() throws IOException {
    Files.createSymbolicLink(root.resolve("out"), outside);
    try (FileTransaction tx = FileTransaction.begin(root)) {
      assertThatThrownBy(() -> tx.write(Path.of("out/evil.txt"), "x")).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> tx.write(Path.of("out/new/evil.txt"), "x")).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> tx.delete(Path.of("out/evil.txt"))).isInstanceOf(IllegalArgumentException.class);
      assertThat(staged()).isEmpty();
    }
    assertThat(tree(outside)).isEmpty();
  }

  @Test
  void aLinkedFileLeadingOutIsRefused() throws IOException {
    Path victim = Files.writeString(outside.resolve("victim.txt"), "untouched");
    Files.createSymbolicLink(root.resolve("link.txt"), victim);
    Files.createSymbolicLink(root.resolve("hop.txt"), Path.of("link.txt"));
    try (FileTransaction tx = FileTransaction.begin(root)) {
      assertThatThrownBy(() -> tx.write(Path.of("link.txt"), "x")).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> tx.write(Path.of("hop.txt"), "x")).isInstanceOf(IllegalArgumentException.class);
      assertThat(staged()).isEmpty();
    }
    assertThat(Files.readString(victim)).isEqualTo("untouched");
  }

  @Test
  void dotDotThroughALinkedDirectoryFollowsTheKernelNotTheText() throws IOException {
    // root/a -> outside/inner, so root/a/../x is outside/x for the kernel, not root/x as the text says
    Path inner = Files.createDirectories(outside.resolve("inner"));
    Files.createSymbolicLink(root.resolve("a"), inner);
    try (FileTransaction tx = FileTransaction.begin(root)) {
      assertThatThrownBy(() -> tx.write(Path.of("a/../x.txt"), "x")).isInstanceOf(IllegalArgumentException.class);
    }
    assertThat(tree(outside)).isEmpty();
    assertThat(root.resolve("x.txt")).doesNotExist();
  }

  @Test
  void aLinkInsideTheRootIsWrittenThroughAndKept() throws IOException {
    Files.createDirectories(root.resolve("real"));
    Files.writeString(root.resolve("real/data.txt"), "old");
    Files.createSymbolicLink(root.resolve("alias.txt"), Path.of("real/data.txt"));
    try (FileTransaction tx = FileTransaction.begin(root)) {
      tx.write(Path.of("alias.txt"), "new");
      tx.commit();
    }
    assertThat(Files.isSymbolicLink(root.resolve("alias.txt"))).isTrue();
    assertThat(Files.readString(root.resolve("real/data.txt"))).isEqualTo("new");
  }

  @Test
  void deletingALinkDeletesTheLinkOnly() throws IOException {
    Files.writeString(root.resolve("data.txt"), "kept");
    Files.createSymbolicLink(root.resolve("alias.txt"), Path.of("data.txt"));
    try (FileTransaction tx = FileTransaction.begin(root)) {
      tx.delete(Path.of("alias.txt"));
      tx.commit();
    }
    assertThat(root.resolve("alias.txt")).doesNotExist();
    assertThat(Files.readString(root.resolve("data.txt"))).isEqualTo("kept");
  }

  @Test
  void theSameFileTwiceIsRefusedHoweverItIsSpelled() throws IOException {
    Files.createDirectories(root.resolve("sub"));
    Files.writeString(root.resolve("a.txt"), "old");
    Files.createSymbolicLink(root.resolve("alias.txt"), Path.of("a.txt"));
    Files.createSymbolicLink(root.resolve("subalias"), Path.of("sub"));
    try (FileTransaction tx = FileTransaction.begin(root)) {
      tx.write(Path.of("a.txt"), "first");
      for (Path same : List.of(Path.of("./a.txt"), Path.of("sub/../a.txt"), Path.of("alias.txt"),
          root.resolve("a.txt").toAbsolutePath())) {
        assertThatThrownBy(() -> tx.write(same, "second")).as("%s", same).isInstanceOf(IllegalArgumentException.class);
      }
      assertThatThrownBy(() -> tx.delete(Path.of("a.txt"))).isInstanceOf(IllegalArgumentException.class);
      tx.write(Path.of("sub/b.txt"), "b");
      assertThatThrownBy(() -> tx.write(Path.of("subalias/b.txt"), "b2")).isInstanceOf(IllegalArgumentException.class);
      tx.commit();
    }
    assertThat(Files.readString(root.resolve("a.txt"))).isEqualTo("first");
    assertThat(Files.readString(root.resolve("sub/b.txt"))).isEqualTo("b");
  }

  @Test
  void theStagingDirectoryAndTheLockFilesCannotBeWritten() throws IOException {
    try (FileTransaction tx = FileTransaction.begin(root)) {
      for (String reserved : List.of(".lock", ".lock.owner", ".txn", ".txn/intent", ".txn/fence", ".txn/x/y")) {
        assertThatThrownBy(() -> tx.write(Path.of(reserved), "x")).as(reserved).isInstanceOfAny(
            IllegalArgumentException.class, FileSystemException.class);
      }
      assertThatThrownBy(() -> tx.delete(Path.of(".lock"))).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> tx.write(Path.of(".txn/intent"), "x")).isInstanceOf(IllegalArgumentException.class);
      assertThat(staged()).isEmpty();
    }
    assertThat(Files.size(root.resolve(".lock"))).isZero();
  }

  @Test
  void theRootItselfCannotBeWritten() throws IOException {
    try (FileTransaction tx = FileTransaction.begin(root)) {
      assertThatThrownBy(() -> tx.write(Path.of("."), "x")).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> tx.write(Path.of("sub/.."), "x")).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> tx.write(root, "x")).isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void aFileOnTheWayIsRefused() throws IOException {
    Files.writeString(root.resolve("plain"), "a file, not a directory");
    try (FileTransaction tx = FileTransaction.begin(root)) {
      assertThatThrownBy(() -> tx.write(Path.of("plain/x.txt"), "x")).isInstanceOf(FileSystemException.class);
      assertThat(staged()).isEmpty();
    }
  }

  @Test
  void aBadPathDoesNotSpoilTheTransaction() throws IOException {
    try (FileTransaction tx = FileTransaction.begin(root)) {
      tx.write(Path.of("a.txt"), "a");
      assertThatThrownBy(() -> tx.write(Path.of("../x"), "x")).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> tx.write(Path.of("a.txt"), "again")).isInstanceOf(IllegalArgumentException.class);
      tx.commit();
    }
    assertThat(userFiles(root)).containsExactlyEntriesOf(Map.of("a.txt", "a"));
  }

  @Test
  void aDirectoryOnAnotherFileSystemIsRefusedBeforeAnythingIsStaged() throws Exception {
    assumeTrue(TestFiles.isRoot(), "mounting a tmpfs needs root");
    try (TestFiles.Tmpfs mounted = new TestFiles.Tmpfs(root.resolve("mnt"), "size=1m")) {
      try (FileTransaction tx = FileTransaction.begin(root)) {
        tx.write(Path.of("a.txt"), "a");
        assertThatThrownBy(() -> tx.write(Path.of("mnt/x.txt"), "x")).isInstanceOf(AtomicMoveNotSupportedException.class);
        assertThat(staged()).hasSize(1);
        tx.commit();
      }
      assertThat(mounted.dir.resolve("x.txt")).doesNotExist();
    }
    assertThat(Files.readString(root.resolve("a.txt"))).isEqualTo("a");
  }

  @Test
  void aBindMountBelowTheRootFailsTheCommitBeforeAnythingIsPublished() throws Exception {
    assumeTrue(TestFiles.isRoot(), "a bind mount needs root");
    Path source = Files.createDirectories(root.resolve("src"));
    Path bound = Files.createDirectories(root.resolve("bound"));
    Files.writeString(root.resolve("a.txt"), "old a");
    assumeTrue(TestFiles.run("mount", "--bind", source.toString(), bound.toString()) == 0, "mount --bind failed");
    try {
      try (FileTransaction tx = FileTransaction.begin(root)) {
        tx.write(Path.of("a.txt"), "new a");
        tx.write(Path.of("bound/x.txt"), "x"); // same device: only the link at commit can tell (EXDEV)
        assertThatThrownBy(tx::commit).isInstanceOf(FileSystemException.class)
            .isNotInstanceOf(CommitIncompleteException.class);
      }
      assertThat(Files.readString(root.resolve("a.txt"))).isEqualTo("old a");
      assertThat(TestFiles.names(bound)).isEmpty();
      assertThat(staged()).isEmpty();
      assertThat(FileTransaction.recover(root)).isFalse();
      assertThat(Files.readString(root.resolve("a.txt"))).isEqualTo("old a");
    } finally {
      TestFiles.run("umount", bound.toString());
    }
  }

  // ---- conditional writes

  @Test
  void writeIfAtTheExpectedVersionCommits() throws IOException {
    Path index = Files.writeString(root.resolve("index.json"), "v1");
    FileVersion v1 = FileVersion.of(index);
    try (FileTransaction tx = FileTransaction.begin(root)) {
      tx.writeIf(Path.of("index.json"), v1, bytes("v2"));
      tx.write(Path.of("other.txt"), "other");
      tx.commit();
    }
    assertThat(Files.readString(index)).isEqualTo("v2");
    assertThat(FileVersion.of(index)).isNotEqualTo(v1);
  }

  @Test
  void writeIfAtAnotherVersionFailsTheWholeCommitAndChangesNothing() throws IOException {
    Path index = Files.writeString(root.resolve("index.json"), "v1");
    Files.writeString(root.resolve("doomed.txt"), "stays");
    FileVersion v1 = FileVersion.of(index);
    AtomicFileWriter.atomicWrite(index, "v1"); // same bytes, another version
    FileVersion now = FileVersion.of(index);
    try (FileTransaction tx = FileTransaction.begin(root)) {
      tx.writeIf(Path.of("index.json"), v1, bytes("v2"));
      tx.write(Path.of("other.txt"), "other");
      tx.delete(Path.of("doomed.txt"));
      VersionConflictException e = catchThrowableOfType(VersionConflictException.class, tx::commit);
      assertThat(e.file()).isEqualTo(Path.of("index.json"));
      assertThat(e.expected()).isEqualTo(v1);
      assertThat(e.actual()).isEqualTo(now);
    }
    assertThat(userFiles(root)).containsExactlyInAnyOrderEntriesOf(Map.of("index.json", "v1", "doomed.txt", "stays"));
    assertThat(staged()).isEmpty();
  }

  @Test
  void writeIfAbsentCreatesOnlyAMissingFile() throws IOException {
    try (FileTransaction tx = FileTransaction.begin(root)) {
      tx.writeIf(Path.of("new.txt"), FileVersion.absent(), bytes("created"));
      tx.commit();
    }
    assertThat(Files.readString(root.resolve("new.txt"))).isEqualTo("created");
    try (FileTransaction tx = FileTransaction.begin(root)) {
      tx.writeIf(Path.of("new.txt"), FileVersion.absent(), bytes("again"));
      assertThatThrownBy(tx::commit).isInstanceOf(VersionConflictException.class);
    }
    assertThat(Files.readString(root.resolve("new.txt"))).isEqualTo("created");
  }

  // ---- a lock lost before the commit

  /** A locker whose holds carry a chosen fencing token, and can be declared lost. */
  private static final class TokenLocker implements Locker {
    long nextToken;
    boolean lost;

    TokenLocker(long firstToken) {
      this.nextToken = firstToken;
    }

    @Override
    public HeldLock lockExclusive(Duration timeout) {
      long token = nextToken++;
      return new HeldLock() {
        boolean closed;
        @Override public LockMode mode() { return LockMode.EXCLUSIVE; }
        @Override public boolean isHeld() { return !closed && !lost; }
        @Override public long fencingToken() { return token; }
        @Override public void close() { closed = true; }
      };
    }

    @Override
    public HeldLock lockShared(Duration timeout) {
      throw new UnsupportedOperationException();
    }

    @Override
    public java.util.Optional<LockOwner> owner() {
      return java.util.Optional.empty();
    }
  }

  @Test
  void aLockLostBeforeTheCommitPublishesNothing() throws IOException {
    Files.writeString(root.resolve("a.txt"), "old a");
    TokenLocker locker = new TokenLocker(0);
    try (FileTransaction tx = FileTransaction.begin(root, locker, Duration.ofSeconds(1))) {
      tx.write(Path.of("a.txt"), "new a");
      tx.write(Path.of("b.txt"), "new b");
      locker.lost = true; // a ZooKeeper session that expired while the transaction staged
      assertThatThrownBy(tx::commit).isInstanceOf(LockLostException.class);
    }
    assertThat(userFiles(root)).containsExactlyEntriesOf(Map.of("a.txt", "old a"));
    assertThat(staged()).isEmpty();
  }

  @Test
  void aHolderWithAnOlderFencingTokenThanTheLastCommitPublishesNothing() throws IOException {
    try (FileTransaction tx = FileTransaction.begin(root, new TokenLocker(7), Duration.ofSeconds(1))) {
      tx.write(Path.of("a.txt"), "by the holder of token 7");
      tx.commit();
    }
    assertThat(Fencing.recorded(root.resolve(".txn/fence"))).isEqualTo(7);
    try (FileTransaction tx = FileTransaction.begin(root, new TokenLocker(5), Duration.ofSeconds(1))) {
      tx.write(Path.of("a.txt"), "by a stale holder of token 5");
      assertThatThrownBy(tx::commit).isInstanceOf(LockLostException.class);
    }
    assertThat(Files.readString(root.resolve("a.txt"))).isEqualTo("by the holder of token 7");
  }

  // ---- read and recover on a clean root

  @Test
  void readRunsTheReaderOnTheRoot() throws IOException {
    Files.writeString(root.resolve("a.txt"), "content");
    String got = FileTransaction.read(root, r -> Files.readString(r.resolve("a.txt")));
    assertThat(got).isEqualTo("content");
  }

  @Test
  void readHoldsTheSharedLock() throws IOException {
    boolean excluded = FileTransaction.read(root, r -> {
      DirectoryLocker other = new DirectoryLocker(root);
      boolean got = other.acquireExclusiveLock(Duration.ZERO);
      if (got) {
        other.releaseLock();
      }
      return !got;
    });
    assertThat(excluded).isTrue();
  }

  @Test
  void readOfAMissingRootIsRefusedAndCreatesNothing() {
    Path missing = root.resolve("missing");
    assertThatThrownBy(() -> FileTransaction.read(missing, r -> "x")).isInstanceOf(NoSuchFileException.class);
    assertThat(missing).doesNotExist();
  }

  @Test
  void recoverOfACleanRootFindsNothing() throws IOException {
    assertThat(FileTransaction.recover(root)).isFalse();
    assertThat(FileTransaction.recover(root.resolve("missing"))).isFalse();
    assertThat(root.resolve("missing")).doesNotExist();
  }
}
