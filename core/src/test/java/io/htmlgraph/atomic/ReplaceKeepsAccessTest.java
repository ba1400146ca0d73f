package io.htmlgraph.atomic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.htmlgraph.atomic.testsupport.Commands;
import io.htmlgraph.atomic.testsupport.OtherUser;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.charset.StandardCharsets;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * A replace never grants access the old file did not grant: its POSIX ACL and the extended attributes
 * the process may set are carried over, the temp beside the target is never more readable than the old
 * file, and setuid and setgid are kept only where the process could keep them.
 */
class ReplaceKeepsAccessTest {
  @TempDir Path dir;

  private static boolean has(String tool) {
    return Commands.installed(tool);
  }

  private static String sh(String... cmd) throws IOException, InterruptedException {
    return Commands.check(cmd).strip();
  }

  private static String acl(Path p) throws IOException, InterruptedException {
    return sh("getfacl", "-c", "-p", p.toString());
  }

  /** The file: root:users 0640, the owning group denied, nobody allowed by name. */
  private Path aclFile(Path at) throws IOException, InterruptedException {
    Path f = Files.writeString(at, "old");
    sh("chgrp", "users", f.toString());
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r-----"));
    sh("setfacl", "-m", "g::---,u:nobody:r--,m::r--", f.toString());
    return f;
  }

  @Test
  void aPosixAclSurvivesAReplaceAndStillDecidesWhoReads() throws Exception {
    assumeTrue(TestFiles.isRoot() && has("setfacl") && has("getfacl"), "needs root, setfacl and getfacl; skipped");
    assumeTrue(OtherUser.available(), "needs runuser to read as nobody; skipped");
    OtherUser.openUp(dir.getParent(), dir);
    Path f = aclFile(dir.resolve("shared.conf"));
    String before = acl(f);
    assertThat(before).contains("user:nobody:r--").contains("group::---").contains("mask::r--");

    AtomicFileWriter.atomicWrite(f, "new");
    assertThat(f).hasContent("new");
    assertThat(acl(f)).isEqualTo(before);
    assertThat(OtherUser.run("cat", f.toString()).output()).isEqualTo("new");

    // every writer of the library, at every durability, and a batch
    AtomicFileOutputStream.atomicWrite(f, WriteOptions.builder().durability(Durability.NONE).build(),
        out -> out.write("stream".getBytes()));
    assertThat(acl(f)).isEqualTo(before);
    AtomicFiles.atomicWriteAll(Map.of(f, "batch".getBytes()));
    assertThat(acl(f)).isEqualTo(before);
    assertThat(OtherUser.run("cat", f.toString()).output()).isEqualTo("batch");
    assertThat(TestFiles.names(dir)).containsExactly("shared.conf");
  }

  /**
   * The copy is made in a private directory that was made in the target's directory (and then kept
   * elsewhere for the next replaces): it inherits that directory's default ACL, as any new file there
   * does, not that of wherever the private directory is kept.
   */
  @Test
  void inADirectoryWithADefaultAclAReplacedFileWithoutOneGetsItAsEveryNewFileThere() throws Exception {
    assumeTrue(TestFiles.isRoot() && has("setfacl") && has("getfacl"), "needs root, setfacl and getfacl; skipped");
    Path d = Files.createDirectory(dir.resolve("shared"));
    Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxr-xr-x"));
    sh("setfacl", "-d", "-m", "u:nobody:r--", d.toString());
    Path f = Files.writeString(d.resolve("report.txt"), "old");
    sh("setfacl", "-b", f.toString()); // this one has none
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
    Path fresh = Files.writeString(d.resolve("fresh.txt"), "a new file");
    Files.setPosixFilePermissions(fresh, PosixFilePermissions.fromString("rw-r--r--"));
    assertThat(acl(f)).doesNotContain("nobody");

    AtomicFileWriter.atomicWrite(f, "new");
    AtomicFileWriter.atomicWrite(f, "newer"); // through the kept private directory
    assertThat(f).hasContent("newer");
    assertThat(acl(f)).contains("user:nobody:r--").isEqualTo(acl(fresh).replace("fresh.txt", "report.txt"));
    assertThat(TestFiles.names(d)).containsExactly("fresh.txt", "report.txt");
  }

