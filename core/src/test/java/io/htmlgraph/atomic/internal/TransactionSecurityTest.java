package io.htmlgraph.atomic.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.htmlgraph.atomic.FileTransaction;
import io.htmlgraph.atomic.UnsafeLinkException;
import io.htmlgraph.atomic.testsupport.Commands;
import io.htmlgraph.atomic.testsupport.OtherUser;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A transaction root in a sticky world-writable directory (a root in {@code /tmp}), used by root,
 * with another user ({@code nobody}) planting what he can before: the staging directory {@code .txn}
 * (with a FIFO at its record, or a forged record and temps of his own), files and links at the
 * targets' names. Nothing of his may be published, followed or replaced, and nothing may hang. Each
 * test checks the files afterwards; every wait is bounded (the failure caught is a hang).
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class TransactionSecurityTest {
  private static final Duration BOUND = Duration.ofSeconds(20);

  @TempDir Path tmp;
  private Path root; // 1777, owned by root
  private final List<Path> fifos = new ArrayList<>();

  @BeforeEach
  void setUp() throws IOException {
    OtherUser.assume();
    root = OtherUser.sharedDirectory(tmp, "shared");
  }

  @AfterEach
  void unblockReadersOfPlantedFifos() {
    for (Path fifo : fifos) {
      try (FileChannel ch = FileChannel.open(fifo, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
        ch.isOpen(); // a read-write open is a writer: a reader stuck on the FIFO gets its end of file
      } catch (IOException | RuntimeException gone) {
        // removed: nobody is stuck on it through that name
      }
    }
  }

  private Path rootsFile(String name, String content) throws IOException {
    return Files.writeString(root.resolve(name), content);
  }

  private static void stage(Path root, String file, String content) throws IOException {
    try (FileTransaction tx = FileTransaction.begin(root)) {
      tx.write(Path.of(file), content.getBytes(StandardCharsets.UTF_8));
      tx.commit();
    }
  }

  @Test
  void aStagingDirectoryOfAnotherUserWithAFifoAtItsRecordNeitherHangsNorIsUsed() throws Exception {
    Path f = rootsFile("f", "root's");
    Path staging = root.resolve(".txn");
    OtherUser.plant("mkdir", "-m", "755", staging.toString());
    OtherUser.plant("mkfifo", staging.resolve("intent").toString());
    fifos.add(staging.resolve("intent"));
    assertTimeoutPreemptively(BOUND, () -> {
      assertThatThrownBy(() -> stage(root, "f", "new")).isInstanceOf(FileSystemException.class)
          .hasMessageContaining(staging.toString()).hasMessageContaining("uid " + OtherUser.UID);
      assertThatThrownBy(() -> FileTransaction.recover(root)).isInstanceOf(FileSystemException.class);
      assertThatThrownBy(() -> FileTransaction.read(root, r -> Files.readString(r.resolve("f"))))
          .isInstanceOf(FileSystemException.class);
    });
    assertThat(f).hasContent("root's");
    assertThat(names(staging)).containsExactly("intent");
  }

  @Test
  void aStagingDirectoryWritableByAllIsNeverUsedWhoeverMadeIt() throws Exception {
    Path f = rootsFile("f", "root's");
    Path staging = Files.createDirectory(root.resolve(".txn"));
    Files.setAttribute(staging, "unix:mode", 0777);
    OtherUser.plant("mkfifo", staging.resolve("intent").toString());
    fifos.add(staging.resolve("intent"));
    assertTimeoutPreemptively(BOUND, () ->
        assertThatThrownBy(() -> stage(root, "f", "new")).isInstanceOf(FileSystemException.class)
            .hasMessageContaining("writable by all"));
    assertThat(f).hasContent("root's");
  }

  @Test
  void aRecordForgedByAnotherUserIsNotRolledForward() throws Exception {
    Path f = rootsFile("f", "root's");
    Path staging = root.resolve(".txn");
    OtherUser.plant("mkdir", "-m", "755", staging.toString());
    // what the attacker would write: a temp of his content and a valid record naming root's file
    byte[] evil = "attacker's".getBytes(StandardCharsets.UTF_8);
    CRC32C crc = new CRC32C();
    crc.update(evil);
    Path temp = Files.write(staging.resolve("a0b1c2d3e4.0"), evil);
    Path record = staging.resolve("intent");
    IntentRecord.write(record, List.of(new IntentRecord.Entry("a0b1c2d3e4.0", "f", evil.length, (int) crc.getValue())));
    for (Path p : List.of(temp, record)) {
      Files.setAttribute(p, "unix:uid", OtherUser.UID, LinkOption.NOFOLLOW_LINKS);
    }
    assertThatThrownBy(() -> FileTransaction.recover(root)).isInstanceOf(FileSystemException.class)
        .hasMessageContaining(staging.toString());
    assertThatThrownBy(() -> stage(root, "g", "new")).isInstanceOf(FileSystemException.class);
    assertThat(f).hasContent("root's");
    assertThat(root.resolve("g")).doesNotExist();
    assertThat(names(staging)).containsExactlyInAnyOrder("a0b1c2d3e4.0", "intent");
  }

  @Test
  void aStagingDirectoryOfTheCallerOrTheRootsOwnerIsUsed() throws Exception {
    stage(root, "f", "one");
    assertThat(root.resolve("f")).hasContent("one");
    // made by this process without o+w, whatever the umask
    assertThat((Integer) Files.getAttribute(root.resolve(".txn"), "unix:mode") & 0002).isZero();
    stage(root, "f", "two");
    assertThat(root.resolve("f")).hasContent("two");
  }

  @Test
  void anotherUsersFileInTheStickyRootIsNotReplaced() throws Exception {
    Path g = root.resolve("g");
    OtherUser.plant("sh", "-c", "echo theirs > " + g + " && chmod 666 " + g);
    assertThatThrownBy(() -> stage(root, "g", "root's secret")).isInstanceOf(FileSystemException.class)
        .hasMessageContaining("protected_regular");
    assertThat(g).hasContent("theirs\n");
    assertThat((Integer) Files.getAttribute(g, "unix:uid")).isEqualTo(OtherUser.UID);
    assertThat(names(root.resolve(".txn"))).isEmpty();
  }

  @Test
  void anotherUsersLinkInTheStickyRootIsNotFollowedEvenToAFileUnderTheRoot() throws Exception {
    Path f = rootsFile("f", "root's");
    Path sub = Files.createDirectory(root.resolve("sub"));
    OtherUser.plant("ln", "-s", "f", root.resolve("to-f").toString());
    OtherUser.plant("ln", "-s", "sub", root.resolve("to-sub").toString());
    assertThatThrownBy(() -> stage(root, "to-f", "new")).isInstanceOf(UnsafeLinkException.class)
        .hasMessageContaining("to-f");
    assertThatThrownBy(() -> stage(root, "to-sub/x", "new")).isInstanceOf(UnsafeLinkException.class)
        .hasMessageContaining("to-sub");
    assertThat(f).hasContent("root's");
    assertThat(names(sub)).isEmpty();
    // the caller's own link is followed, as before
    Files.createSymbolicLink(root.resolve("mine"), Path.of("f"));
    stage(root, "mine", "through my link");
    assertThat(f).hasContent("through my link");
    assertThat(root.resolve("mine")).isSymbolicLink();
  }

  @Test
  void aReplaceKeepsThePosixAclAndLeavesNothingInTheStagingDirectory() throws Exception {
    assumeTrue(has("setfacl") && has("getfacl"), "needs setfacl and getfacl (package acl); skipped");
    Path dir = Files.createDirectory(tmp.resolve("acl"));
    Files.setAttribute(dir, "unix:mode", 0755);
    Path a = Files.writeString(dir.resolve("a"), "old");
    Files.setAttribute(a, "unix:mode", 0640);
    Files.setAttribute(a, "unix:gid", OtherUser.UID); // nogroup, denied by the ACL
    assertThat(Commands.run("setfacl", "-m", "g::---,u:nobody:r--,m::r--", a.toString()).exit()).isZero();
    String before = acl(a);
    assertThat(before).contains("user:nobody:r--").contains("group::---");
    stage(dir, "a", "new");
    assertThat(a).hasContent("new");
    assertThat(acl(a)).isEqualTo(before);
    assertThat(OtherUser.run("cat", a.toString()).output()).isEqualTo("new");
    assertThat(names(dir.resolve(".txn"))).isEmpty();
  }

  private static String acl(Path p) throws Exception {
    Commands.Result r = Commands.run("getfacl", "-c", "-p", p.toString());
    assertThat(r.exit()).isZero();
    return r.output();
  }

  private static boolean has(String tool) {
    for (String d : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
      if (Files.isExecutable(Path.of(d, tool))) {
        return true;
      }
    }
    return false;
  }

  private static List<String> names(Path dir) throws IOException {
    try (var s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
