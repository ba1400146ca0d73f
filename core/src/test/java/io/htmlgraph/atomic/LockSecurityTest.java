package io.htmlgraph.atomic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.htmlgraph.atomic.testsupport.ChildJvm;
import io.htmlgraph.atomic.testsupport.OtherUser;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What another local user can plant where the lock looks ({@code .lock}, {@code .lock.owner}) must
 * never make the library write through a link, create or lock a file elsewhere, or block: each test
 * plants what an attacker would and checks what is on disk afterwards. As root, planting is done as
 * {@code nobody} in a sticky world-writable directory; otherwise by this user (the library's rules
 * do not depend on who planted what). Every wait is bounded: the failure these tests catch is a hang.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class LockSecurityTest {
  private static final Duration BOUND = Duration.ofSeconds(20);

  @TempDir Path tmp;
  private final List<Path> fifos = new ArrayList<>();

  @AfterEach
  void unblockReadersOfPlantedFifos() {
    // A reader stuck in open(O_RDONLY) of a FIFO (the failure under test) is released by a writer: a
    // read-write open is one, and never blocks itself.
    for (Path fifo : fifos) {
      try (FileChannel ch = FileChannel.open(fifo, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
        ch.isOpen();
      } catch (IOException | RuntimeException gone) {
        // replaced or removed: nobody can be stuck on it through that name
      }
    }
  }

  /** A directory where the other user may plant: sticky world-writable as root, else a plain one. */
  private Path plantable(String name) throws IOException {
    return OtherUser.isRoot() ? OtherUser.sharedDirectory(tmp, name) : Files.createDirectory(tmp.resolve(name));
  }

  /** Plants a symbolic link {@code link -> target}, as the other user when possible. */
  private void plantLink(Path link, Path target) throws Exception {
    if (OtherUser.isRoot()) {
      OtherUser.plant("ln", "-s", target.toString(), link.toString());
    } else {
      Files.createSymbolicLink(link, target);
    }
  }

  private Path plantFifo(Path p) throws Exception {
    if (OtherUser.isRoot()) {
      OtherUser.plant("mkfifo", p.toString());
    } else {
      assertThat(TestFiles.run("mkfifo", p.toString())).isZero();
    }
    fifos.add(p);
    return p;
  }

  /** A file only this user may read (root-only as root), and a missing one in the same place. */
  private Path victim() throws IOException {
    Path dir = OtherUser.privateDirectory(tmp, "private");
    Path victim = Files.writeString(dir.resolve("victim"), "secret");
    Files.setAttribute(victim, "unix:mode", 0600);
    return victim;
  }

  private static String state(Path p) throws IOException {
    return Files.readString(p) + " " + Integer.toOctalString((Integer) Files.getAttribute(p, "unix:mode") & 07777)
        + " uid " + Files.getAttribute(p, "unix:uid");
  }

  // ---------------------------------------------------------------------------------------------
  // .lock.owner

  @Test
  void theOwnerRecordIsNeverWrittenThroughALinkPlantedAtItsName() throws Exception {
    Path victim = victim();
    String before = state(victim);
    Path missing = victim.resolveSibling("created");
    Path dir = plantable("shared");
    Path dir2 = plantable("shared2");
    plantLink(dir.resolve(".lock.owner"), victim);
    plantLink(dir2.resolve(".lock.owner"), missing);

    for (Path d : List.of(dir, dir2)) {
      DirectoryLocker locker = new DirectoryLocker(d);
      try (DirectoryLock lock = locker.lockExclusive(Duration.ofSeconds(5))) {
        Thread.sleep(300); // a hold of 10 ms or more writes its record
        assertThat(locker.owner()).hasValueSatisfying(o -> assertThat(o.pid()).isEqualTo(ProcessHandle.current().pid()));
      }
    }
    assertThat(state(victim)).isEqualTo(before);
    assertThat(missing).doesNotExist();
    try (var list = Files.list(victim.getParent())) {
      assertThat(list).containsExactly(victim);
    }
  }

  @Test
  void ownerNeverBlocksAndReadsNothingButARecordWhateverIsPlantedAtItsName() throws Exception {
    Path elsewhere = plantable("elsewhere");
    Path farFifo = plantFifo(elsewhere.resolve("fifo"));
    Path huge = elsewhere.resolve("huge");
    try (RandomAccessFile f = new RandomAccessFile(huge.toFile(), "rw")) {
      f.setLength(3L << 30); // sparse: 3 GB that take no space
    }
    Path dir = plantable("shared");
    DirectoryLocker locker = new DirectoryLocker(dir);
    Path record = dir.resolve(".lock.owner");
    List<String> planted = List.of("fifo", "directory", "huge file", "link to a fifo", "link to a huge file", "garbage link");
    for (String what : planted) {
      switch (what) {
        case "fifo" -> plantFifo(record);
        case "directory" -> Files.createDirectory(record);
        case "huge file" -> Files.move(huge, record);
        case "link to a fifo" -> plantLink(record, farFifo);
        case "link to a huge file" -> plantLink(record, huge);
        default -> plantLink(record, Path.of("pid=x host=/etc/shadow"));
      }
      assertTimeoutPreemptively(BOUND, () -> assertThat(locker.owner()).as(what).isEmpty(), what);
      if (what.equals("huge file")) {
        Files.move(record, huge);
      } else if (Files.isDirectory(record, LinkOption.NOFOLLOW_LINKS)) {
        Files.delete(record);
      } else {
        Files.delete(record); // unlink: a link goes, never what it names
      }
    }
    assertThat(farFifo).exists();
    assertThat(Files.size(huge)).isEqualTo(3L << 30);
  }

  /** {@code ./atomic lock --timeout 1s DIR -- true} hung for good on a FIFO at {@code .lock.owner}. */
  @Test
  void lockTimeoutsHoldWhateverIsPlantedAtTheOwnerRecord() throws Exception {
    Path dir = plantable("shared");
    Path record = dir.resolve(".lock.owner");
    try (ChildJvm holder = ChildJvm.start(DirectoryLockerChild.class, "hold", dir.toString(), LockMode.EXCLUSIVE.name())) {
      assertThat(holder.readLine()).isEqualTo("ACQUIRED");
      for (int i = 0; i < 500 && !Files.exists(record, LinkOption.NOFOLLOW_LINKS); i++) {
        Thread.sleep(10);
      }
      assertThat(Files.exists(record, LinkOption.NOFOLLOW_LINKS)).as("the holder's record").isTrue();
      DirectoryLocker locker = new DirectoryLocker(dir);
      // the holder wrote its record once; what replaces it now stays while it holds
      Path fifo = plantFifo(dir.resolve("fifo"));
      Files.move(fifo, record, StandardCopyOption.ATOMIC_MOVE);
      fifos.add(record);
      assertTimeoutPreemptively(BOUND, () -> {
        assertThatThrownBy(() -> locker.lockExclusive(Duration.ofSeconds(1)))
            .isInstanceOf(LockTimeoutException.class)
            .satisfies(e -> assertThat(((LockTimeoutException) e).holder()).isEmpty());
        assertThat(locker.acquireSharedLock(Duration.ofMillis(200))).isFalse();
      });
      Files.delete(record);
      Files.createDirectory(record);
      assertTimeoutPreemptively(BOUND, () -> assertThatThrownBy(() -> locker.lockShared(Duration.ofMillis(200)))
          .isInstanceOf(LockTimeoutException.class));
      Files.delete(record);
      holder.send("release");
      assertThat(holder.readLine()).isEqualTo("RELEASED");
    }
  }

  // ---------------------------------------------------------------------------------------------
  // .lock

  @Test
  void aLockFileThatIsALinkOrNotAFileIsRefusedAndNothingIsCreatedOrLocked() throws Exception {
    Path victim = victim();
    String before = state(victim);
    Path missing = victim.resolveSibling("created");
    Path toVictim = plantable("to-victim");
    plantLink(toVictim.resolve(".lock"), victim);
    Path dangling = plantable("dangling");
    plantLink(dangling.resolve(".lock"), missing);
    Path fifo = plantable("fifo");
    plantFifo(fifo.resolve(".lock"));
    for (Path dir : List.of(toVictim, dangling, fifo)) {
      assertTimeoutPreemptively(BOUND, () -> assertThatThrownBy(() -> new DirectoryLocker(dir))
          .isInstanceOf(FileSystemException.class)
          .hasMessageContaining(dir.resolve(".lock").toString()), dir.toString());
    }
    assertThat(state(victim)).isEqualTo(before);
    assertThat(missing).doesNotExist();
    assertThat(Files.isSymbolicLink(toVictim.resolve(".lock"))).isTrue();
  }

  /**
   * The lock file was reopened by name, following links, once its channel had been closed for
   * disuse: root then created (empty) and locked whatever a link planted there named.
   */
  @Test
  void theLockFileIsNeverReopenedThroughALinkOrAsAFifo() throws Exception {
    Path victim = victim();
    Path missing = victim.resolveSibling("created");
    Path dir = plantable("shared");
    DirectoryLocker locker = new DirectoryLocker(dir);
    assertThat(locker.acquireExclusiveLock(Duration.ofSeconds(5))).isTrue();
    locker.releaseLock();
    closeUnusedLockFiles();

    Files.delete(dir.resolve(".lock"));
    plantLink(dir.resolve(".lock"), missing);
    assertTimeoutPreemptively(BOUND, () -> {
      assertThatThrownBy(() -> locker.lockExclusive(Duration.ofSeconds(1))).isInstanceOf(FileSystemException.class)
          .hasMessageContaining(".lock");
      assertThatThrownBy(() -> locker.acquireSharedLock(Duration.ZERO)).hasCauseInstanceOf(FileSystemException.class);
    });
    assertThat(missing).doesNotExist();

    Files.delete(dir.resolve(".lock"));
    plantFifo(dir.resolve(".lock"));
    assertTimeoutPreemptively(BOUND, () -> assertThatThrownBy(() -> locker.lockExclusive(Duration.ofSeconds(1)))
        .isInstanceOf(FileSystemException.class));
    assertThat(missing).doesNotExist();
    assertThat(victim).hasContent("secret");
  }

  /** Lock and release other directories until this JVM has closed every unused lock file. */
  private void closeUnusedLockFiles() throws Exception {
    Path others = Files.createDirectory(tmp.resolve("others"));
    for (int i = 0; i < 40; i++) {
      DirectoryLocker l = new DirectoryLocker(others.resolve("d" + i));
      assertThat(l.acquireExclusiveLock(Duration.ZERO)).isTrue();
      l.releaseLock();
    }
    Thread.sleep(3000); // and any that linger close after 2 s
  }

  // ---------------------------------------------------------------------------------------------
  // Mode of .lock

  private static Set<PosixFilePermission> modeOf(Path p) throws IOException {
    return Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
  }

  private static int umask() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("Umask:")) {
        return Integer.parseInt(line.substring(6).trim(), 8);
      }
    }
    throw new AssertionError("no Umask in /proc/self/status");
  }

  /**
   * Whoever can open {@code .lock} can take a shared lock and keep exclusive holders out: a new lock
   * file is readable only by those who may write it (0644 under umask 022 let any reader in).
   */
  @Test
  void aNewLockFileIsReadableOnlyByThoseWhoMayWriteIt() throws Exception {
    int umask = umask();
    Path plain = Files.createDirectory(tmp.resolve("plain"));
    Files.setAttribute(plain, "unix:mode", 0777 & ~umask);
    new DirectoryLocker(plain);
    Set<PosixFilePermission> mode = modeOf(plain.resolve(".lock"));
    for (String who : List.of("GROUP", "OTHERS")) {
      if (mode.contains(PosixFilePermission.valueOf(who + "_READ"))) {
        assertThat(mode).as(who + " may read, so must be able to write").contains(PosixFilePermission.valueOf(who + "_WRITE"));
      }
    }
    if (umask == 022) {
      assertThat(mode).containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
    }
    Path sticky = OtherUser.isRoot() ? OtherUser.sharedDirectory(tmp, "sticky") : null;
    if (sticky != null) {
      new DirectoryLocker(sticky);
      assertThat(modeOf(sticky.resolve(".lock"))).containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ,
          PosixFilePermission.OWNER_WRITE);
      // the other user can neither open it nor replace it, so cannot block the lock
      assertThat(OtherUser.run("sh", "-c", "exec 3< '" + sticky.resolve(".lock") + "'").exit()).isNotZero();
      assertThat(OtherUser.run("rm", "-f", sticky.resolve(".lock").toString()).exit()).isNotZero();
      assertThat(sticky.resolve(".lock")).isRegularFile();
    }
  }

  /** The rule under other umasks, and group-shared directories (a child JVM started with the umask). */
  @Test
  void theGroupAndOthersMayUseALockFileWhereTheyMayReplaceItAndTheUmaskAllows() throws Exception {
    Path groupShared = Files.createDirectory(tmp.resolve("group-shared"));
    Files.setAttribute(groupShared, "unix:mode", 02770);
    Path sticky = Files.createDirectory(tmp.resolve("sticky"));
    Files.setAttribute(sticky, "unix:mode", 01777);
    Path open = Files.createDirectory(tmp.resolve("open"));
    Files.setAttribute(open, "unix:mode", 0777);
    assertThat(lockInChild("umask 002", groupShared)).isEqualTo("rw-rw----");
    assertThat(lockInChild("umask 022", Files.createDirectory(tmp.resolve("group-shared-022")), 02770)).isEqualTo("rw-------");
    assertThat(lockInChild("umask 000", sticky)).isEqualTo("rw-------");
    assertThat(lockInChild("umask 000", open)).isEqualTo("rw-rw-rw-");
    assertThat(lockInChild("umask 002", Files.createDirectory(tmp.resolve("open-002")), 0777)).isEqualTo("rw-rw----");
    if (OtherUser.isRoot()) {
      // the directory's group is not the one a new file gets (no setgid): the group gets nothing
      Path otherGroup = Files.createDirectory(tmp.resolve("other-group"));
      GroupPrincipal nogroup = otherGroup.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName("nogroup");
      Files.getFileAttributeView(otherGroup, PosixFileAttributeView.class).setGroup(nogroup);
      Files.setAttribute(otherGroup, "unix:mode", 0770);
      assertThat(lockInChild("umask 002", otherGroup)).isEqualTo("rw-------");
    }
  }

  private static String lockInChild(String umask, Path dir, int mode) throws Exception {
    Files.setAttribute(dir, "unix:mode", mode);
    return lockInChild(umask, dir);
  }

  /** @return the mode of the {@code .lock} that a locker made in a child JVM started after {@code umask} */
  private static String lockInChild(String umask, Path dir) throws Exception {
    try (ChildJvm child = ChildJvm.startUnder(umask, DirectoryLockerChild.class, "try", dir.toString(), "EXCLUSIVE", "0")) {
      assertThat(child.readLine()).isEqualTo("ACQUIRED");
      assertThat(child.waitFor(60)).isZero();
    }
    return java.nio.file.attribute.PosixFilePermissions.toString(modeOf(dir.resolve(".lock")));
  }
}