  @Test
  void theTempBesideTheTargetCarriesTheAclBeforeAnyContent() throws Exception {
    assumeTrue(TestFiles.isRoot() && has("setfacl") && has("getfacl"), "needs root, setfacl and getfacl; skipped");
    Path f = aclFile(dir.resolve("shared.conf"));
    String before = acl(f);
    try (AtomicFileWriter w = new AtomicFileWriter(f)) {
      assertThat(acl(w.tempPath()).replace(w.tempPath().toString(), f.toString())).isEqualTo(before);
      assertThat(Files.size(w.tempPath())).isZero();
      w.write("new");
      w.commit();
    }
    assertThat(acl(f)).isEqualTo(before);
  }

  @Test
  void theAclIsKeptAcrossATempDirectoryOnAnotherFileSystem() throws Exception {
    assumeTrue(TestFiles.canMount() && has("setfacl") && has("getfacl"), "needs root, mount, setfacl; skipped");
    try (TestFiles.Tmpfs other = new TestFiles.Tmpfs(dir.resolve("tmpfs"), "size=4m")) {
      Path f = aclFile(dir.resolve("shared.conf"));
      String before = acl(f);
      AtomicFileWriter.atomicWrite(f, "new", WriteOptions.builder().tempDir(other.dir).build());
      assertThat(f).hasContent("new");
      assertThat(acl(f)).isEqualTo(before);
      assertThat(TestFiles.temps(other.dir)).isEmpty();
    }
  }

  @Test
  void securityAndTrustedXattrsAreKeptForRoot() throws Exception {
    assumeTrue(TestFiles.isRoot() && has("python3"), "needs root and python3 (os.setxattr); skipped");
    Path f = Files.writeString(dir.resolve("labelled"), "old");
    try {
      sh("python3", "-c", "import os,sys; os.setxattr(sys.argv[1],'security.test',b'label');"
          + " os.setxattr(sys.argv[1],'trusted.test',b'kept')", f.toString());
    } catch (IOException e) {
      assumeTrue(false, "security.* or trusted.* xattrs unsupported here: " + e.getMessage());
    }
    AtomicFileWriter.atomicWrite(f, "new");
    String got = sh("python3", "-c", "import os,sys; print(os.getxattr(sys.argv[1],'security.test').decode(),"
        + " os.getxattr(sys.argv[1],'trusted.test').decode())", f.toString());
    assertThat(got).isEqualTo("label kept");
  }

