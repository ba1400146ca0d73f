package io.htmlgraph.atomic;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.htmlgraph.atomic.internal.GroupCommit;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The group commit: {@link AtomicFiles#atomicWriteAll(Map, WriteOptions)}, checked on disk. */
class AtomicWriteAllTest {
  @TempDir Path dir;

  private static byte[] bytes(String s) {
    return s.getBytes(UTF_8);
  }

  private List<Path> tempsUnder(Path root) throws IOException {
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(p -> p.getFileName().toString().startsWith(".tmp-")).toList();
    }
  }

  private Map<Path, byte[]> numbered(Path in, int n, String prefix) {
    Map<Path, byte[]> m = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      m.put(in.resolve("f" + i), bytes(prefix + i));
    }
    return m;
  }

  @Test
  void writesEveryFileAndLeavesNoTemp() throws IOException {
    Map<Path, byte[]> files = numbered(dir, 50, "content ");
    AtomicFiles.atomicWriteAll(files);
    for (Map.Entry<Path, byte[]> e : files.entrySet()) {
      assertThat(Files.readAllBytes(e.getKey())).isEqualTo(e.getValue());
    }
    try (Stream<Path> s = Files.list(dir)) {
      assertThat(s.count()).isEqualTo(50);
    }
    assertThat(tempsUnder(dir)).isEmpty();
  }

  @ParameterizedTest(name = "parallelism {0}")
  @ValueSource(ints = {1, 3, 32})
  void moreFilesThanOneChunkAllLandWhateverTheParallelism(int parallelism) throws IOException {
    int n = GroupCommit.CHUNK * 2 + 7;
    Map<Path, byte[]> files = numbered(dir, n, "v");
    GroupCommit.writeAll(files, WriteOptions.defaults(), parallelism);
    for (int i = 0; i < n; i++) {
      assertThat(Files.readString(dir.resolve("f" + i))).isEqualTo("v" + i);
    }
    assertThat(tempsUnder(dir)).isEmpty();
  }

  @Test
  void replacesExistingFilesKeepingTheirMode() throws IOException {
    Path a = dir.resolve("a");
    Files.writeString(a, "old a");
    Files.setPosixFilePermissions(a, PosixFilePermissions.fromString("rw-r-----"));
    Path b = dir.resolve("b");
    Files.writeString(b, "old b");
    AtomicFiles.atomicWriteAll(Map.of(a, bytes("new a"), b, bytes("new b")));
    assertThat(Files.readString(a)).isEqualTo("new a");
    assertThat(Files.readString(b)).isEqualTo("new b");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(a))).isEqualTo("rw-r-----");
    assertThat(tempsUnder(dir)).isEmpty();
  }

  @Test
  void createsMissingDirectoriesAcrossSeveralDirectories() throws IOException {
    Map<Path, byte[]> files = new LinkedHashMap<>();
    files.put(dir.resolve("x/y/one"), bytes("1"));
    files.put(dir.resolve("x/two"), bytes("2"));
    files.put(dir.resolve("z/three"), bytes("3"));
    files.put(dir.resolve("four"), bytes("4"));
    AtomicFiles.atomicWriteAll(files);
    assertThat(Files.readString(dir.resolve("x/y/one"))).isEqualTo("1");
    assertThat(Files.readString(dir.resolve("x/two"))).isEqualTo("2");
    assertThat(Files.readString(dir.resolve("z/three"))).isEqualTo("3");
    assertThat(Files.readString(dir.resolve("four"))).isEqualTo("4");
    assertThat(tempsUnder(dir)).isEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"NONE", "FILE", "FULL"})
  void everyDurabilityLevelWritesTheContent(String level) throws IOException {
    Map<Path, byte[]> files = numbered(dir, 20, level);
    AtomicFiles.atomicWriteAll(files, WriteOptions.builder().durability(Durability.valueOf(level)).build());
    assertThat(Files.readString(dir.resolve("f19"))).isEqualTo(level + 19);
    assertThat(tempsUnder(dir)).isEmpty();
  }

  @Test
  void anEmptyBatchDoesNothing() throws IOException {
    AtomicFiles.atomicWriteAll(Map.of());
    try (Stream<Path> s = Files.list(dir)) {
      assertThat(s.count()).isZero();
    }
  }

  @Test
  void nullEntriesAreRefusedBeforeAnythingIsWritten() throws IOException {
    Path a = dir.resolve("a");
    Map<Path, byte[]> withNullContent = new LinkedHashMap<>();
    withNullContent.put(a, bytes("x"));
    withNullContent.put(dir.resolve("b"), null);
    assertThatThrownBy(() -> AtomicFiles.atomicWriteAll(withNullContent)).isInstanceOf(NullPointerException.class)
        .hasMessageContaining("b");
    Map<Path, byte[]> withNullTarget = new HashMap<>();
    withNullTarget.put(null, bytes("x"));
    assertThatThrownBy(() -> AtomicFiles.atomicWriteAll(withNullTarget)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> AtomicFiles.atomicWriteAll(null)).isInstanceOf(NullPointerException.class);
    assertThat(a).doesNotExist();
    try (Stream<Path> s = Files.list(dir)) {
      assertThat(s.count()).isZero();
    }
  }

  @Test
  void twoNamesOfOneFileAreRefusedAndNothingChanges() throws IOException {
    Path a = dir.resolve("a");
    Files.writeString(a, "old");
    Path link = dir.resolve("link");
    Files.createSymbolicLink(link, a.getFileName());
    Map<Path, byte[]> dotted = new LinkedHashMap<>();
    dotted.put(a, bytes("one"));
    dotted.put(dir.resolve("sub/../a"), bytes("two"));
    assertThatThrownBy(() -> AtomicFiles.atomicWriteAll(dotted)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("same file");
    Map<Path, byte[]> viaLink = new LinkedHashMap<>();
    viaLink.put(a, bytes("one"));
    viaLink.put(link, bytes("two"));
    assertThatThrownBy(() -> AtomicFiles.atomicWriteAll(viaLink)).isInstanceOf(IllegalArgumentException.class);
    assertThat(Files.readString(a)).isEqualTo("old");
    assertThat(dir.resolve("sub")).doesNotExist();
    assertThat(tempsUnder(dir)).isEmpty();
  }

  @Test
  void dotDotAfterALinkIsTakenInTheRealDirectoryAsTheKernelTakesIt() throws IOException {
    Path d = Files.createDirectory(dir.resolve("d"));
    Path deep = Files.createDirectories(dir.resolve("other/deep"));
    Files.createSymbolicLink(d.resolve("sub"), deep); // d/sub/.. is other, not d
    Map<Path, byte[]> oneFile = new LinkedHashMap<>();
    oneFile.put(d.resolve("sub/../f"), bytes("first"));
    oneFile.put(dir.resolve("other/f"), bytes("second"));
    assertThatThrownBy(() -> AtomicFiles.atomicWriteAll(oneFile)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("same file");
    assertThat(dir.resolve("other/f")).doesNotExist();

    Map<Path, byte[]> twoFiles = new LinkedHashMap<>();
    twoFiles.put(d.resolve("sub/../g"), bytes("in other"));
    twoFiles.put(d.resolve("g"), bytes("in d"));
    AtomicFiles.atomicWriteAll(twoFiles);
    assertThat(dir.resolve("other/g")).hasContent("in other");
    assertThat(d.resolve("g")).hasContent("in d");
    assertThat(tempsUnder(dir)).isEmpty();
  }

  @Test
  void twoHardLinksOfOneFileAreOneFile() throws IOException {
    Path a = Files.writeString(dir.resolve("a"), "old");
    Path b = Files.createLink(dir.resolve("b"), a);
    Map<Path, byte[]> both = new LinkedHashMap<>();
    both.put(a, bytes("one"));
    both.put(b, bytes("two"));
    assertThatThrownBy(() -> AtomicFiles.atomicWriteAll(both)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("same file");
    assertThat(a).hasContent("old");
    assertThat(tempsUnder(dir)).isEmpty();
  }

  @Test
  void writingThroughALinkKeepsTheLink() throws IOException {
    Path real = dir.resolve("real");
    Files.writeString(real, "old");
    Path link = dir.resolve("link");
    Files.createSymbolicLink(link, real.getFileName());
    AtomicFiles.atomicWriteAll(Map.of(link, bytes("new")));
    assertThat(Files.isSymbolicLink(link)).isTrue();
    assertThat(Files.readString(real)).isEqualTo("new");
  }

  @Test
  void aFailureBeforeAnyRenameChangesNothingAndLeavesNoTemp() throws IOException {
    Map<Path, byte[]> files = new LinkedHashMap<>();
    for (int i = 0; i < 40; i++) {
      Path p = dir.resolve("f" + i);
      Files.writeString(p, "old" + i);
      files.put(p, bytes("new" + i));
    }
    Path blocker = dir.resolve("is-a-directory");
    Files.createDirectory(blocker);
    files.put(blocker, bytes("cannot"));
    assertThatThrownBy(() -> AtomicFiles.atomicWriteAll(files)).isInstanceOf(FileSystemException.class)
        .isNotInstanceOf(PartiallyCommittedException.class).hasMessageContaining("is-a-directory");
    for (int i = 0; i < 40; i++) {
      assertThat(Files.readString(dir.resolve("f" + i))).isEqualTo("old" + i);
    }
    assertThat(blocker).isEmptyDirectory();
    assertThat(tempsUnder(dir)).isEmpty();
  }

  @Test
  void noClobberFailsTheWholeBatchBeforeAnyRenameWhenOneTargetExists() throws IOException {
    Path taken = dir.resolve("taken");
    Files.writeString(taken, "mine");
    Map<Path, byte[]> files = new LinkedHashMap<>();
    files.put(dir.resolve("free"), bytes("new"));
    files.put(taken, bytes("theirs"));
    assertThatThrownBy(() -> AtomicFiles.atomicWriteAll(files, WriteOptions.builder().noClobber().build()))
        .isInstanceOf(FileAlreadyExistsException.class);
    assertThat(dir.resolve("free")).doesNotExist();
    assertThat(Files.readString(taken)).isEqualTo("mine");
    assertThat(tempsUnder(dir)).isEmpty();
  }

  @Test
  void aFailureAfterSomeRenamesSaysExactlyWhichFilesAreCommitted() throws IOException {
    // the first chunk is published before the second is staged; a directory in the second chunk's
    // place fails it, after the first chunk's renames
    int n = GroupCommit.CHUNK + 10;
    Map<Path, byte[]> files = new LinkedHashMap<>();
    List<Path> order = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Path p = dir.resolve("f" + i);
      Files.writeString(p, "old" + i);
      files.put(p, bytes("new" + i));
      order.add(p);
    }
    Path blocker = order.get(GroupCommit.CHUNK + 3);
    Files.delete(blocker);
    Files.createDirectory(blocker);
    PartiallyCommittedException e = catchThrowableOfType(PartiallyCommittedException.class,
        () -> AtomicFiles.atomicWriteAll(files));
    assertThat(e).isNotNull();
    assertThat(e.committed()).containsExactlyElementsOf(order.subList(0, GroupCommit.CHUNK));
    assertThat(e.notCommitted()).containsExactlyElementsOf(order.subList(GroupCommit.CHUNK, n));
    assertThat(e.committedDurably()).isTrue();
    assertThat(e.getCause()).isInstanceOf(FileSystemException.class);
    assertThat(e.getMessage()).contains(GroupCommit.CHUNK + " of " + n);
    for (Path p : e.committed()) {
      assertThat(Files.readString(p)).isEqualTo("new" + p.getFileName().toString().substring(1));
    }
    for (Path p : e.notCommitted()) {
      if (!p.equals(blocker)) {
        assertThat(Files.readString(p)).isEqualTo("old" + p.getFileName().toString().substring(1));
      }
    }
    assertThat(tempsUnder(dir)).isEmpty();
  }

  @Test
  void anInterruptBeforeAnyRenameChangesNothingAndKeepsTheInterrupt() throws IOException {
    Map<Path, byte[]> files = new LinkedHashMap<>();
    for (int i = 0; i < 100; i++) {
      Path p = dir.resolve("f" + i);
      Files.writeString(p, "old" + i);
      files.put(p, bytes("new" + i));
    }
    Thread.currentThread().interrupt();
    try {
      assertThatThrownBy(() -> GroupCommit.writeAll(files, WriteOptions.defaults(), 8))
          .isInstanceOf(InterruptedIOException.class);
      assertThat(Thread.currentThread().isInterrupted()).isTrue();
    } finally {
      Thread.interrupted();
    }
    for (int i = 0; i < 100; i++) {
      assertThat(Files.readString(dir.resolve("f" + i))).isEqualTo("old" + i);
    }
    assertThat(tempsUnder(dir)).isEmpty();
  }

  @Test
  void badParallelismIsRefused() {
    assertThatThrownBy(() -> GroupCommit.writeAll(Map.of(dir.resolve("a"), bytes("x")), WriteOptions.defaults(), 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(dir.resolve("a")).doesNotExist();
  }
}
