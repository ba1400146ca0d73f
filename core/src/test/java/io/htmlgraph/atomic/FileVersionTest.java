package io.htmlgraph.atomic;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.htmlgraph.atomic.internal.VersionMarks;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link FileVersion}: what makes a new version, and what does not. */
class FileVersionTest {
  private static final int REPLACES = 300;

  @TempDir Path dir;

  private static String mark(Path file) throws IOException {
    UserDefinedFileAttributeView v = Files.getFileAttributeView(file, UserDefinedFileAttributeView.class);
    ByteBuffer b = ByteBuffer.allocate(64);
    v.read(VersionMarks.NAME, b);
    b.flip();
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return HexFormat.of().formatHex(out);
  }

  private boolean xattrsHere() {
    try {
      Path probe = Files.writeString(dir.resolve("probe"), "x");
      Files.getFileAttributeView(probe, UserDefinedFileAttributeView.class).write("probe", ByteBuffer.wrap(new byte[1]));
      Files.delete(probe);
      return true;
    } catch (IOException | UnsupportedOperationException | NullPointerException e) {
      return false;
    }
  }

  @Test
  void aMissingFileIsAbsent() throws IOException {
    assertThat(FileVersion.of(dir.resolve("missing"))).isEqualTo(FileVersion.absent());
    assertThat(FileVersion.of(dir.resolve("missing")).isAbsent()).isTrue();
  }

  @Test
  void aDanglingLinkIsAbsent() throws IOException {
    Path link = Files.createSymbolicLink(dir.resolve("dangling"), dir.resolve("nowhere"));
    assertThat(FileVersion.of(link).isAbsent()).isTrue();
  }

  @Test
  void aLinkHasTheVersionOfTheFileItNames() throws IOException {
    Path file = Files.writeString(dir.resolve("file"), "x");
    Path link = Files.createSymbolicLink(dir.resolve("link"), file);
    assertThat(FileVersion.of(link)).isEqualTo(FileVersion.of(file));
  }

  @Test
  void aDirectoryHasNoVersion() {
    assertThatThrownBy(() -> FileVersion.of(dir)).isInstanceOf(FileSystemException.class);
  }

  @Test
  void anUnchangedFileKeepsItsVersion() throws IOException {
    Path file = Files.writeString(dir.resolve("file"), "content");
    FileVersion v = FileVersion.of(file);
    Files.readString(file);
    assertThat(FileVersion.of(file)).isEqualTo(v).hasSameHashCodeAs(v);
    assertThat(v.isAbsent()).isFalse();
  }

  @Test
  void anEditInPlaceMakesANewVersion() throws IOException {
    Path file = Files.writeString(dir.resolve("file"), "content");
    FileVersion v = FileVersion.of(file);
    Files.writeString(file, "CONTENT");
    assertThat(FileVersion.of(file)).isNotEqualTo(v);
  }

  @Test
  void everyReplaceWithEqualBytesMakesANewVersion() throws IOException {
    // A, B, A', B', ...: equal sizes, the same two contents, and ext4 hands the freed inode number to
    // the next file but one: every version must still be new
    Path file = dir.resolve("file");
    Set<FileVersion> seen = new HashSet<>();
    for (int i = 0; i < REPLACES; i++) {
      AtomicFileWriter.atomicWrite(file, i % 2 == 0 ? "AAAA" : "BBBB");
      assertThat(seen.add(FileVersion.of(file))).as("replace %d made a version seen before", i).isTrue();
    }
  }

  @Test
  void aReplaceWithEqualBytesAndTheSameModificationTimeMakesANewVersion() throws IOException {
    Path file = dir.resolve("file");
    AtomicFileWriter.atomicWrite(file, "same");
    java.nio.file.attribute.FileTime mtime = Files.getLastModifiedTime(file);
    FileVersion before = FileVersion.of(file);
    AtomicFileWriter.atomicWrite(file, "same");
    Files.setLastModifiedTime(file, mtime);
    assertThat(Files.getLastModifiedTime(file)).isEqualTo(mtime);
    assertThat(FileVersion.of(file)).isNotEqualTo(before);
  }

