package io.htmlgraph.atomic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each option of {@link WriteOptions}, asserted on disk. */
class WriteOptionsTest {
  @TempDir Path dir;

  private static String mode(Path p) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
  }

  @Test
  void defaultsAreFullDurabilityUtf8FollowReplace() {
    WriteOptions o = WriteOptions.defaults();
    assertThat(o.durability()).isEqualTo(Durability.FULL);
    assertThat(o.charset()).isEqualTo(StandardCharsets.UTF_8);
    assertThat(o.symlinks()).isEqualTo(SymlinkPolicy.FOLLOW);
    assertThat(o.noClobber()).isFalse();
    assertThat(o.tempDir()).isEmpty();
    assertThat(o.permissions()).isEmpty();
    WriteOptions changed = o.toBuilder().durability(Durability.NONE).noClobber().build();
    assertThat(changed.durability()).isEqualTo(Durability.NONE);
    assertThat(changed.noClobber()).isTrue();
    assertThat(o.durability()).isEqualTo(Durability.FULL);
  }

  @Test
  void badOptionValuesAreRefused() {
    assertThatThrownBy(() -> WriteOptions.builder().durability(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> WriteOptions.builder().charset(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> WriteOptions.builder().symlinks(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> WriteOptions.builder().tempDir(Path.of(""))).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void everyDurabilityLevelWritesTheContent() throws IOException {
    for (Durability d : Durability.values()) {
      Path target = dir.resolve("d-" + d);
      AtomicFileWriter.atomicWrite(target, d.name(), WriteOptions.builder().durability(d).build());
      assertThat(target).hasContent(d.name());
    }
    assertThat(TestFiles.temps(dir)).isEmpty();
  }

  @Test
  void newFileGetsTheModeOfAnOrdinaryCreationNot0600() throws IOException {
    Path ordinary = Files.writeString(dir.resolve("ordinary"), "x");
    Path ours = dir.resolve("ours");
    AtomicFileWriter.atomicWrite(ours, "x");
    assertThat(mode(ours)).isEqualTo(mode(ordinary));
    assertThat(mode(ours)).isNotEqualTo("rw-------");
  }

  @Test
  void replacedFileKeepsItsMode() throws IOException {
    Path target = Files.writeString(dir.resolve("config"), "old");
    Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-r-----"));
    AtomicFileWriter.atomicWrite(target, "new");
    assertThat(target).hasContent("new");
    assertThat(mode(target)).isEqualTo("rw-r-----");

    Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwxrwxrwx"));
    AtomicFileWriter.atomicWrite(target, "newer");
    assertThat(mode(target)).isEqualTo("rwxrwxrwx"); // beyond the umask, kept exactly
  }

  @Test
  void tempIsNeverMoreReadableThanTheFileItReplaces() throws IOException {
    Path target = Files.writeString(dir.resolve("secret"), "old");
    Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-------"));
    try (AtomicFileWriter w = new AtomicFileWriter(target)) {
      assertThat(mode(w.tempPath())).isEqualTo("rw-------");
    }
  }

  @Test
  void explicitPermissionsAreAppliedExactly() throws IOException {
    Path target = Files.writeString(dir.resolve("f"), "old");
    Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-------"));
    WriteOptions o = WriteOptions.builder().permissions(PosixFilePermissions.fromString("rw-rw-rw-")).build();
    AtomicFileWriter.atomicWrite(target, "new", o);
    assertThat(mode(target)).isEqualTo("rw-rw-rw-"); // 0666 even though the umask is 022
    Path fresh = dir.resolve("fresh");
    AtomicFileWriter.atomicWrite(fresh, "x", WriteOptions.builder().permissions(PosixFilePermissions.fromString("r--------")).build());
    assertThat(mode(fresh)).isEqualTo("r--------");
    assertThat(fresh).hasContent("x");
  }

  @Test
  void replacedFileKeepsOwnerAndGroupWhenPermitted() throws IOException {
    assumeTrue(TestFiles.isRoot(), "changing a file's owner needs root; skipped as " + System.getProperty("user.name"));
    Path target = Files.writeString(dir.resolve("owned"), "old");
    Files.setAttribute(target, "unix:uid", 12345);
    Files.setAttribute(target, "unix:gid", 23456);
    Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-r-----"));
    AtomicFileWriter.atomicWrite(target, "new");
    assertThat(target).hasContent("new");
    assertThat(Files.getAttribute(target, "unix:uid")).isEqualTo(12345);
    assertThat(Files.getAttribute(target, "unix:gid")).isEqualTo(23456);
    assertThat(mode(target)).isEqualTo("rw-r-----");
  }

  @Test
  void setuidAndSetgidBitsSurviveAReplaceByRoot() throws IOException {
    // any other user's replace drops them, as the kernel does on its writes (ReplaceKeepsAccessTest)
    assumeTrue(TestFiles.isRoot(), "setuid and setgid are kept by root only; skipped as " + System.getProperty("user.name"));
    Path target = Files.writeString(dir.resolve("tool"), "old");
    Files.setAttribute(target, "unix:mode", 06750);
    AtomicFileWriter.atomicWrite(target, "new");
    assertThat(((Integer) Files.getAttribute(target, "unix:mode")) & 07777).isEqualTo(06750);
  }

  @Test
  void replacedFileKeepsUserXattrs() throws IOException {
    Path target = Files.writeString(dir.resolve("tagged"), "old");
    UserDefinedFileAttributeView view = Files.getFileAttributeView(target, UserDefinedFileAttributeView.class);
    try {
      view.write("origin", StandardCharsets.UTF_8.encode("test-suite"));
    } catch (IOException | UnsupportedOperationException e) {
      assumeTrue(false, "user xattrs unsupported here: " + e);
    }
    AtomicFileWriter.atomicWrite(target, "new");
    UserDefinedFileAttributeView after = Files.getFileAttributeView(target, UserDefinedFileAttributeView.class);
    // the user's attribute, and the library's version mark (fresh on every write: see FileVersion)
    assertThat(after.list()).containsExactlyInAnyOrder("origin", "htmlgraph.version");
    ByteBuffer b = ByteBuffer.allocate(after.size("origin"));
    after.read("origin", b);
    assertThat(new String(b.array(), StandardCharsets.UTF_8)).isEqualTo("test-suite");
  }

  @Test
  void symlinkIsFollowedAndKeptByDefault() throws IOException {
    Path real = Files.writeString(dir.resolve("real.txt"), "old");
    Path link = Files.createSymbolicLink(dir.resolve("link.txt"), Path.of("real.txt"));
    AtomicFileWriter.atomicWrite(link, "new");
    assertThat(Files.isSymbolicLink(link)).isTrue();
    assertThat(Files.readSymbolicLink(link)).isEqualTo(Path.of("real.txt"));
    assertThat(real).hasContent("new");
    assertThat(TestFiles.temps(dir)).isEmpty();
  }

  @Test
  void chainOfLinksIntoAnotherDirectoryIsFollowed() throws IOException {
    Path other = Files.createDirectory(dir.resolve("other"));
    Path real = Files.writeString(other.resolve("real.txt"), "old");
    Files.createSymbolicLink(dir.resolve("hop2"), real);
    Path link = Files.createSymbolicLink(dir.resolve("hop1"), Path.of("hop2"));
    AtomicFileWriter.atomicWrite(link, "new");
    assertThat(real).hasContent("new");
    assertThat(Files.isSymbolicLink(dir.resolve("hop2"))).isTrue();
    assertThat(TestFiles.temps(other)).isEmpty();
    assertThat(TestFiles.temps(dir)).isEmpty();
  }

  @Test
  void danglingLinkGetsItsFileCreated() throws IOException {
    Path link = Files.createSymbolicLink(dir.resolve("link"), Path.of("missing.txt"));
    AtomicFileWriter.atomicWrite(link, "created");
    assertThat(Files.isSymbolicLink(link)).isTrue();
    assertThat(dir.resolve("missing.txt")).hasContent("created");
  }

  @Test
  void symlinkLoopIsAClearError() throws IOException {
    Path a = dir.resolve("a");
    Path b = dir.resolve("b");
    Files.createSymbolicLink(a, b);
    Files.createSymbolicLink(b, a);
    assertThatThrownBy(() -> AtomicFileWriter.atomicWrite(a, "x")).isInstanceOf(IOException.class)
        .hasMessageContaining("symbolic links");
    assertThat(TestFiles.names(dir)).containsExactly("a", "b");
  }

  @Test
  void replaceLinkPolicyReplacesTheLinkItself() throws IOException {
    Path real = Files.writeString(dir.resolve("real.txt"), "old");
    Path link = Files.createSymbolicLink(dir.resolve("link.txt"), Path.of("real.txt"));
    AtomicFileWriter.atomicWrite(link, "new", WriteOptions.builder().symlinks(SymlinkPolicy.REPLACE_LINK).build());
    assertThat(Files.isSymbolicLink(link)).isFalse();
    assertThat(link).isRegularFile().hasContent("new");
    assertThat(real).hasContent("old");
  }

  @Test
  void noClobberCreatesWhenAbsent() throws IOException {
    Path target = dir.resolve("once");
    AtomicFileWriter.atomicWrite(target, "first", WriteOptions.builder().noClobber().build());
    assertThat(target).hasContent("first");
    assertThat(TestFiles.temps(dir)).isEmpty();
  }

  @Test
  void noClobberFailsWhenPresentAndChangesNothing() throws IOException {
    Path target = Files.writeString(dir.resolve("once"), "first");
    WriteOptions o = WriteOptions.builder().noClobber().build();
    assertThatThrownBy(() -> AtomicFileWriter.atomicWrite(target, "second", o)).isInstanceOf(FileAlreadyExistsException.class);
    assertThat(target).hasContent("first");
    assertThat(TestFiles.names(dir)).containsExactly("once");
  }

  @Test
  void noClobberDetectsATargetCreatedWhileWriting() throws IOException {
    Path target = dir.resolve("once");
    WriteOptions o = WriteOptions.builder().noClobber().build();
    try (AtomicFileWriter w = new AtomicFileWriter(target, o)) {
      w.write("mine");
      Files.writeString(target, "someone else's");
      assertThatThrownBy(w::commit).isInstanceOf(FileAlreadyExistsException.class);
    }
    assertThat(target).hasContent("someone else's");
    assertThat(TestFiles.temps(dir)).isEmpty();
  }

  @Test
  void noClobberRaceHasExactlyOneWinner() throws Exception {
    WriteOptions o = WriteOptions.builder().noClobber().durability(Durability.NONE).build();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      for (int round = 0; round < 50; round++) {
        Path target = dir.resolve("race-" + round);
        List<AtomicFileWriter> writers = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
          AtomicFileWriter w = new AtomicFileWriter(target, o);
          w.write("writer-" + i);
          writers.add(w);
        }
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Boolean>> results = new ArrayList<>();
        for (AtomicFileWriter w : writers) {
          results.add(pool.submit(() -> {
            go.await();
            try {
              w.commit();
              return true;
            } catch (FileAlreadyExistsException lost) {
              return false;
            }
          }));
        }
        go.countDown();
        int winners = 0;
        int winner = -1;
        for (int i = 0; i < results.size(); i++) {
          if (results.get(i).get()) {
            winners++;
            winner = i;
          }
        }
        assertThat(winners).as("round %d", round).isEqualTo(1);
        assertThat(target).hasContent("writer-" + winner);
      }
      assertThat(TestFiles.temps(dir)).isEmpty();
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void tempDirOnTheSameFileSystem() throws IOException {
    Path tempDir = dir.resolve("scratch");
    Path target = dir.resolve("data/important.txt");
    Files.createDirectories(target.getParent());
    Files.writeString(target, "old");
    try (AtomicFileWriter w = new AtomicFileWriter(target, tempDir)) {
      assertThat(w.tempPath().getParent()).isEqualTo(tempDir);
      w.write("content");
      w.commit();
    }
    assertThat(target).hasContent("content");
    assertThat(TestFiles.temps(tempDir)).isEmpty();
    assertThat(TestFiles.names(target.getParent())).containsExactly("important.txt");
  }

  @Test
  void tempDirOnAnotherFileSystemIsStillAtomic() throws Exception {
    assumeTrue(TestFiles.canMount(), "needs root and mount(8) to make a second file system (tmpfs); skipped");
    try (TestFiles.Tmpfs other = new TestFiles.Tmpfs(dir.resolve("tmpfs"), "size=4m")) {
      Path target = dir.resolve("data/important.txt");
      Files.createDirectories(target.getParent());
      Files.writeString(target, "old");
      Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-r-----"));
      try (AtomicFileWriter w = new AtomicFileWriter(target, other.dir)) {
        assertThat(w.tempPath().getParent()).isEqualTo(other.dir);
        w.write("across file systems");
        w.flush();
        assertThat(target).hasContent("old");
        w.commit();
      }
      assertThat(target).hasContent("across file systems");
      assertThat(mode(target)).isEqualTo("rw-r-----");
      assertThat(TestFiles.temps(other.dir)).isEmpty();
      assertThat(TestFiles.names(target.getParent())).containsExactly("important.txt");
      // and a rollback across file systems leaves nothing on either side
      assertThatThrownBy(() -> AtomicFileWriter.atomicWrite(target, WriteOptions.builder().tempDir(other.dir).build(), w -> {
        w.write("nope");
        throw new IOException("body failed");
      })).hasMessage("body failed");
      assertThat(target).hasContent("across file systems");
      assertThat(TestFiles.temps(other.dir)).isEmpty();
      assertThat(TestFiles.names(target.getParent())).containsExactly("important.txt");
    }
  }
}