  @Test
  void anUnreadableOldFileIsNotReplacedBlindly() throws Exception {
    assumeTrue(OtherUser.available(), "needs root and runuser to write as nobody; skipped");
    OtherUser.openUp(dir.getParent(), dir);
    Path shared = Files.createDirectory(dir.resolve("shared"));
    Files.setAttribute(shared, "unix:uid", OtherUser.UID);
    Path f = Files.writeString(shared.resolve("write-only"), "old");
    Files.setAttribute(f, "unix:uid", OtherUser.UID);
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("-w--w----"));
    Commands.Result r = OtherUser.java(WriteChild.class, f.toString(), "new");
    assertThat(r.exit()).as(r.toString()).isEqualTo(3);
    assertThat(r.output()).contains(AccessDeniedException.class.getName()).contains("cannot be read");
    assertThat(Files.readString(f)).isEqualTo("old");
    assertThat(TestFiles.names(shared)).containsExactly("write-only");
  }

  @Test
  void setuidAndSetgidAreKeptByRoot() throws IOException {
    assumeTrue(TestFiles.isRoot(), "root's case; skipped as " + System.getProperty("user.name"));
    Path tool = Files.writeString(dir.resolve("tool"), "old");
    Files.setAttribute(tool, "unix:uid", 12345);
    Files.setAttribute(tool, "unix:mode", 06755);
    AtomicFileWriter.atomicWrite(tool, "new");
    assertThat(mode(tool)).isEqualTo(06755);
    assertThat(Files.getAttribute(tool, "unix:uid")).isEqualTo(12345);
  }

  @Test
  void setuidAndSetgidAreDroppedByAnyOtherUserEvenForEmptyContent() throws Exception {
    assumeTrue(OtherUser.available(), "needs root and runuser to write as nobody; skipped");
    OtherUser.openUp(dir.getParent(), dir);
    Path shared = Files.createDirectory(dir.resolve("shared"));
    Files.setAttribute(shared, "unix:mode", 0777);
    // root's setuid tool in a directory nobody may write, and nobody's own setuid file
    Path roots = Files.writeString(shared.resolve("roots"), "old");
    sh("chgrp", "nogroup", roots.toString());
    Files.setAttribute(roots, "unix:mode", 06775);
    Path own = Files.writeString(shared.resolve("own"), "old");
    sh("chown", "nobody:nogroup", own.toString());
    Files.setAttribute(own, "unix:mode", 06755);
    for (Path p : new Path[] {roots, own}) {
      Commands.Result r = OtherUser.java(WriteChild.class, p.toString(), "");
      assertThat(r.exit()).as(r.toString()).isZero();
      assertThat(Files.size(p)).isZero();
      assertThat(Files.getAttribute(p, "unix:uid")).isEqualTo(OtherUser.UID);
      assertThat(mode(p) & 06000).as("setuid/setgid of %s", p).isZero();
    }
    assertThat(mode(roots)).isEqualTo(0775); // nobody is in nogroup: the group and its bits are kept
    assertThat(mode(own)).isEqualTo(0755);
  }

  /** The same rules for a transaction's replaces as for a single write's. */
  @Test
  void aTransactionOfAnotherUserDropsSetuidSetgidAndTheGroupBitsOfAGroupItIsNotIn() throws Exception {
    assumeTrue(OtherUser.available(), "needs root and runuser to write as nobody; skipped");
    OtherUser.openUp(dir.getParent(), dir);
    // nobody's directory (no one else may swap its files, so none is pinned with a hard link)
    Path shared = Files.createDirectory(dir.resolve("mine"));
    sh("chown", "nobody:nogroup", shared.toString());
    Files.setAttribute(shared, "unix:mode", 0755);
    Path roots = Files.writeString(shared.resolve("roots"), "old");
    sh("chgrp", "nogroup", roots.toString());
    Files.setAttribute(roots, "unix:mode", 06775);
    Path own = Files.writeString(shared.resolve("own"), "old");
    sh("chown", "nobody:nogroup", own.toString());
    Files.setAttribute(own, "unix:mode", 06755);
    Path team = Files.writeString(shared.resolve("team"), "old");
    sh("chgrp", "users", team.toString()); // nobody is not in users
    Files.setAttribute(team, "unix:mode", 0664);

    Commands.Result r = OtherUser.java(TxnWriteChild.class, shared.toString(), "new", "roots", "own", "team");
    assertThat(r.exit()).as(r.toString()).isZero();
    for (Path p : new Path[] {roots, own, team}) {
      assertThat(p).hasContent("new");
      assertThat(Files.getAttribute(p, "unix:uid")).isEqualTo(OtherUser.UID);
      assertThat(mode(p) & 06000).as("setuid/setgid of %s", p).isZero();
    }
    assertThat(mode(roots)).isEqualTo(0775); // nobody is in nogroup: the group and its bits are kept
    assertThat(mode(own)).isEqualTo(0755);
    assertThat(mode(team) & 0070).as("group bits for the writer's own group").isZero();
  }

  @Test
  void theGroupBitsAreNotGivenToTheWritersOwnGroup() throws Exception {
    assumeTrue(OtherUser.available(), "needs root and runuser to write as nobody; skipped");
    OtherUser.openUp(dir.getParent(), dir);
    Path shared = Files.createDirectory(dir.resolve("shared"));
    Files.setAttribute(shared, "unix:mode", 0777);
    Path f = Files.writeString(shared.resolve("team.txt"), "old");
    sh("chgrp", "users", f.toString()); // nobody is not in users
    Files.setAttribute(f, "unix:mode", 0666);
    Commands.Result r = OtherUser.java(WriteChild.class, f.toString(), "new");
    assertThat(r.exit()).as(r.toString()).isZero();
    assertThat(f).hasContent("new");
    // the file now belongs to nobody:nogroup; nogroup never had the old group's rw
    assertThat(sh("stat", "-c", "%U:%G %a", f.toString())).isEqualTo("nobody:nogroup 606");
  }

  /**
   * The ways a replace is prepared (in a private directory, through a private subdirectory, from a
   * private hard link when another user could swap the old file) keep the same metadata and leave
   * nothing behind, whether the write commits, aborts or fails.
   */
  @ParameterizedTest
  @CsvSource({"rwx------, 640", "rwxr-xr-x, 640", "rwxr-xr-x, 600", "rwxrwxrwx, 640", "rwxrwxrwx, 600"})
  void everyWayOfPreparingAReplaceKeepsMetadataAndLeavesNothing(String dirMode, String fileMode) throws Exception {
    int fmode = Integer.parseInt(fileMode, 8);
    Path d = Files.createDirectory(dir.resolve("d"));
    Files.setAttribute(d, "unix:mode", modeOf(dirMode));
    Path f = Files.writeString(d.resolve("f"), "old");
    Files.setAttribute(f, "unix:mode", fmode);
    if (TestFiles.isRoot()) {
      Files.setAttribute(f, "unix:uid", OtherUser.UID); // in the shared directory: another user's file
    }
    UserDefinedFileAttributeView xattrs = Files.getFileAttributeView(f, UserDefinedFileAttributeView.class);
    boolean userXattrs = true;
    try {
      xattrs.write("origin", StandardCharsets.UTF_8.encode("kept"));
    } catch (IOException | UnsupportedOperationException e) {
      userXattrs = false;
    }
    AtomicFileWriter.atomicWrite(f, "new");
    assertThat(f).hasContent("new");
    assertThat(mode(f)).isEqualTo(fmode);
    if (TestFiles.isRoot()) {
      assertThat(Files.getAttribute(f, "unix:uid")).isEqualTo(OtherUser.UID);
    }
    if (userXattrs) {
      // the old file's own xattrs, and the library's fresh version mark
      assertThat(Files.getFileAttributeView(f, UserDefinedFileAttributeView.class).list())
          .containsExactlyInAnyOrder("origin", io.htmlgraph.atomic.internal.VersionMarks.NAME);
    }
    try (AtomicFileWriter w = new AtomicFileWriter(f)) {
      w.write("aborted");
    }
    assertThatThrownBy(() -> AtomicFileWriter.atomicWrite(f, WriteOptions.defaults(), w -> {
      w.write("failed");
      throw new IOException("body failed");
    })).hasMessage("body failed");
    Path scratch = Files.createDirectory(dir.resolve("scratch"));
    AtomicFileWriter.atomicWrite(f, "via temp dir", WriteOptions.builder().tempDir(scratch).build());
    AtomicFiles.atomicWriteAll(Map.of(f, "batch".getBytes(StandardCharsets.UTF_8), d.resolve("g"),
        "new file".getBytes(StandardCharsets.UTF_8)));
    assertThat(f).hasContent("batch");
    assertThat(mode(f)).isEqualTo(fmode);
    assertThat(TestFiles.names(d)).containsExactly("f", "g");
    assertThat(TestFiles.names(scratch)).isEmpty();
  }

  private static int modeOf(String symbolic) {
    int m = PosixFilePermissions.fromString(symbolic.replace('t', 'x')).stream()
        .mapToInt(p -> 1 << (8 - p.ordinal())).sum();
    return symbolic.endsWith("t") ? m | 01000 : m;
  }

  private static int mode(Path p) throws IOException {
    return ((Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS)) & 07777;
  }

  @Test
  void explicitPermissionsStillWinOverTheCopiedMode() throws Exception {
    assumeTrue(TestFiles.isRoot() && has("setfacl") && has("getfacl"), "needs root, setfacl and getfacl; skipped");
    assumeTrue(OtherUser.available(), "needs runuser to read as nobody; skipped");
    OtherUser.openUp(dir.getParent(), dir);
    Path f = aclFile(dir.resolve("shared.conf"));
    AtomicFileWriter.atomicWrite(f, "new", WriteOptions.builder()
        .permissions(PosixFilePermissions.fromString("rw-------")).build());
    // the mask follows the group bits: the named entry stays but grants nothing
    assertThat(acl(f)).contains("user:nobody:r--\t#effective:---").contains("mask::---");
    assertThat(OtherUser.run("cat", f.toString()).exit()).isNotZero();
  }

  /**
   * In a sticky world-writable directory, another user's regular file is a name that user planted:
   * root does not replace it (the kernel's protected_regular rule), since the replace would keep that
   * user's ownership of the new content.
   */
  @Test
  void anotherUsersFileInAStickyWorldWritableDirectoryIsNotReplaced() throws Exception {
    assumeTrue(TestFiles.isRoot(), "giving a file to another user needs root; skipped as " + System.getProperty("user.name"));
    Path sticky = OtherUser.sharedDirectory(dir, "sticky");
    Path planted = Files.writeString(sticky.resolve("report.txt"), "planted");
    Files.setAttribute(planted, "unix:uid", OtherUser.UID);
    Files.setAttribute(planted, "unix:mode", 0644);
    assertThatThrownBy(() -> AtomicFileWriter.atomicWrite(planted, "root's secret"))
        .isInstanceOf(java.nio.file.FileSystemException.class)
        .hasMessageContaining("protected_regular").hasMessageContaining("uid " + OtherUser.UID);
    assertThat(planted).hasContent("planted");
    assertThat(TestFiles.names(sticky)).containsExactly("report.txt");
    // the caller's own file there, and a new name, are written as usual
    Path mine = sticky.resolve("mine.txt");
    AtomicFileWriter.atomicWrite(mine, "one");
    AtomicFileWriter.atomicWrite(mine, "two");
    assertThat(mine).hasContent("two");
  }
}
