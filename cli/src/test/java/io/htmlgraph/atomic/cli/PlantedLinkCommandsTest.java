package io.htmlgraph.atomic.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every command, run as root in a sticky world-writable directory, refuses a symbolic link that
 * another user planted there (the kernel's protected_symlinks rule, applied whatever the sysctl says):
 * nothing is read from, created in or swept from where the link leads.
 */
class PlantedLinkCommandsTest {
  private static final int NOBODY = 65534;

  @TempDir Path dir;
  private Path shared;
  private Path rootDir;
  private Path victim;

  @BeforeEach
  void setUp() throws Exception {
    assumeTrue("root".equals(System.getProperty("user.name")),
        "planting a link owned by another user needs root (lchown); skipped as " + System.getProperty("user.name"));
    shared = Files.createDirectory(dir.resolve("shared"));
    Files.setAttribute(shared, "unix:mode", 01777);
    rootDir = Files.createDirectory(dir.resolve("root-only"), PosixFilePermissions.asFileAttribute(
        PosixFilePermissions.fromString("rwx------")));
    victim = Files.writeString(rootDir.resolve("victim"), "secret\n");
  }

  /** @return a link at {@code at} to {@code to}, owned by nobody */
  private static Path planted(Path at, Path to) throws Exception {
    Files.createSymbolicLink(at, to);
    Files.setAttribute(at, "unix:uid", NOBODY, LinkOption.NOFOLLOW_LINKS);
    return at;
  }

  @Test
  void readAndValidateDoNotReadThroughIt() throws Exception {
    Path link = planted(shared.resolve("report.txt"), victim);
    Cli.Result r = Cli.run("read", link.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.out()).doesNotContain("secret");
    assertThat(r.err()).contains(link.toString()).contains("not following a symbolic link").hasLineCount(1);
    r = Cli.run("validate", link.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("not following a symbolic link");
    r = Cli.run("validate", "--json", link.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("not following a symbolic link");
  }

  @Test
  void lockTxnRecoverAndSweepCreateAndRemoveNothingWhereItLeads() throws Exception {
    Path old = Files.writeString(rootDir.resolve(".tmp-1-old.tmp"), "a dead writer's temp");
    Files.setLastModifiedTime(old, java.nio.file.attribute.FileTime.fromMillis(0));
    Path link = planted(shared.resolve("work"), rootDir);
    Path source = Files.writeString(dir.resolve("source"), "new\n");
    assertThat(Cli.run("lock", link.toString(), "--", "true").code()).isEqualTo(1);
    assertThat(Cli.run("txn", link.toString(), "a=" + source).code()).isEqualTo(1);
    assertThat(Cli.run("recover", link.toString()).code()).isEqualTo(1);
    Cli.Result sweep = Cli.run("sweep", link.toString(), "--older-than", "0s");
    assertThat(sweep.code()).isEqualTo(1);
    assertThat(sweep.err()).contains("not following a symbolic link");
    assertThat(Cli.list(rootDir)).containsExactly(".tmp-1-old.tmp", "victim");
  }

  @Test
  void txnDoesNotReadASourceThroughIt() throws Exception {
    Path link = planted(shared.resolve("source"), victim);
    Path txRoot = Files.createDirectory(dir.resolve("txn-root"));
    Cli.Result r = Cli.run("txn", txRoot.toString(), "f=" + link);
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains(link.toString()).contains("not following a symbolic link")
        .contains("nothing committed").hasLineCount(1);
    assertThat(Cli.list(txRoot)).doesNotContain("f");
    // the caller's own link is followed, as before
    Path mine = Files.createSymbolicLink(shared.resolve("mine"), victim);
    assertThat(Cli.run("txn", txRoot.toString(), "f=" + mine).code()).isZero();
    assertThat(txRoot.resolve("f")).hasContent("secret\n");
  }

  @Test
  void lockNeverWritesItsOwnerRecordThroughALinkPlantedAtItsName() throws Exception {
    Path record = planted(shared.resolve(".lock.owner"), victim);
    Cli.Result r = Cli.run("lock", shared.toString(), "--", "sleep", "0.3"); // long enough to write its record
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(victim).hasContent("secret\n");
    assertThat(Cli.list(rootDir)).containsExactly("victim");
    assertThat(record).doesNotExist(); // replaced by the record, which went with the release
  }
}
