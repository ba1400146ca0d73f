package io.htmlgraph.atomic.testing;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fault injection itself, on plain {@code java.nio} calls: each fault fails what it names and
 * nothing else, leaves the real files as a failed system call would, and shows in the record.
 */
class FaultyFileSystemTest {
  @TempDir Path dir;

  private static FileChannel openForWrite(Path p) throws IOException {
    return FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
  }

  private static void syncDirectory(Path d) throws IOException {
    try (FileChannel ch = FileChannel.open(d, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }

  @Test
  void withoutFaultsItRecordsTheChangesInOrder() throws IOException {
    try (FaultyFileSystem fs = FaultyFileSystem.wrap(dir)) {
      Path a = fs.root().resolve("a.tmp");
      try (FileChannel ch = openForWrite(a)) {
        ch.write(ByteBuffer.wrap("abcd".getBytes(UTF_8)));
        ch.force(false);
      }
      Files.move(a, fs.root().resolve("a"), StandardCopyOption.ATOMIC_MOVE);
      syncDirectory(fs.root());
      Files.delete(fs.root().resolve("a"));
      assertThat(fs.operations()).containsExactly("create /a.tmp", "write /a.tmp [0, 4)", "fsync /a.tmp",
          "rename /a.tmp -> /a", "fsync dir /", "unlink /a");
      assertThat(fs.injected()).isEmpty();
      assertThat(fs.root().getFileSystem()).isNotSameAs(dir.getFileSystem());
    }
  }

  @Test
  void failSyncFailsTheMatchingFilesOnlyAndEveryTime() throws IOException {
    try (FaultyFileSystem fs = FaultyFileSystem.wrap(dir, Fault.failSync("**.tmp"))) {
      try (FileChannel ch = openForWrite(fs.root().resolve("x.tmp"))) {
        ch.write(ByteBuffer.wrap("data".getBytes(UTF_8)));
        IOException e = assertThrows(IOException.class, () -> ch.force(false));
        assertThat(e).hasMessageContaining("Input/output error").hasMessageContaining("injected");
        assertThrows(IOException.class, () -> ch.force(true)); // a retry fails too, and shows
      }
      try (FileChannel ch = openForWrite(fs.root().resolve("x.txt"))) {
        ch.force(false);
      }
      syncDirectory(fs.root()); // a directory is not a file to this fault
      assertThat(Files.readString(dir.resolve("x.tmp"))).isEqualTo("data"); // the data is written, not synced
      assertThat(fs.injected()).containsExactly("fsync /x.tmp: injected failure", "fsync /x.tmp: injected failure");
      assertThat(fs.operations()).containsSubsequence("write /x.tmp [0, 4)", "fsync /x.tmp: injected failure",
          "fsync /x.tmp: injected failure", "create /x.txt", "fsync /x.txt", "fsync dir /");
    }
  }

  @Test
  void onlyNthFailsOneCallOfTheMatchingOnes() throws IOException {
    Files.createDirectory(dir.resolve("sub"));
    try (FaultyFileSystem fs = FaultyFileSystem.wrap(dir, Fault.failDirectorySync("/").onlyNth(2))) {
      syncDirectory(fs.root().resolve("sub")); // does not match: not counted
      syncDirectory(fs.root());
      assertThrows(IOException.class, () -> syncDirectory(fs.root()));
      syncDirectory(fs.root());
      assertThat(fs.operations()).containsExactly("fsync dir /sub", "fsync dir /", "fsync dir /: injected failure",
          "fsync dir /");
    }
  }

  @Test
  void failRenameChangesNoName() throws IOException {
    Files.writeString(dir.resolve("new.tmp"), "new");
    Files.writeString(dir.resolve("target"), "old");
    try (FaultyFileSystem fs = FaultyFileSystem.wrap(dir, Fault.failRename("/target"))) {
      FileSystemException e = assertThrows(FileSystemException.class, () -> Files.move(fs.root().resolve("new.tmp"),
          fs.root().resolve("target"), StandardCopyOption.ATOMIC_MOVE));
      assertThat(e.getFile()).isEqualTo("/new.tmp");
      assertThat(e.getOtherFile()).isEqualTo("/target");
      // nor does a move without ATOMIC_MOVE delete the target first
      assertThrows(FileSystemException.class, () -> Files.move(fs.root().resolve("new.tmp"),
          fs.root().resolve("target"), StandardCopyOption.REPLACE_EXISTING));
      assertThat(Files.readString(dir.resolve("target"))).isEqualTo("old");
      assertThat(Files.readString(dir.resolve("new.tmp"))).isEqualTo("new");
      Files.move(fs.root().resolve("new.tmp"), fs.root().resolve("other"), StandardCopyOption.ATOMIC_MOVE);
      assertThat(fs.operations()).containsExactly("rename /new.tmp -> /target: injected failure",
          "rename /new.tmp -> /target: injected failure", "rename /new.tmp -> /other");
    }
  }

  @Test
  void failDeleteKeepsTheEntry() throws IOException {
    Files.writeString(dir.resolve("f.tmp"), "x");
    try (FaultyFileSystem fs = FaultyFileSystem.wrap(dir, Fault.failDelete("*.tmp"))) {
      assertThrows(FileSystemException.class, () -> Files.delete(fs.root().resolve("f.tmp")));
      assertThrows(FileSystemException.class, () -> Files.deleteIfExists(fs.root().resolve("f.tmp")));
      assertThat(Files.deleteIfExists(fs.root().resolve("absent"))).isFalse();
      assertThat(dir.resolve("f.tmp")).exists();
      assertThat(fs.injected()).containsExactly("unlink /f.tmp: injected failure", "unlink /f.tmp: injected failure");
    }
  }

  @Test
  void failCloseThrowsButClosesTheChannel() throws IOException {
    try (FaultyFileSystem fs = FaultyFileSystem.wrap(dir, Fault.failClose("/f"))) {
      FileChannel ch = openForWrite(fs.root().resolve("f"));
      ch.write(ByteBuffer.wrap("data".getBytes(UTF_8)));
      IOException e = assertThrows(IOException.class, ch::close);
      assertThat(e).hasMessageContaining("injected");
      assertThat(ch.isOpen()).isFalse();
      ch.close(); // already closed: the fault fires once per channel
      OutputStream out = Files.newOutputStream(fs.root().resolve("f"), StandardOpenOption.APPEND);
      out.write('!');
      assertThrows(IOException.class, out::close);
      assertThat(Files.readString(dir.resolve("f"))).isEqualTo("data!");
      assertThat(fs.injected()).containsExactly("close /f: injected failure", "close /f: injected failure");
    }
  }

  @Test
  void diskFullGivesAShortWriteThenNoSpaceLeft() throws IOException {
    try (FaultyFileSystem fs = FaultyFileSystem.wrap(dir, Fault.diskFullAfter(10, "/full/**"))) {
      Files.createDirectory(fs.root().resolve("full"));
      try (FileChannel ch = openForWrite(fs.root().resolve("full/f"))) {
        assertThat(ch.write(ByteBuffer.wrap("0123".getBytes(UTF_8)))).isEqualTo(4);
        ByteBuffer rest = ByteBuffer.wrap("456789abcdef".getBytes(UTF_8));
        assertThat(ch.write(rest)).isEqualTo(6); // what fits
        assertThat(rest.remaining()).isEqualTo(6);
        IOException e = assertThrows(IOException.class, () -> ch.write(rest));
        assertThat(e).hasMessageContaining("No space left on device");
        assertThat(rest.remaining()).isEqualTo(6);
        assertThrows(IOException.class, () -> ch.write(ByteBuffer.wrap(new byte[1]), 0)); // positional too
      }
      assertThrows(IOException.class, () -> Files.writeString(fs.root().resolve("full/g"), "x")); // the disk is shared
      Files.writeString(fs.root().resolve("elsewhere"), "not on that disk");
      assertThat(Files.readString(dir.resolve("full/f"))).isEqualTo("0123456789");
      assertThat(fs.operations()).containsSubsequence("write /full/f [0, 4)", "write /full/f [4, 10)",
          "write /full/f: injected failure", "write /full/f: injected failure", "create /full/g",
          "write /full/g: injected failure", "create /elsewhere", "write /elsewhere [0, 16)");
    }
  }

  @Test
  void globsMatchFromTheRoot() throws IOException {
    Files.createDirectories(dir.resolve("a/b"));
    try (FaultyFileSystem fs = FaultyFileSystem.wrap(dir, Fault.failDelete("*.txt"), Fault.failDelete("/a/**.tmp"),
        Fault.failDelete("a/?.log"))) {
      for (String name : new String[] {"x.txt", "a/x.txt", "a/b/y.tmp", "a/y.tmp", "z.tmp", "a/1.log", "a/12.log"}) {
        Files.writeString(fs.root().resolve(name), name);
      }
      for (String name : new String[] {"x.txt", "a/x.txt", "a/b/y.tmp", "a/y.tmp", "z.tmp", "a/1.log", "a/12.log"}) {
        try {
          Files.delete(fs.root().resolve(name));
        } catch (FileSystemException expected) {
          // the fault
        }
      }
      assertThat(fs.injected()).containsExactly("unlink /x.txt: injected failure",
          "unlink /a/b/y.tmp: injected failure", "unlink /a/y.tmp: injected failure",
          "unlink /a/1.log: injected failure");
      assertThat(dir.resolve("a/x.txt")).doesNotExist();
      assertThat(dir.resolve("z.tmp")).doesNotExist();
      assertThat(dir.resolve("a/12.log")).doesNotExist();
    }
  }

  @Test
  void afterCloseNothingFailsAndNothingIsRecorded() throws IOException {
    FaultyFileSystem fs = FaultyFileSystem.wrap(dir, Fault.failDirectorySync("**"));
    Path root = fs.root();
    fs.close();
    syncDirectory(root);
    Files.writeString(root.resolve("f"), "x");
    assertThat(fs.operations()).isEmpty();
    assertThat(Files.readString(dir.resolve("f"))).isEqualTo("x");
  }

  @Test
  void badArgumentsAreRefused() throws IOException {
    Files.writeString(dir.resolve("file"), "x");
    assertThrows(NotDirectoryException.class, () -> FaultyFileSystem.wrap(dir.resolve("file")));
    assertThrows(NotDirectoryException.class, () -> FaultyFileSystem.wrap(dir.resolve("missing")));
    try (FaultyFileSystem fs = FaultyFileSystem.wrap(dir)) {
      assertThrows(IllegalArgumentException.class, () -> FaultyFileSystem.wrap(fs.root()));
    }
    assertThrows(NullPointerException.class, () -> FaultyFileSystem.wrap(dir, (Fault) null));
    assertThrows(NullPointerException.class, () -> Fault.failSync(null));
    assertThrows(IllegalArgumentException.class, () -> Fault.failSync("**").onlyNth(0));
    assertThrows(IllegalArgumentException.class, () -> Fault.diskFullAfter(-1, "**"));
    assertThrows(IllegalArgumentException.class, () -> Fault.diskFullAfter(5, "**").onlyNth(1));
    assertThat(Fault.failDirectorySync("/").onlyNth(2)).hasToString("fail fsync of directory /, call 2 only");
  }
}
