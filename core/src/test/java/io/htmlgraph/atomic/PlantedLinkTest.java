package io.htmlgraph.atomic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.htmlgraph.atomic.testsupport.OtherUser;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Another local user plants symbolic links in a sticky world-writable directory (a {@code /tmp}) for
 * a program running as root: the library follows a link there only where the kernel's
 * {@code protected_symlinks=1} rule would (the link belongs to the caller or to the directory's owner),
 * whatever the sysctl says (it is 0 on the machines these tests were written on). Refusals come before
 * anything is created.
 */
class PlantedLinkTest {
  @TempDir Path dir;
  private Path shared; // sticky, 1777, owned by root
  private Path victim; // root-only

  @BeforeEach
  void setUp() throws IOException {
    assumeTrue(TestFiles.isRoot(), "planting a link owned by another user needs root (lchown); skipped as "
        + System.getProperty("user.name"));
    shared = OtherUser.sharedDirectory(dir, "shared");
    victim = OtherUser.ownerOnly(dir.resolve("victim"), "root only");
  }

  private static WriteOptions noClobber() {
    return WriteOptions.builder().noClobber().build();
  }

  @Test
  void writeThroughAnotherUsersLinkIsRefusedAndTheVictimIsUntouched() throws IOException {
    Path report = OtherUser.link(shared.resolve("report.txt"), victim);
    assertThatThrownBy(() -> AtomicFileWriter.atomicWrite(report, "x"))
        .isInstanceOf(UnsafeLinkException.class)
        .hasMessageContaining(report.toString())
        .hasMessageContaining("uid " + OtherUser.UID)
        .hasMessageContaining("sticky world-writable");
    assertThatThrownBy(() -> new AtomicFileOutputStream(report)).isInstanceOf(UnsafeLinkException.class);
    assertThatThrownBy(() -> AtomicFileWriter.atomicWrite(report, "x".getBytes(), noClobber()))
        .isInstanceOf(UnsafeLinkException.class);
    assertThatThrownBy(() -> AtomicFiles.atomicWriteAll(Map.of(report, "x".getBytes())))
        .isInstanceOf(UnsafeLinkException.class);
    assertThat(victim).hasContent("root only");
    assertThat(TestFiles.names(shared)).containsExactly("report.txt");
    assertThat(TestFiles.names(dir)).containsExactly("shared", "victim");
  }

  @Test
  void danglingLinkOfAnotherUserCreatesNothing() throws IOException {
    Path missing = dir.resolve("missing/deeper/planted.txt");
    Path report = OtherUser.link(shared.resolve("report.txt"), missing);
    assertThatThrownBy(() -> AtomicFileWriter.atomicWrite(report, "x")).isInstanceOf(UnsafeLinkException.class);
    assertThatThrownBy(() -> AtomicFileWriter.atomicWrite(report, "x".getBytes(), noClobber()))
        .isInstanceOf(UnsafeLinkException.class);
    assertThat(dir.resolve("missing")).doesNotExist();
    assertThat(TestFiles.names(shared)).containsExactly("report.txt");
  }

  @Test
  void anotherUsersLinkAmongTheDirectoriesIsRefused() throws IOException {
    Path rootDir = Files.createDirectory(dir.resolve("etc"));
    Path planted = OtherUser.link(shared.resolve("conf"), rootDir);
    assertThatThrownBy(() -> AtomicFileWriter.atomicWrite(planted.resolve("app.conf"), "x"))
        .isInstanceOf(UnsafeLinkException.class).hasMessageContaining(planted.toString());
    assertThatThrownBy(() -> AtomicFileWriter.atomicWrite(planted.resolve("new/app.conf"), "x"))
        .isInstanceOf(UnsafeLinkException.class);
    assertThat(TestFiles.names(rootDir)).isEmpty();
  }

  @Test
  void anotherUsersLinkAsTheTempDirectoryIsRefused() throws IOException {
    Path scratch = Files.createDirectory(dir.resolve("scratch"));
    Path planted = OtherUser.link(shared.resolve("tmp"), scratch);
    Path target = Files.writeString(dir.resolve("data.txt"), "old");
    assertThatThrownBy(() -> AtomicFileWriter.atomicWrite(target, "new", WriteOptions.builder().tempDir(planted).build()))
        .isInstanceOf(UnsafeLinkException.class);
    assertThatThrownBy(() -> AtomicFileWriter.atomicWrite(target, "new",
        WriteOptions.builder().tempDir(planted.resolve("sub")).build())).isInstanceOf(UnsafeLinkException.class);
    assertThat(target).hasContent("old");
    assertThat(TestFiles.names(scratch)).isEmpty();
  }

  @Test
  void anotherUsersLinkLaterInAChainIsRefused() throws IOException {
    Path second = OtherUser.link(shared.resolve("second"), victim);
    Path first = Files.createSymbolicLink(shared.resolve("first"), second); // root's own: followed
    assertThatThrownBy(() -> AtomicFileWriter.atomicWrite(first, "x"))
        .isInstanceOf(UnsafeLinkException.class).hasMessageContaining(second.toString());
    assertThat(victim).hasContent("root only");
  }

  @Test
  void linksOfTheCallerOrOfTheDirectorysOwnerAreFollowedAsBefore() throws IOException {
    Path own = Files.createSymbolicLink(shared.resolve("own"), victim);
    AtomicFileWriter.atomicWrite(own, "through root's own link");
    assertThat(victim).hasContent("through root's own link");
    assertThat(Files.isSymbolicLink(own)).isTrue();

    // a sticky directory owned by nobody: nobody's links there are the owner's, followed
    Path nobodys = OtherUser.sharedDirectory(dir, "nobodys");
    Files.setAttribute(nobodys, "unix:uid", OtherUser.UID);
    Path ownersLink = OtherUser.link(nobodys.resolve("link"), victim);
    AtomicFileWriter.atomicWrite(ownersLink, "through the owner's link");
    assertThat(victim).hasContent("through the owner's link");

    // a dangling link of the caller still gets its file
    Path dangling = Files.createSymbolicLink(shared.resolve("dangling"), dir.resolve("created/by-link.txt"));
    AtomicFileWriter.atomicWrite(dangling, "created", noClobber());
    assertThat(dir.resolve("created/by-link.txt")).hasContent("created");
  }

  @Test
  void anotherUsersLinkInADirectoryThatIsNotStickyIsFollowed() throws IOException {
    // the kernel's rule covers sticky world-writable directories only; elsewhere a link is followed
    Path plain = Files.createDirectory(dir.resolve("plain"));
    Path link = OtherUser.link(plain.resolve("link"), victim);
    AtomicFileWriter.atomicWrite(link, "followed");
    assertThat(victim).hasContent("followed");
  }

  @Test
  void replaceLinkPolicyReplacesAnotherUsersLinkWithoutFollowingIt() throws IOException {
    Path report = OtherUser.link(shared.resolve("report.txt"), victim);
    AtomicFileWriter.atomicWrite(report, "mine", WriteOptions.builder().symlinks(SymlinkPolicy.REPLACE_LINK).build());
    assertThat(Files.isSymbolicLink(report)).isFalse();
    assertThat(report).hasContent("mine");
    assertThat(victim).hasContent("root only");
  }

  @Test
  void readsThroughAnotherUsersLinkAreRefused() throws IOException {
    Files.writeString(victim, "valid text");
    Path report = OtherUser.link(shared.resolve("report.txt"), victim);
    assertThatThrownBy(() -> AtomicFileWriter.safeReadWithRetry(report))
        .isInstanceOf(UnsafeLinkException.class).hasMessageContaining(report.toString());
    assertThat(AtomicFiles.validateAtomicWrite(report)).isFalse();
    assertThat(AtomicFiles.validateAtomicWrite(victim)).isTrue();
  }

  @Test
  void renameThroughAnotherUsersDirectoryLinkIsRefused() throws IOException {
    Path rootDir = Files.createDirectory(dir.resolve("etc"));
    Path planted = OtherUser.link(shared.resolve("conf"), rootDir);
    Path src = Files.writeString(dir.resolve("src.txt"), "moved?");
    assertThatThrownBy(() -> AtomicFiles.atomicRename(src, planted.resolve("passwd")))
        .isInstanceOf(UnsafeLinkException.class);
    assertThatThrownBy(() -> AtomicFiles.atomicRename(src, planted.resolve("new/passwd")))
        .isInstanceOf(UnsafeLinkException.class);
    assertThat(src).hasContent("moved?");
    assertThat(TestFiles.names(rootDir)).isEmpty();
  }

  @Test
  void theLinkIsNamedEvenWhenTheCallersPathIsRelativeToAFollowedLink() throws IOException {
    Path hop = Files.createSymbolicLink(dir.resolve("hop"), shared); // root's link to the sticky directory
    OtherUser.link(shared.resolve("report.txt"), victim);
    assertThatThrownBy(() -> AtomicFileWriter.atomicWrite(hop.resolve("report.txt"), "x"))
        .isInstanceOf(FileSystemException.class)
        .hasMessageContaining(shared.resolve("report.txt").toString())
        .hasMessageContaining("on the way to " + hop.resolve("report.txt"));
    assertThat(victim).hasContent("root only");
    assertThat(List.of(Files.isSymbolicLink(hop), Files.exists(victim, LinkOption.NOFOLLOW_LINKS)))
        .containsExactly(true, true);
  }

  /** The directory of a lock, a sweep or a transaction, reached through another user's link. */
  @Test
  void lockSweepAndTransactionDirectoriesBehindAnotherUsersLinkAreRefused() throws IOException {
    Path rootDir = Files.createDirectory(dir.resolve("root-dir"));
    Path old = Files.writeString(rootDir.resolve(".tmp-1-old.tmp"), "a dead writer's temp");
    Files.setLastModifiedTime(old, java.nio.file.attribute.FileTime.fromMillis(0));
    Path planted = OtherUser.link(shared.resolve("work"), rootDir);
    assertThatThrownBy(() -> new DirectoryLocker(planted)).isInstanceOf(UnsafeLinkException.class)
        .hasMessageContaining(planted.toString());
    assertThatThrownBy(() -> new DirectoryLocker(planted.resolve("sub"))).isInstanceOf(UnsafeLinkException.class);
    assertThatThrownBy(() -> AtomicFiles.cleanupOrphanedTempFiles(planted, java.time.Duration.ZERO))
        .isInstanceOf(UnsafeLinkException.class);
    assertThatThrownBy(() -> FileTransaction.begin(planted)).isInstanceOf(UnsafeLinkException.class);
    assertThatThrownBy(() -> FileTransaction.recover(planted)).isInstanceOf(UnsafeLinkException.class);
    assertThatThrownBy(() -> FileTransaction.read(planted, r -> "seen")).isInstanceOf(UnsafeLinkException.class);
    assertThat(TestFiles.names(rootDir)).as("nothing created, nothing swept").containsExactly(".tmp-1-old.tmp");
  }
}
