package io.htmlgraph.atomic;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class AtomicFileWriterTest {
  @TempDir Path dir;

  @Test
  void streamingWriteCommitsOnCommit() throws IOException {
    Path target = dir.resolve("data.txt");
    try (AtomicFileWriter w = new AtomicFileWriter(target)) {
      w.write("Hello, ");
      w.write("World!");
      assertThat(target).doesNotExist();
      assertThat(w.tempPath()).exists().hasParent(dir);
      w.commit();
    }
    assertThat(target).hasContent("Hello, World!");
    assertThat(TestFiles.temps(dir)).isEmpty();
  }

  @Test
  void closeWithoutCommitDiscardsAndLeavesTargetUntouched() throws IOException {
    Path target = dir.resolve("data.txt");
    Files.writeString(target, "original");
    Path temp;
    try (AtomicFileWriter w = new AtomicFileWriter(target)) {
      w.write("partial...");
      w.flush();
      temp = w.tempPath();
      assertThat(temp).exists();
    }
    assertThat(target).hasContent("original");
    assertThat(temp).doesNotExist();
    assertThat(TestFiles.names(dir)).containsExactly("data.txt");
  }

  @Test
  void tempFileIsNamedForTheSweepAndLivesBesideTheTarget() throws IOException {
    Path target = dir.resolve("data.txt");
    try (AtomicFileWriter w = new AtomicFileWriter(target)) {
      String name = w.tempPath().getFileName().toString();
      assertThat(name).startsWith(".tmp-").endsWith(".tmp").matches("\\.tmp-\\d{16}-[a-z0-9]{8}\\.tmp");
      assertThat(w.tempPath().getParent()).isEqualTo(dir);
      assertThat(w.target()).isEqualTo(target);
    }
  }

  @Test
  void oneShotStringWrite() throws IOException {
    Path target = dir.resolve("data.txt");
    AtomicFileWriter.atomicWrite(target, "Hello, World!");
    assertThat(target).hasContent("Hello, World!");
    assertThat(AtomicFiles.validateAtomicWrite(target)).isTrue();
    assertThat(TestFiles.temps(dir)).isEmpty();
  }

  @Test
  void oneShotReplacesExistingContentWhole() throws IOException {
    Path target = dir.resolve("data.txt");
    Files.writeString(target, "a much longer original content than the new one");
    AtomicFileWriter.atomicWrite(target, "short");
    assertThat(target).hasContent("short");
  }

  @Test
  void oneShotBytes() throws IOException {
    Path target = dir.resolve("data.bin");
    byte[] data = {0, 1, 2, (byte) 0xff, 0};
    AtomicFileWriter.atomicWrite(target, data);
    assertThat(Files.readAllBytes(target)).isEqualTo(data);
  }

  @Test
  void lambdaFormCommitsWhenBodyReturns() throws IOException {
    Path target = dir.resolve("data.txt");
    AtomicFileWriter.atomicWrite(target, w -> w.write("from the body"));
    assertThat(target).hasContent("from the body");
    assertThat(TestFiles.temps(dir)).isEmpty();
  }

  static Stream<Throwable> bodyFailures() {
    return Stream.of(new IOException("Simulated crash!"), new IllegalStateException("Simulated crash!"),
        new AssertionError("boom"));
  }

  /** Checked, unchecked and Error alike: the target is untouched and the very same Throwable comes out. */
  @ParameterizedTest
  @MethodSource("bodyFailures")
  void lambdaFormRollsBackOnAnyThrowableAndRethrowsItUnchanged(Throwable thrown) throws IOException {
    Path target = dir.resolve("data.txt");
    Files.writeString(target, "original");
    assertThatThrownBy(() -> AtomicFileWriter.atomicWrite(target, w -> {
      w.write("partial...");
      if (thrown instanceof IOException e) {
        throw e;
      }
      if (thrown instanceof RuntimeException e) {
        throw e;
      }
      throw (Error) thrown;
    })).isSameAs(thrown);
    assertThat(target).hasContent("original");
    assertThat(TestFiles.temps(dir)).isEmpty();
  }

  @Test
  void lambdaBodyMayCommitItself() throws IOException {
    Path target = dir.resolve("data.txt");
    AtomicFileWriter.atomicWrite(target, w -> {
      w.write("done early");
      w.commit();
    });
    assertThat(target).hasContent("done early");
  }

  @Test
  void abortIsIdempotentAndANoOpAfterCommit() throws IOException {
    Path target = dir.resolve("data.txt");
    AtomicFileWriter w = new AtomicFileWriter(target);
    w.write("x");
    w.commit();
    w.abort();
    w.abort();
    w.close();
    assertThat(target).hasContent("x");
    AtomicFileWriter w2 = new AtomicFileWriter(target);
    w2.write("y");
    w2.abort();
    w2.abort();
    w2.close();
    assertThat(target).hasContent("x");
    assertThat(TestFiles.temps(dir)).isEmpty();
  }

  @Test
  void commitTwiceOrAfterCloseIsRefused() throws IOException {
    Path target = dir.resolve("data.txt");
    AtomicFileWriter w = new AtomicFileWriter(target);
    w.write("x");
    w.commit();
    assertThatThrownBy(w::commit).isInstanceOf(IllegalStateException.class).hasMessageContaining("already committed");
    assertThatThrownBy(() -> w.write("more")).isInstanceOf(IOException.class).hasMessageContaining("already committed");
    AtomicFileWriter w2 = new AtomicFileWriter(target);
    w2.close();
    assertThatThrownBy(w2::commit).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> w2.write("more")).isInstanceOf(IOException.class).hasMessageContaining("closed");
    assertThat(target).hasContent("x");
  }

  @Test
  void createsMissingParentDirectories() throws IOException {
    Path target = dir.resolve("a/b/c/data.txt");
    AtomicFileWriter.atomicWrite(target, "deep");
    assertThat(target).hasContent("deep");
    assertThat(TestFiles.temps(target.getParent())).isEmpty();
  }

  @Test
  void targetThatIsADirectoryIsRefusedAndNothingChanges() throws IOException {
    Path target = Files.createDirectory(dir.resolve("sub"));
    Files.writeString(target.resolve("inside.txt"), "keep");
    assertThatThrownBy(() -> AtomicFileWriter.atomicWrite(target, "x"))
        .isInstanceOf(FileSystemException.class).hasMessageContaining("is a directory");
    assertThatThrownBy(() -> new AtomicFileWriter(target)).isInstanceOf(FileSystemException.class);
    assertThat(target).isDirectory();
    assertThat(TestFiles.names(dir)).containsExactly("sub");
    assertThat(TestFiles.names(target)).containsExactly("inside.txt");
  }

  @Test
  void emptyPathIsIllegalArgument() {
    assertThatThrownBy(() -> AtomicFileWriter.atomicWrite(Path.of(""), "x")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("empty");
    assertThatThrownBy(() -> new AtomicFileWriter(Path.of(""))).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void nullArgumentsAreNullPointer() {
    Path target = dir.resolve("t");
    assertThatThrownBy(() -> AtomicFileWriter.atomicWrite((Path) null, "x")).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> AtomicFileWriter.atomicWrite(target, (String) null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> AtomicFileWriter.atomicWrite(target, (byte[]) null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> AtomicFileWriter.atomicWrite(target, (IOConsumer<AtomicFileWriter>) null))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> new AtomicFileWriter(target, (WriteOptions) null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> new AtomicFileWriter(target, (Path) null)).isInstanceOf(NullPointerException.class);
    assertThat(target).doesNotExist();
  }

  @Test
  void nonAsciiAndLongFileNames() throws IOException {
    Path unicode = dir.resolve("données-ünïcødé-日本語-😀.txt");
    AtomicFileWriter.atomicWrite(unicode, "ok");
    assertThat(unicode).hasContent("ok");
    String longName = "n".repeat(255);
    Path longPath = dir.resolve(longName);
    AtomicFileWriter.atomicWrite(longPath, "long");
    assertThat(longPath).hasContent("long");
    assertThat(TestFiles.temps(dir)).isEmpty();
  }

  @Test
  void tenMegabyteTextRoundTrip() throws IOException {
    Path target = dir.resolve("big.txt");
    StringBuilder sb = new StringBuilder(10 * 1024 * 1024 + 64);
    Random r = new Random(42);
    String alphabet = "abcdefghijklmnopqrstuvwxyzé日\n";
    while (sb.length() < 10 * 1024 * 1024) {
      sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
      if (r.nextInt(100) == 0) {
        sb.append("😀");
      }
    }
    String content = sb.toString();
    try (AtomicFileWriter w = new AtomicFileWriter(target)) {
      // chunks of 7777 chars split some surrogate pairs between two writes: one encoder must join them
      for (int i = 0; i < content.length(); i += 7777) {
        w.write(content, i, Math.min(7777, content.length() - i));
      }
      w.commit();
    }
    assertThat(Files.readString(target)).isEqualTo(content);
    assertThat(AtomicFileWriter.safeReadWithRetry(target)).isEqualTo(content);
  }

  @Test
  void surrogatePairSplitAcrossWritesIsEncodedWhole() throws IOException {
    Path target = dir.resolve("emoji.txt");
    String emoji = "😀";
    try (AtomicFileWriter w = new AtomicFileWriter(target)) {
      w.write(emoji.charAt(0));
      w.flush();
      w.write(emoji.charAt(1));
      w.commit();
    }
    assertThat(Files.readAllBytes(target)).isEqualTo(emoji.getBytes(UTF_8));
  }

  @Test
  void loneSurrogateFailsTheWriteAndTargetIsUntouched() throws IOException {
    Path target = dir.resolve("data.txt");
    Files.writeString(target, "original");
    assertThatThrownBy(() -> AtomicFileWriter.atomicWrite(target, "bad \uD800 text"))
        .isInstanceOf(CharacterCodingException.class);
    assertThatThrownBy(() -> AtomicFileWriter.atomicWrite(target, w -> w.write("ends in \uD83D")))
        .isInstanceOf(CharacterCodingException.class);
    assertThat(target).hasContent("original");
    assertThat(TestFiles.temps(dir)).isEmpty();
  }

  @Test
  void charsetIsHonoured() throws IOException {
    Path target = dir.resolve("latin1.txt");
    AtomicFileWriter.atomicWrite(target, "café", StandardCharsets.ISO_8859_1);
    assertThat(Files.readAllBytes(target)).isEqualTo(new byte[] {'c', 'a', 'f', (byte) 0xe9});
    Path utf16 = dir.resolve("utf16.txt");
    AtomicFileWriter.atomicWrite(utf16, WriteOptions.builder().charset(StandardCharsets.UTF_16BE).build(),
        w -> w.write("hé"));
    assertThat(Files.readAllBytes(utf16)).isEqualTo("hé".getBytes(StandardCharsets.UTF_16BE));
  }

  @Test
  void unmappableCharacterFailsInsteadOfBecomingQuestionMark() throws IOException {
    Path target = dir.resolve("ascii.txt");
    Files.writeString(target, "original");
    Charset ascii = StandardCharsets.US_ASCII;
    assertThatThrownBy(() -> AtomicFileWriter.atomicWrite(target, "naïve", ascii)).isInstanceOf(CharacterCodingException.class);
    assertThatThrownBy(() -> AtomicFileWriter.atomicWrite(target, WriteOptions.builder().charset(ascii).build(),
        w -> w.write("naïve"))).isInstanceOf(CharacterCodingException.class);
    assertThat(target).hasContent("original");
    assertThat(TestFiles.temps(dir)).isEmpty();
  }

  @Test
  void aFailedWritePoisonsTheWriter() throws IOException {
    Path target = dir.resolve("data.txt");
    Files.writeString(target, "original");
    AtomicFileWriter w = new AtomicFileWriter(target, WriteOptions.builder().charset(StandardCharsets.US_ASCII).build());
    w.write("fine ");
    assertThatThrownBy(() -> {
      w.write("naïve");
      w.flush();
    }).isInstanceOf(CharacterCodingException.class);
    // the caller ignores the failure and commits anyway: refused, the target stays whole
    assertThatThrownBy(w::commit).isInstanceOf(IOException.class).hasMessageContaining("earlier write failed");
    assertThat(target).hasContent("original");
    assertThat(TestFiles.temps(dir)).isEmpty();
  }

  @Test
  void flushDoesNotPublish() throws IOException {
    Path target = dir.resolve("data.txt");
    Files.writeString(target, "original");
    try (AtomicFileWriter w = new AtomicFileWriter(target)) {
      w.write("new");
      w.flush();
      assertThat(target).hasContent("original");
      assertThat(w.tempPath()).hasContent("new");
      w.commit();
    }
    assertThat(target).hasContent("new");
  }

  @Test
  void concurrentWritersToDifferentFiles() throws IOException {
    Path f1 = dir.resolve("file1.txt");
    Path f2 = dir.resolve("file2.txt");
    try (AtomicFileWriter w1 = new AtomicFileWriter(f1); AtomicFileWriter w2 = new AtomicFileWriter(f2)) {
      w1.write("data1");
      w2.write("data2");
      w1.commit();
      w2.commit();
    }
    assertThat(f1).hasContent("data1");
    assertThat(f2).hasContent("data2");
    assertThat(TestFiles.temps(dir)).isEmpty();
  }

  @Test
  void binaryStreamHasTheSameContract() throws IOException {
    Path target = dir.resolve("data.bin");
    byte[] big = new byte[100_000];
    new Random(1).nextBytes(big);
    try (AtomicFileOutputStream out = new AtomicFileOutputStream(target)) {
      out.write(7);
      out.write(big, 0, 10);
      out.write(big);
      assertThat(target).doesNotExist();
      out.commit();
    }
    byte[] expected = new byte[1 + 10 + big.length];
    expected[0] = 7;
    System.arraycopy(big, 0, expected, 1, 10);
    System.arraycopy(big, 0, expected, 11, big.length);
    assertThat(Files.readAllBytes(target)).isEqualTo(expected);

    try (AtomicFileOutputStream out = new AtomicFileOutputStream(target)) {
      out.write(new byte[] {1, 2, 3});
    }
    assertThat(Files.readAllBytes(target)).isEqualTo(expected);

    UncheckedIOException boom = new UncheckedIOException(new IOException("boom"));
    assertThatThrownBy(() -> AtomicFileOutputStream.atomicWrite(target, out -> {
      out.write(new byte[] {9});
      throw boom;
    })).isSameAs(boom);
    assertThat(Files.readAllBytes(target)).isEqualTo(expected);
    AtomicFileOutputStream.atomicWrite(target, out -> out.write(new byte[] {4, 5}));
    assertThat(Files.readAllBytes(target)).isEqualTo(new byte[] {4, 5});
    assertThat(TestFiles.temps(dir)).isEmpty();
  }

  @Test
  void emptyContentGivesAnEmptyFile() throws IOException {
    Path target = dir.resolve("empty");
    Files.writeString(target, "something");
    AtomicFileWriter.atomicWrite(target, "");
    assertThat(target).isEmptyFile();
    AtomicFileWriter.atomicWrite(target, new byte[0]);
    assertThat(Files.readAllBytes(target)).isEqualTo(new byte[0]);
  }
}
