package io.htmlgraph.atomic;

import static io.htmlgraph.atomic.AtomicFiles.atomicRename;
import static io.htmlgraph.atomic.AtomicFiles.cleanupOrphanedTempFiles;
import static io.htmlgraph.atomic.AtomicFiles.safeTempFile;
import static io.htmlgraph.atomic.AtomicFiles.validateAtomicWrite;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The scenarios of the Python original's quick-start guide, in Java, in the guide's order. */
class QuickStartScenariosTest {
  @TempDir Path dir;

  @Test
  void atomicTextWrite() throws IOException {
    Path target = dir.resolve("data.txt");
    try (AtomicFileWriter f = new AtomicFileWriter(target)) {
      f.write("Hello, World!");
      f.commit();
    }
    AtomicFileWriter.atomicWrite(target, "Hello, World!");
    assertThat(validateAtomicWrite(target)).isTrue();
    assertThat(target).hasContent("Hello, World!");
  }

  @Test
  void safeReadWithRetry() throws IOException {
    Path p = Files.writeString(dir.resolve("data.txt"), "content");
    assertThat(AtomicFileWriter.safeReadWithRetry(p, 3, Duration.ofMillis(100))).isEqualTo("content");
  }

  @Test
  void customTempDirectory() throws IOException {
    Path target = dir.resolve("data/important.txt");
    Path tempDir = dir.resolve("tmp");
    try (AtomicFileWriter f = new AtomicFileWriter(target, tempDir)) {
      f.write("content");
      f.commit();
    }
    assertThat(target).hasContent("content");
    assertThat(TestFiles.temps(tempDir)).isEmpty();
  }

  @Test
  void cleanupOrphanedFiles() throws IOException {
    Path sessions = Files.createDirectories(dir.resolve(".htmlgraph/sessions"));
    Path orphan = Files.writeString(sessions.resolve(".tmp-crashed"), "half");
    Files.setLastModifiedTime(orphan, FileTime.from(Instant.now().minus(Duration.ofHours(30))));
    int deleted = cleanupOrphanedTempFiles(sessions, Duration.ofHours(24));
    assertThat(deleted).isEqualTo(1);
    assertThat(orphan).doesNotExist();
  }

  @Test
  void generateTempFilePaths() throws IOException {
    Path temp = safeTempFile(dir, "session");
    assertThat(temp.getFileName().toString()).matches("\\.session-\\d{16}-[a-z0-9]{8}\\.tmp");
    assertThat(temp).doesNotExist();
  }

  @Test
  void platformAwareAtomicRename() throws IOException {
    Path src = Files.writeString(dir.resolve("temp.txt"), "t");
    Path dst = dir.resolve("final.txt");
    atomicRename(src, dst);
    assertThat(dst).hasContent("t");
    assertThat(src).doesNotExist();
  }

  @Test
  void writeWithException() throws IOException {
    Path target = dir.resolve("data.txt");
    Files.writeString(target, "original");
    assertThatThrownBy(() -> AtomicFileWriter.atomicWrite(target, f -> {
      f.write("partial...");
      throw new RuntimeException("Simulated crash!");
    })).hasMessage("Simulated crash!");
    assertThat(target).hasContent("original");
  }

  @Test
  void sessionRegistryIntegration() throws IOException {
    Path activeDir = dir.resolve("active");
    Path registryFile = activeDir.resolve("instance-1.json");
    AtomicFileWriter.atomicWrite(registryFile, f -> f.write("{\n  \"session_id\": \"sess-abc123\"\n}"));
    assertThat(registryFile).hasContent("{\n  \"session_id\": \"sess-abc123\"\n}");
  }

  @Test
  void fileNotFound() {
    assertThatThrownBy(() -> AtomicFileWriter.safeReadWithRetry(dir.resolve("nonexistent.txt"), 1, Duration.ofMillis(100)))
        .isInstanceOf(NoSuchFileException.class);
  }

  @Test
  void permissionDeniedIsAnIOExceptionAndLeavesNothing() throws IOException {
    // root ignores permissions, so make the parent a file instead: creating the temp must fail
    Path notADir = Files.writeString(dir.resolve("protected"), "x");
    assertThatThrownBy(() -> new AtomicFileWriter(notADir.resolve("file.txt"))).isInstanceOf(IOException.class);
    assertThat(notADir).hasContent("x");
  }

  @Test
  void validation() throws IOException {
    Path path = dir.resolve("data.json");
    assertThat(validateAtomicWrite(path)).isFalse();
    Files.writeString(path, "{}");
    assertThat(validateAtomicWrite(path)).isTrue();
  }

  @Test
  void largeFilesStreamFromASource() throws IOException {
    Path source = dir.resolve("source.bin");
    byte[] data = new byte[3 * 65536 + 123];
    new Random(7).nextBytes(data);
    Files.write(source, data);
    Path large = dir.resolve("large.bin");
    try (AtomicFileOutputStream out = new AtomicFileOutputStream(large); InputStream in = Files.newInputStream(source)) {
      in.transferTo(out);
      out.commit();
    }
    assertThat(Files.readAllBytes(large)).isEqualTo(data);

    Path text = Files.writeString(dir.resolve("source.txt"), "é".repeat(100_000));
    Path copy = dir.resolve("copy.txt");
    try (AtomicFileWriter w = new AtomicFileWriter(copy); Reader r = Files.newBufferedReader(text, StandardCharsets.UTF_8)) {
      r.transferTo(w);
      w.commit();
    }
    assertThat(Files.readString(copy)).isEqualTo("é".repeat(100_000));
  }

  @Test
  void rollbackLeavesNoTempFiles() throws IOException {
    Path target = dir.resolve("target.txt");
    Files.writeString(target, "original");
    try {
      AtomicFileWriter.atomicWrite(target, f -> {
        f.write("new");
        throw new IllegalArgumentException("Error");
      });
    } catch (IllegalArgumentException expected) {
      // as the guide's test
    }
    assertThat(target).hasContent("original");
    assertThat(TestFiles.temps(dir)).isEmpty();
  }
}
