package io.htmlgraph.atomic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
  @TempDir Path dir;

  private Path old(Path p, Duration age) throws IOException {
    Files.setLastModifiedTime(p, FileTime.from(Instant.now().minus(age)));
    return p;
  }

  // ---- atomicRename

  @Test
  void renameReplacesTheDestination() throws IOException {
    Path src = Files.writeString(dir.resolve("temp.txt"), "new");
    Path dst = Files.writeString(dir.resolve("final.txt"), "old");
    AtomicFiles.atomicRename(src, dst);
    assertThat(dst).hasContent("new");
    assertThat(src).doesNotExist();
  }

  @Test
  void renameCreatesTheDestinationsParents() throws IOException {
    Path src = Files.writeString(dir.resolve("temp.txt"), "new");
    Path dst = dir.resolve("x/y/final.txt");
    AtomicFiles.atomicRename(src, dst);
    assertThat(dst).hasContent("new");
    assertThat(src).doesNotExist();
  }

  @Test
  void renameOfAMissingSourceIsNoSuchFile() {
    assertThatThrownBy(() -> AtomicFiles.atomicRename(dir.resolve("missing"), dir.resolve("dst")))
        .isInstanceOf(NoSuchFileException.class);
    assertThat(dir.resolve("dst")).doesNotExist();
  }

  @Test
  void renameOntoItselfIsIllegalArgumentAndChangesNothing() throws IOException {
    Path f = Files.writeString(dir.resolve("f.txt"), "keep");
    Files.createDirectory(dir.resolve("sub"));
    Path link = Files.createSymbolicLink(dir.resolve("link.txt"), f);
    assertThatThrownBy(() -> AtomicFiles.atomicRename(f, f)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> AtomicFiles.atomicRename(f, dir.resolve("sub/../f.txt"))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> AtomicFiles.atomicRename(f, link)).isInstanceOf(IllegalArgumentException.class);
    Path hard = Files.createLink(dir.resolve("hard.txt"), f);
    assertThatThrownBy(() -> AtomicFiles.atomicRename(hard, f)).isInstanceOf(IllegalArgumentException.class);
    assertThat(f).hasContent("keep");
    assertThat(Files.isSymbolicLink(link)).isTrue();
    assertThat(hard).hasContent("keep");
  }

  @Test
  void renameRefusesBadArguments() {
    Path p = dir.resolve("p");
    assertThatThrownBy(() -> AtomicFiles.atomicRename(null, p)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> AtomicFiles.atomicRename(p, null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> AtomicFiles.atomicRename(Path.of(""), p)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void renameMovesALinkAsALink() throws IOException {
    Path real = Files.writeString(dir.resolve("real"), "r");
    Path link = Files.createSymbolicLink(dir.resolve("link"), Path.of("real"));
    Path dst = dir.resolve("moved-link");
    AtomicFiles.atomicRename(link, dst);
    assertThat(Files.isSymbolicLink(dst)).isTrue();
    assertThat(real).hasContent("r");
  }

  @Test
  void renameAcrossFileSystemsCopiesSyncsRenamesThenRemovesTheSource() throws Exception {
    assumeTrue(TestFiles.canMount(), "needs root and mount(8) to make a second file system (tmpfs); skipped");
    try (TestFiles.Tmpfs other = new TestFiles.Tmpfs(dir.resolve("tmpfs"), "size=4m")) {
      Path src = Files.writeString(other.dir.resolve("src.txt"), "travelling");
      Files.setPosixFilePermissions(src, PosixFilePermissions.fromString("rw-r-----"));
      FileTime mtime = FileTime.from(Instant.parse("2020-01-02T03:04:05Z"));
      Files.setLastModifiedTime(src, mtime);
      Path dst = Files.writeString(dir.resolve("dst.txt"), "old");
      AtomicFiles.atomicRename(src, dst);
      assertThat(dst).hasContent("travelling");
      assertThat(src).doesNotExist();
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dst))).isEqualTo("rw-r-----");
      assertThat(Files.getLastModifiedTime(dst)).isEqualTo(mtime);
      assertThat(TestFiles.temps(dir)).isEmpty();
      // a directory cannot cross file systems atomically
      Path srcDir = Files.createDirectory(other.dir.resolve("d"));
      assertThatThrownBy(() -> AtomicFiles.atomicRename(srcDir, dir.resolve("d"))).isInstanceOf(IOException.class);
      assertThat(srcDir).isDirectory();
      assertThat(dir.resolve("d")).doesNotExist();
    }
  }

  @Test
  void aDirectoryIntoItselfIsRefusedBeforeAnythingIsCreated() throws IOException {
    Path d = Files.createDirectory(dir.resolve("d"));
    Files.writeString(d.resolve("keep.txt"), "kept");
    Path viaLink = Files.createSymbolicLink(dir.resolve("alias"), d);
    assertThatThrownBy(() -> AtomicFiles.atomicRename(d, d.resolve("sub/x/d2")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("into itself");
    assertThatThrownBy(() -> AtomicFiles.atomicRename(d, viaLink.resolve("sub/x/d2")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("into itself");
    assertThatThrownBy(() -> AtomicFiles.atomicRename(d, d.resolve("d2")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(TestFiles.names(d)).containsExactly("keep.txt");
    // a sibling whose name merely starts the same is not inside
    AtomicFiles.atomicRename(d, dir.resolve("d-renamed/d"));
    assertThat(dir.resolve("d-renamed/d/keep.txt")).hasContent("kept");
  }

  @Test
  void aFailedRenameRemovesTheParentsItCreated() throws IOException {
    Path shm = Path.of("/dev/shm");
    assumeTrue(Files.isDirectory(shm) && Files.isWritable(shm)
        && !Files.getAttribute(shm, "unix:dev").equals(Files.getAttribute(dir, "unix:dev")),
        "needs /dev/shm on another file system than " + dir);
    Path d = Files.createDirectory(dir.resolve("d"));
    Path missing = shm.resolve("atomic-rename-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
    try {
      // a directory cannot cross file systems: the rename fails after creating missing/sub
      assertThatThrownBy(() -> AtomicFiles.atomicRename(d, missing.resolve("sub/d")))
          .isInstanceOf(java.nio.file.AtomicMoveNotSupportedException.class);
      assertThat(missing).doesNotExist();
      assertThat(d).isDirectory();
    } finally {
      if (Files.exists(missing.resolve("sub"))) {
        Files.delete(missing.resolve("sub"));
      }
      Files.deleteIfExists(missing);
    }
  }

  // ---- private directories of writers that died while preparing a replace

  private Path deadWritersPrivateDirectory(String name, boolean withMark) throws IOException {
    Path p = Files.createDirectory(dir.resolve(name));
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
    if (withMark) {
      Files.writeString(p.resolve("live"), "");
    }
    Files.writeString(p.resolve(".tmp-1764093296123456-abc123de.tmp"), "a partial copy");
    return old(p, Duration.ofHours(1));
  }

  @Test
  void theSweepRemovesThePrivateDirectoryOfADeadWriter() throws IOException {
    Path dead = deadWritersPrivateDirectory(".tmp-1764093296000001-deaddead.tmp", true);
    Path noMark = Files.createDirectory(dir.resolve(".tmp-1764093296000002-nomarkxx.tmp"));
    Files.setPosixFilePermissions(noMark, PosixFilePermissions.fromString("rwx------"));
    Path notOurs = Files.createDirectory(dir.resolve(".tmp-1764093296000003-notoursx.tmp")); // 0755
    Path nested = deadWritersPrivateDirectory(".tmp-1764093296000004-nestedxx.tmp", true);
    Files.createDirectory(nested.resolve("sub"));
    List<Path> found = new ArrayList<>();
    assertThat(AtomicFiles.findOrphanedTempFiles(dir, Duration.ZERO, found::add)).isEqualTo(2);
    assertThat(dead).isDirectory();
    List<Path> removed = new ArrayList<>();
    assertThat(AtomicFiles.cleanupOrphanedTempFiles(dir, Duration.ZERO, removed::add)).isEqualTo(2);
    assertThat(removed).containsExactlyInAnyOrder(dead, noMark).containsExactlyInAnyOrderElementsOf(found);
    assertThat(TestFiles.names(dir)).containsExactlyInAnyOrder(notOurs.getFileName().toString(),
        nested.getFileName().toString());
    // younger than the age asked: kept
    Path young = deadWritersPrivateDirectory(".tmp-1764093296000005-youngxxx.tmp", true);
    Files.setLastModifiedTime(young, FileTime.from(Instant.now()));
    assertThat(AtomicFiles.cleanupOrphanedTempFiles(dir, Duration.ofMinutes(5))).isZero();
    assertThat(young).isDirectory();
  }

  @Test
  void theSweepKeepsThePrivateDirectoryOfALiveWriterInAnotherProcess() throws Exception {
    assumeTrue(TestFiles.run("python3", "-c", "import fcntl") == 0, "needs python3 to hold a POSIX lock");
    Path live = deadWritersPrivateDirectory(".tmp-1764093296000006-livexxxx.tmp", true);
    // a process holding the mark's lock, as a writer does (fcntl locks: Python's lockf and Java's exclude)
    Process holder = new ProcessBuilder("python3", "-c", "import fcntl,sys,time\n"
        + "f=open(sys.argv[1],'r+'); fcntl.lockf(f, fcntl.LOCK_EX); print('locked', flush=True); time.sleep(60)",
        live.resolve("live").toString()).redirectErrorStream(true).start();
    try {
      assertThat(new java.io.BufferedReader(new java.io.InputStreamReader(holder.getInputStream())).readLine())
          .isEqualTo("locked");
      assertThat(AtomicFiles.cleanupOrphanedTempFiles(dir, Duration.ZERO)).isZero();
      assertThat(live.resolve("live")).exists();
    } finally {
      holder.destroyForcibly();
      holder.waitFor();
    }
    assertThat(AtomicFiles.cleanupOrphanedTempFiles(dir, Duration.ZERO)).isEqualTo(1);
    assertThat(live).doesNotExist();
  }

  @Test
  void aFifoAsTheMarkOfAPrivateDirectoryNeitherBlocksTheSweepNorIsRemoved() throws Exception {
    Path p = Files.createDirectory(dir.resolve(".tmp-1764093296000007-fifoxxxx.tmp"));
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
    assumeTrue(TestFiles.run("mkfifo", p.resolve("live").toString()) == 0, "needs mkfifo");
    old(p, Duration.ofHours(1));
    assertThat(org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofSeconds(10),
        () -> AtomicFiles.cleanupOrphanedTempFiles(dir, Duration.ZERO))).isZero();
    assertThat(p.resolve("live")).exists();
  }

  // ---- safeTempFile

  @Test
  void safeTempFileNamesAFreshPathAndCreatesTheDirectoryOnly() throws IOException {
    Path sub = dir.resolve("tmpdir");
    Path p = AtomicFiles.safeTempFile(sub, "session");
    assertThat(sub).isDirectory();
    assertThat(p).doesNotExist();
    assertThat(p.getParent()).isEqualTo(sub);
    assertThat(p.getFileName().toString()).matches("\\.session-\\d{16}-[a-z0-9]{8}\\.tmp");
    assertThat(AtomicFiles.safeTempFile(sub).getFileName().toString()).matches("\\.tmp-\\d{16}-[a-z0-9]{8}\\.tmp");
    assertThat(AtomicFiles.safeTempFile(sub, "x")).isNotEqualTo(AtomicFiles.safeTempFile(sub, "x"));
  }

  @Test
  void safeTempFileMicrosecondsAreNow() throws IOException {
    long before = Instant.now().toEpochMilli() * 1000;
    String name = AtomicFiles.safeTempFile(dir, "p").getFileName().toString();
    long after = (Instant.now().toEpochMilli() + 1) * 1000;
    long micros = Long.parseLong(name.split("-")[1]);
    assertThat(micros).isBetween(before, after);
  }

  @Test
  void safeTempFileRefusesBadPrefixes() {
    assertThatThrownBy(() -> AtomicFiles.safeTempFile(dir, "a/b")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> AtomicFiles.safeTempFile(dir, "")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> AtomicFiles.safeTempFile(dir, null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> AtomicFiles.safeTempFile(Path.of(""), "p")).isInstanceOf(IllegalArgumentException.class);
  }

  // ---- cleanupOrphanedTempFiles

  @Test
  void cleanupRemovesOnlyOldTmpFilesDirectlyInTheDirectory() throws IOException {
    Path oldTemp = old(Files.writeString(dir.resolve(".tmp-old"), "x"), Duration.ofHours(25));
    Path newTemp = Files.writeString(dir.resolve(".tmp-new"), "x");
    Path oldOther = old(Files.writeString(dir.resolve("data.txt"), "x"), Duration.ofHours(25));
    Path oldOtherTemp = old(Files.writeString(dir.resolve(".session-1-abc.tmp"), "x"), Duration.ofHours(25));
    Path sub = Files.createDirectory(dir.resolve("sub"));
    Path nested = old(Files.writeString(sub.resolve(".tmp-nested"), "x"), Duration.ofHours(25));
    Path tmpDir = Files.createDirectory(dir.resolve(".tmp-dir"));
    old(tmpDir, Duration.ofHours(25));

    assertThat(AtomicFiles.cleanupOrphanedTempFiles(dir)).isEqualTo(1);
    assertThat(oldTemp).doesNotExist();
    assertThat(newTemp).exists();
    assertThat(oldOther).exists();
    assertThat(oldOtherTemp).exists();
    assertThat(nested).exists();
    assertThat(tmpDir).isDirectory();
  }

  @Test
  void cleanupAgeIsStrictlyGreater() throws IOException {
    Path t = old(Files.writeString(dir.resolve(".tmp-a"), "x"), Duration.ofHours(1));
    assertThat(AtomicFiles.cleanupOrphanedTempFiles(dir, Duration.ofHours(2))).isZero();
    assertThat(t).exists();
    assertThat(AtomicFiles.cleanupOrphanedTempFiles(dir, Duration.ofMinutes(59))).isEqualTo(1);
    assertThat(t).doesNotExist();
    Path zero = Files.writeString(dir.resolve(".tmp-b"), "x");
    old(zero, Duration.ofMillis(5));
    assertThat(AtomicFiles.cleanupOrphanedTempFiles(dir, Duration.ZERO)).isEqualTo(1);
  }

  @Test
  void cleanupNeverFollowsLinks() throws IOException {
    Path victim = Files.writeString(dir.resolve(".tmp-victim-elsewhere"), "precious");
    Path other = Files.createDirectory(dir.resolve("other"));
    Path link = Files.createSymbolicLink(other.resolve(".tmp-link"), victim);
    old(victim, Duration.ofDays(2));
    assertThat(AtomicFiles.cleanupOrphanedTempFiles(other, Duration.ZERO)).isZero();
    assertThat(victim).hasContent("precious");
    assertThat(Files.isSymbolicLink(link)).isTrue();
  }

  @Test
  void cleanupOfAMissingDirectoryIsZeroAndOfAFileIsAnError() throws IOException {
    assertThat(AtomicFiles.cleanupOrphanedTempFiles(dir.resolve("missing"))).isZero();
    Path file = Files.writeString(dir.resolve("file"), "x");
    assertThatThrownBy(() -> AtomicFiles.cleanupOrphanedTempFiles(file)).isInstanceOf(NotDirectoryException.class);
    assertThatThrownBy(() -> AtomicFiles.cleanupOrphanedTempFiles(dir, Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void cleanupNeverDeletesALiveWritersTempInThisJvm() throws IOException {
    Path target = dir.resolve("data.txt");
    try (AtomicFileWriter w = new AtomicFileWriter(target)) {
      w.write("in progress");
      w.flush();
      old(w.tempPath(), Duration.ofDays(3));
      assertThat(AtomicFiles.cleanupOrphanedTempFiles(dir, Duration.ZERO)).isZero();
      assertThat(w.tempPath()).exists();
      w.write(", done");
      w.commit();
    }
    assertThat(target).hasContent("in progress, done");
  }

  @Test
  void cleanupThenRemovesTheTempOfAWriterThatDiedWithoutCleaningUp() throws IOException {
    // a crashed writer leaves an unlocked, unregistered temp: simulated by a plain file
    Path orphan = Files.writeString(dir.resolve(".tmp-1700000000000000-abcdefgh.tmp"), "half");
    old(orphan, Duration.ofSeconds(1));
    List<Path> found = new ArrayList<>();
    assertThat(AtomicFiles.findOrphanedTempFiles(dir, Duration.ZERO, found::add)).isEqualTo(1);
    assertThat(orphan).exists();
    assertThat(found).containsExactly(orphan);
    List<Path> removed = new ArrayList<>();
    assertThat(AtomicFiles.cleanupOrphanedTempFiles(dir, Duration.ZERO, removed::add)).isEqualTo(1);
    assertThat(removed).containsExactly(orphan);
    assertThat(orphan).doesNotExist();
  }

  @Test
  void cleanupStreamsALargeDirectory() throws IOException {
    for (int i = 0; i < 5000; i++) {
      Files.createFile(dir.resolve("entry-" + i));
    }
    for (int i = 0; i < 100; i++) {
      old(Files.createFile(dir.resolve(".tmp-" + i)), Duration.ofDays(2));
    }
    assertThat(AtomicFiles.cleanupOrphanedTempFiles(dir)).isEqualTo(100);
    assertThat(TestFiles.temps(dir)).isEmpty();
    assertThat(TestFiles.names(dir)).hasSize(5000);
  }

  // ---- validateAtomicWrite

  @Test
  void validateIsTrueOnlyForAReadableUtf8RegularFile() throws IOException {
    Path good = Files.writeString(dir.resolve("good.txt"), "héllo 😀");
    Path empty = Files.createFile(dir.resolve("empty"));
    Path bad = Files.write(dir.resolve("bad.bin"), new byte[] {'o', 'k', (byte) 0xc3});
    Path overlong = Files.write(dir.resolve("overlong"), new byte[] {(byte) 0xc0, (byte) 0xaf});
    Path surrogate = Files.write(dir.resolve("surrogate"), new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80});
    Path sub = Files.createDirectory(dir.resolve("sub"));
    Path link = Files.createSymbolicLink(dir.resolve("link"), good);
    assertThat(AtomicFiles.validateAtomicWrite(good)).isTrue();
    assertThat(AtomicFiles.validateAtomicWrite(empty)).isTrue();
    assertThat(AtomicFiles.validateAtomicWrite(link)).isTrue();
    assertThat(AtomicFiles.validateAtomicWrite(bad)).isFalse();
    assertThat(AtomicFiles.validateAtomicWrite(overlong)).isFalse();
    assertThat(AtomicFiles.validateAtomicWrite(surrogate)).isFalse();
    assertThat(AtomicFiles.validateAtomicWrite(sub)).isFalse();
    assertThat(AtomicFiles.validateAtomicWrite(dir.resolve("missing"))).isFalse();
    assertThatThrownBy(() -> AtomicFiles.validateAtomicWrite(Path.of(""))).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void validateFindsAnErrorAfterManyBuffersAndASequenceSplitAcrossThem() throws IOException {
    byte[] data = new byte[3 * 65536 + 1];
    java.util.Arrays.fill(data, (byte) 'a');
    // a 3-byte character straddling the first buffer boundary is valid
    data[65535] = (byte) 0xe2;
    data[65536] = (byte) 0x82;
    data[65537] = (byte) 0xac;
    Path ok = Files.write(dir.resolve("ok"), data);
    assertThat(AtomicFiles.validateAtomicWrite(ok)).isTrue();
    data[data.length - 1] = (byte) 0xff;
    Path bad = Files.write(dir.resolve("bad"), data);
    assertThat(AtomicFiles.validateAtomicWrite(bad)).isFalse();
  }
}
