package io.htmlgraph.atomic.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.htmlgraph.atomic.CommitIncompleteException;
import io.htmlgraph.atomic.DirectoryLock;
import io.htmlgraph.atomic.DirectoryLocker;
import io.htmlgraph.atomic.FileTransaction;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
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

/** {@code atomic txn} and {@code atomic recover}. */
class TxnRecoverTest {
  @TempDir Path dir;

  private Path root;
  private Path src;

  @BeforeEach
  void files() throws IOException {
    root = Files.createDirectory(dir.resolve("root"));
    src = Files.createDirectory(dir.resolve("src"));
    Files.writeString(root.resolve("a.txt"), "old a\n");
    Files.writeString(root.resolve("gone.txt"), "to be deleted\n");
    Files.writeString(src.resolve("a.new"), "new a ✓\n");
    Files.writeString(src.resolve("c.new"), "new c\n");
  }

  /** @return every file and directory under {@code d} with its content, links as their targets */
  private static Map<String, String> tree(Path d) throws IOException {
    Map<String, String> m = new TreeMap<>();
    try (Stream<Path> s = Files.walk(d)) {
      for (Path p : s.toList()) {
        String rel = d.relativize(p).toString();
        if (rel.isEmpty()) {
          continue;
        }
        if (Files.isSymbolicLink(p)) {
          m.put(rel, "-> " + Files.readSymbolicLink(p));
        } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
          m.put(rel + "/", "");
        } else {
          m.put(rel, Files.readString(p));
        }
      }
    }
    return m;
  }

  /** @return the user's files under the root: neither the lock's nor the staging directory's */
  private Map<String, String> userFiles() throws IOException {
    Map<String, String> m = new TreeMap<>(tree(root));
    m.keySet().removeIf(k -> k.equals(".lock") || k.equals(".lock.owner") || k.startsWith(".txn"));
    return m;
  }

  private List<String> staging() throws Exception {
    Path staging = root.resolve(".txn");
    if (!Files.isDirectory(staging)) {
      return List.of();
    }
    return Cli.list(staging);
  }

  @Test
  void txnPublishesFilesFromSourcesAndStandardInputAndDeletesInOneTransaction() throws Exception {
    Cli.Result r = Cli.runWithInput("from standard input\n", "txn", root.toString(),
        "a.txt=" + src.resolve("a.new"), "sub/dir/b.txt=-", "c.txt=" + src.resolve("c.new"), "--delete", "gone.txt",
        "--delete", "never-there.txt");
    assertThat(r.err()).isEmpty();
    assertThat(r.code()).isZero();
    assertThat(r.out()).as("prints nothing, as write").isEmpty();
    assertThat(userFiles()).isEqualTo(Map.of("a.txt", "new a ✓\n", "c.txt", "new c\n", "sub/", "", "sub/dir/", "",
        "sub/dir/b.txt", "from standard input\n"));
    assertThat(staging()).as("nothing left staged").isEmpty();
    assertThat(Files.readString(src.resolve("a.new"))).as("sources untouched").isEqualTo("new a ✓\n");
  }

  @Test
  void txnOfDeletesOnly() throws Exception {
    Cli.Result r = Cli.run("txn", root.toString(), "--delete", "gone.txt", "--delete", "a.txt");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(userFiles()).isEmpty();
  }

  @Test
  void txnSwapsTwoFilesWhoseSourcesAreUnderTheRoot() throws Exception {
    Files.writeString(root.resolve("b.txt"), "old b\n");
    Cli.Result r = Cli.run("txn", root.toString(), "a.txt=" + root.resolve("b.txt"), "b.txt=" + root.resolve("a.txt"));
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(userFiles()).containsEntry("a.txt", "old b\n").containsEntry("b.txt", "old a\n");
  }

  /** A bad invocation, what it must answer, and that nothing on disk changed. */
  private void assertRefused(int code, String message, String... args) throws Exception {
    Map<String, String> rootBefore = tree(root);
    Map<String, String> dirBefore = tree(dir);
    List<String> all = new ArrayList<>(List.of("txn"));
    all.addAll(List.of(args));
    Cli.Result r = Cli.runWithInput("input\n", all.toArray(String[]::new));
    String what = String.join(" ", all);
    assertThat(r.code()).as(what + " -> " + r.err()).isEqualTo(code);
    assertThat(r.err()).as(what).contains(message);
    if (code == 1) {
      assertThat(r.err()).as(what + ": one line").startsWith("atomic: ").hasLineCount(1).doesNotContain("\tat ");
    } else {
      assertThat(r.err().lines().findFirst().orElseThrow()).as(what + ": the message first").contains(message);
      assertThat(r.err()).as(what + ": then the usage").contains("Usage: atomic txn");
    }
    assertThat(r.out()).as(what).isEmpty();
    assertThat(tree(dir)).as(what + ": nothing on disk changed").isEqualTo(dirBefore);
    assertThat(tree(root)).as(what).isEqualTo(rootBefore);
  }

  @Test
  void badInputIsRefusedWithOneLineAndNothingChanges() throws Exception {
    String r = root.toString();
    String a = src.resolve("a.new").toString();
    String c = src.resolve("c.new").toString();
    // bad usage: exit 2, the message, then the usage
    assertRefused(2, "Missing FILE=SOURCE (or --delete FILE): nothing to do", r);
    assertRefused(2, "'a.txt' is not FILE=SOURCE", r, "a.txt");
    assertRefused(2, "'=" + a + "': FILE is empty", r, "=" + a);
    assertRefused(2, "'a.txt=': SOURCE is empty", r, "a.txt=");
    assertRefused(2, "'../escape.txt' is not a file under ROOT", r, "../escape.txt=" + a);
    assertRefused(2, "is not a file under ROOT", r, dir.resolve("elsewhere.txt") + "=" + a);
    assertRefused(2, "is not a file under ROOT", r, "sub/../../escape.txt=" + a);
    assertRefused(2, "is not a file under ROOT", r, ".=" + a);
    assertRefused(2, "'./a.txt' names the same file as 'a.txt'", r, "a.txt=" + a, "./a.txt=" + c);
    assertRefused(2, "names the same file as 'a.txt'", r, "a.txt=" + a, "--delete", "a.txt");
    assertRefused(2, "standard input (-) can be the SOURCE of one FILE only", r, "a.txt=-", "b.txt=-");
    assertRefused(2, "Missing required parameter", new String[0]);
    // errors: exit 1, one line
    assertRefused(1, src.resolve("missing") + ": no such file (the SOURCE of b.txt); nothing committed",
        r, "a.txt=" + a, "b.txt=" + src.resolve("missing"));
    assertRefused(1, src + ": is a directory (the SOURCE of b.txt)", r, "b.txt=" + src);
    assertRefused(1, dir.resolve("nowhere") + ": no such directory", dir.resolve("nowhere").toString(), "a.txt=" + a);
    Files.createDirectory(root.resolve("adir"));
    assertRefused(1, r + ": adir: is a directory; nothing committed", r, "a.txt=" + a, "adir=" + c);
    assertRefused(1, r + ": adir: is a directory; nothing committed", r, "--delete", "adir");
  }

  @Test
  void aLinkThatLeadsOutOfTheRootIsRefusedAndNothingChanges() throws Exception {
    Path outside = Files.createDirectory(dir.resolve("outside"));
    Files.writeString(outside.resolve("secret"), "outside\n");
    Files.createSymbolicLink(root.resolve("out"), outside);
    Files.createSymbolicLink(root.resolve("secret-link"), outside.resolve("secret"));
    assertRefused(1, root + ": out/x.txt: refused (leads outside the root, to " + outside.toRealPath() + ")",
        root.toString(), "a.txt=" + src.resolve("a.new"), "out/x.txt=" + src.resolve("c.new"));
    assertRefused(1, "secret-link: refused (leads outside the root", root.toString(),
        "secret-link=" + src.resolve("c.new"));
    assertRefused(1, "out/secret: refused (leads outside the root", root.toString(), "--delete", "out/secret");
    assertThat(Files.readString(outside.resolve("secret"))).isEqualTo("outside\n");
  }

  @Test
  void aLinkInsideTheRootIsWrittenThroughAndALinkIsDeletedItself() throws Exception {
    Path outside = Files.createDirectory(dir.resolve("outside"));
    Files.createSymbolicLink(root.resolve("a-link"), root.resolve("a.txt"));
    Files.createSymbolicLink(root.resolve("out"), outside);
    Cli.Result r = Cli.run("txn", root.toString(), "a-link=" + src.resolve("a.new"), "--delete", "out");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(Files.isSymbolicLink(root.resolve("a-link"))).as("the link stays").isTrue();
    assertThat(Files.readString(root.resolve("a.txt"))).isEqualTo("new a ✓\n");
    assertThat(root.resolve("out")).as("the link is deleted").doesNotExist();
    assertThat(outside).as("not what it pointed to").isDirectory();
  }

  @Test
  void aLockHeldElsewhereTimesOutWithExit75AndNothingChanges() throws Exception {
    Map<String, String> before = userFiles();
    try (DirectoryLock held = new DirectoryLocker(root).lockExclusive(Duration.ZERO)) {
      Cli.Result r = Cli.run("txn", "--timeout", "100ms", root.toString(), "a.txt=" + src.resolve("a.new"));
      assertThat(r.code()).isEqualTo(75);
      assertThat(r.err()).startsWith("atomic: " + root + ": lock not obtained within 100ms").hasLineCount(1);
      Cli.Result rec = Cli.run("recover", "--timeout", "0s", root.toString());
      assertThat(rec.code()).isEqualTo(75);
    }
    assertThat(userFiles()).isEqualTo(before);
  }

  @Test
  void txnRefusesAClosedStandardInputAndChangesNothing() throws Exception {
    Map<String, String> before = tree(root);
    ChildCli.Result r = ChildCli.shell(dir, "<&-", "txn", "root", "a.txt=-");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).isEqualTo("atomic: a.txt: standard input is closed (for an empty file, give </dev/null); "
        + "nothing committed\n");
    assertThat(tree(root)).isEqualTo(before);
    // with descriptor 1 closed it still works: it prints nothing
    ChildCli.Result ok = ChildCli.shell(dir, ">&- <src/c.new", "txn", "root", "a.txt=-");
    assertThat(ok.code()).as(ok.err()).isZero();
    assertThat(Files.readString(root.resolve("a.txt"))).isEqualTo("new c\n");
  }

  @Test
  void recoverSaysThereWasNothingOnACleanRoot() throws Exception {
    Cli.Result r = Cli.run("recover", root.toString());
    assertThat(r.code()).isZero();
    assertThat(r.out()).isEqualTo(root + ": no interrupted commit" + System.lineSeparator());
    Cli.Result missing = Cli.run("recover", dir.resolve("nowhere").toString());
    assertThat(missing.code()).isEqualTo(1);
    assertThat(missing.err()).isEqualTo("atomic: " + dir.resolve("nowhere") + ": no such directory" + System.lineSeparator());
  }

  /**
   * A commit that failed after its commit point: the file to delete became a directory between staging
   * and commit (a transaction deletes files only). The renames are done, the delete is not, and the
   * intent record stays.
   */
  private void interruptedCommit() throws IOException {
    try (FileTransaction tx = FileTransaction.begin(root)) {
      tx.write(Path.of("a.txt"), "new a\n");
      tx.write(Path.of("b.txt"), "new b\n");
      tx.delete(Path.of("gone.txt"));
      Files.delete(root.resolve("gone.txt"));
      Files.createDirectory(root.resolve("gone.txt"));
      CommitIncompleteException e = catchThrowableOfType(CommitIncompleteException.class, tx::commit);
      assertThat(e.committed()).isTrue();
    }
  }

  @Test
  void recoverFinishesACommitThatWasInterruptedAfterItsCommitPoint() throws Exception {
    interruptedCommit();
    Cli.Result blocked = Cli.run("recover", root.toString());
    assertThat(blocked.code()).as("the cause is still there").isEqualTo(1);
    assertThat(blocked.err()).startsWith("atomic: " + root + ": an interrupted commit cannot be finished").hasLineCount(1)
        .contains("became a directory");
    assertThat(userFiles()).containsEntry("a.txt", "new a\n").containsKey("gone.txt/");

    Files.delete(root.resolve("gone.txt"));
    Cli.Result r = Cli.run("recover", root.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).isEqualTo(root + ": finished an interrupted commit: every change it staged is made"
        + System.lineSeparator());
    assertThat(userFiles()).isEqualTo(Map.of("a.txt", "new a\n", "b.txt", "new b\n"));
    assertThat(staging()).isEmpty();
    assertThat(Cli.run("recover", root.toString()).out()).isEqualTo(root + ": no interrupted commit" + System.lineSeparator());
  }

  @Test
  void txnFinishesAnInterruptedCommitBeforeItsOwn() throws Exception {
    interruptedCommit();
    Cli.Result blocked = Cli.run("txn", root.toString(), "c.txt=" + src.resolve("c.new"));
    assertThat(blocked.code()).isEqualTo(1);
    assertThat(blocked.err()).startsWith("atomic: " + root + ": an interrupted commit cannot be finished (fix the cause "
        + "and run again); nothing committed: ").contains("became a directory").hasLineCount(1);
    assertThat(root.resolve("c.txt")).doesNotExist();
    Files.delete(root.resolve("gone.txt"));
    Cli.Result r = Cli.run("txn", root.toString(), "c.txt=" + src.resolve("c.new"));
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(userFiles()).isEqualTo(Map.of("a.txt", "new a\n", "b.txt", "new b\n", "c.txt", "new c\n"));
  }

  @Test
  void aTxnWhoseCommitFailsAfterTheCommitPointSaysItIsCommitted() throws Exception {
    // The file to delete becomes a directory between staging and commit, as a concurrent program
    // could arrange: the renames are done, the delete fails, the intent record stays. A FIFO as the
    // last SOURCE lets the test act at that moment: the command blocks reading it, after staging the
    // delete and a.txt.
    Path fifo = dir.resolve("fifo");
    Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).start();
    assertThat(mkfifo.waitFor()).isZero();
    Thread writer = new Thread(() -> {
      try (OutputStream out = Files.newOutputStream(fifo)) { // opens once the command opened it to read
        Files.delete(root.resolve("gone.txt"));
        Files.createDirectory(root.resolve("gone.txt"));
        out.write("from the fifo\n".getBytes(StandardCharsets.UTF_8));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
    writer.start();
    Cli.Result r = Cli.run("txn", root.toString(), "a.txt=" + src.resolve("a.new"), "f.txt=" + fifo,
        "--delete", "gone.txt");
    writer.join();
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).startsWith("atomic: " + root + ": committed, not complete (the next `atomic txn` or `atomic recover "
        + root + "` makes every change): ").contains("became a directory").hasLineCount(1);
    assertThat(userFiles()).as("visibly mixed until recovered").containsEntry("a.txt", "new a ✓\n")
        .containsKey("gone.txt/");
    Files.delete(root.resolve("gone.txt"));
    assertThat(Cli.run("recover", root.toString()).code()).isZero();
    assertThat(userFiles()).isEqualTo(Map.of("a.txt", "new a ✓\n", "f.txt", "from the fifo\n"));
  }
}