  @Test
  void everyReplaceByAnyWriterOfTheLibraryMakesANewVersion() throws IOException {
    Path file = dir.resolve("file");
    Set<FileVersion> seen = new HashSet<>();
    for (int i = 0; i < 30; i++) {
      AtomicFileWriter.atomicWrite(file, "same");
      assertThat(seen.add(FileVersion.of(file))).isTrue();
      AtomicFiles.atomicWriteAll(Map.of(file, "same".getBytes(UTF_8)));
      assertThat(seen.add(FileVersion.of(file))).isTrue();
      try (FileTransaction tx = FileTransaction.begin(dir)) {
        tx.write(dir.relativize(file), "same");
        tx.commit();
      }
      assertThat(seen.add(FileVersion.of(file))).isTrue();
    }
  }

  @Test
  void everyWriteOfTheLibrarySetsAFreshVersionMark() throws IOException {
    assumeTrue(xattrsHere(), "user xattrs are not supported here");
    Path file = dir.resolve("file");
    Set<String> marks = new HashSet<>();
    for (int i = 0; i < 50; i++) {
      AtomicFileWriter.atomicWrite(file, "same bytes");
      assertThat(marks.add(mark(file))).as("write %d reused a mark", i).isTrue();
    }
    try (FileTransaction tx = FileTransaction.begin(dir)) {
      tx.write(Path.of("file"), "same bytes");
      tx.commit();
    }
    assertThat(marks.add(mark(file))).as("a transaction reused a mark").isTrue();
  }

  @Test
  void theMarkOfTheReplacedFileIsNotCopiedOntoTheNewOne() throws IOException {
    assumeTrue(xattrsHere(), "user xattrs are not supported here");
    Path file = Files.writeString(dir.resolve("file"), "x");
    Files.getFileAttributeView(file, UserDefinedFileAttributeView.class)
        .write(VersionMarks.NAME, ByteBuffer.wrap(HexFormat.of().parseHex("00112233445566778899aabbccddeeff")));
    AtomicFileWriter.atomicWrite(file, "y");
    assertThat(mark(file)).isNotEqualTo("00112233445566778899aabbccddeeff").hasSize(32);
  }

  @Test
  void aFileOfAnotherProgramHasAVersionWithoutMark() throws IOException {
    Path file = Files.writeString(dir.resolve("plain"), "written without the library");
    FileVersion v = FileVersion.of(file);
    assertThat(v.toString()).contains("mark=none");
    assertThat(FileVersion.of(file)).isEqualTo(v);
  }

  @Test
  void readingAVersionNeverDropsALockOfThisJvm() throws IOException {
    // FileVersion.of opens a file to read its mark; opening and closing a lock file in use would drop
    // this JVM's fcntl lock: it must not touch it
    DirectoryLocker locker = new DirectoryLocker(dir);
    try (DirectoryLock lock = locker.lockExclusive(java.time.Duration.ofSeconds(5))) {
      FileVersion.of(locker.lockFile());
      List<String> out = new java.util.ArrayList<>();
      try (var child = io.htmlgraph.atomic.testsupport.ChildJvm.start(DirectoryLockerChild.class, "try",
          dir.toString(), "EXCLUSIVE", "0")) {
        for (String line; (line = child.readLine()) != null; ) {
          out.add(line);
        }
      }
      assertThat(out).as("another process tried the lock while this one held it").isNotEmpty()
          .allMatch(l -> l.startsWith("TIMEOUT"));
    }
  }

  @Test
  void versionsDescribeThemselves() throws IOException {
    Path file = Files.writeString(dir.resolve("file"), "x");
    assertThat(FileVersion.absent().toString()).isEqualTo("FileVersion[absent]");
    assertThat(FileVersion.of(file).toString()).startsWith("FileVersion[file=").contains("size=1");
    Map<FileVersion, String> asKeys = new LinkedHashMap<>();
    asKeys.put(FileVersion.of(file), "a");
    assertThat(asKeys).containsKey(FileVersion.of(file));
  }
}
