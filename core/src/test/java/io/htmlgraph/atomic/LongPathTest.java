package io.htmlgraph.atomic;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A target whose path is just under PATH_MAX (4096 bytes with its NUL): the temp's name is longer
 * than the target's, so its path would not fit; the library works in the directory through a short
 * alias instead, and removes the alias afterwards.
 */
class LongPathTest {
  private static final int PATH_MAX = 4096;

  @TempDir Path dir;
  private Path target;

  @BeforeEach
  void setUp() throws IOException {
    Path deep = dir;
    // components of up to 200 bytes until a one-letter name makes a path of 4093 bytes
    int want = PATH_MAX - 3 - 2; // the target's length, then "/f"
    while (len(deep) < want) {
      int room = want - len(deep) - 1;
      deep = deep.resolve("d".repeat(Math.min(200, room)));
    }
    Files.createDirectories(deep);
    target = deep.resolve("f");
    assertThat(len(target)).isBetween(4090, PATH_MAX - 1);
  }

  private static int len(Path p) {
    return p.toString().getBytes(UTF_8).length;
  }

  private static List<String> aliases() throws IOException {
    try (Stream<Path> s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
      return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".atomic-dir-")).collect(Collectors.toList());
    }
  }

  @Test
  void aTargetNearPathMaxIsCreatedReplacedAndRead() throws IOException {
    List<String> before = aliases();
    AtomicFileWriter.atomicWrite(target, "created");
    assertThat(target).hasContent("created");
    AtomicFileWriter.atomicWrite(target, "replaced");
    assertThat(target).hasContent("replaced");
    AtomicFileOutputStream.atomicWrite(target, WriteOptions.builder().durability(Durability.NONE).build(),
        out -> out.write("streamed".getBytes(UTF_8)));
    assertThat(AtomicFileWriter.safeReadWithRetry(target)).isEqualTo("streamed");
    assertThat(AtomicFiles.validateAtomicWrite(target)).isTrue();
    AtomicFiles.atomicWriteAll(Map.of(target, "batch".getBytes(UTF_8)));
    assertThat(target).hasContent("batch");
    assertThat(TestFiles.names(target.getParent())).containsExactly("f");
    assertThat(aliases()).isEqualTo(before);
  }

  @Test
  void noClobberAndAbortNearPathMax() throws IOException {
    List<String> before = aliases();
    WriteOptions once = WriteOptions.builder().noClobber().build();
    AtomicFileWriter.atomicWrite(target, "first", once);
    assertThatThrownBy(() -> AtomicFileWriter.atomicWrite(target, "second", once))
        .isInstanceOf(FileAlreadyExistsException.class);
    try (AtomicFileWriter w = new AtomicFileWriter(target)) {
      w.write("never committed");
    }
    assertThat(target).hasContent("first");
    assertThat(TestFiles.names(target.getParent())).containsExactly("f");
    assertThat(aliases()).isEqualTo(before);
  }

  @Test
  void renameNearPathMax() throws IOException {
    Path src = Files.writeString(dir.resolve("src"), "moved");
    AtomicFiles.atomicRename(src, target);
    assertThat(target).hasContent("moved");
    assertThat(src).doesNotExist();
  }
}
