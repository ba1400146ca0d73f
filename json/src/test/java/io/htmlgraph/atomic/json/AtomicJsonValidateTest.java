package io.htmlgraph.atomic.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.htmlgraph.atomic.testsupport.ChildJvm;
import io.htmlgraph.atomic.testsupport.Commands;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AtomicJsonValidateTest {
  @TempDir Path dir;

  private Path file(String content) throws IOException {
    return Files.writeString(dir.resolve("f.json"), content, StandardCharsets.UTF_8);
  }

  @ParameterizedTest
  @ValueSource(strings = {"{}", "[]\n", "null", " \"x\" ", "0", "-1.5e+300", "{\"a\": [1, {\"b\": null}]}\n",
      "{\"a\": 1, \"a\": 2}", "\"\\ud800\""})
  void oneJsonValueIsValid(String content) throws IOException {
    assertThat(AtomicJson.validate(file(content))).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "  \n", "{\"a\": [1, 2", "{\"a\": ", "\"unterminated", "{} {}", "{}x", "[1] ]",
      "NaN", "[-Infinity]", "{'a': 1}", "[1,]", "tru", "01"})
  void anythingElseIsNot(String content) throws IOException {
    assertThat(AtomicJson.validate(file(content))).isFalse();
  }

  @Test
  void whatWriteWritesIsValid() throws IOException {
    Path target = dir.resolve("w.json");
    AtomicJson.write(target, RandomJsonValues.document(7));
    assertThat(AtomicJson.validate(target)).isTrue();
  }

  @Test
  void missingFileDirectoryAndInvalidUtf8AreNotValid() throws IOException {
    assertThat(AtomicJson.validate(dir.resolve("missing.json"))).isFalse();
    assertThat(AtomicJson.validate(dir)).isFalse();
    Path bad = Files.write(dir.resolve("bad.json"), new byte[] {'"', (byte) 0xFF, '"'});
    assertThat(AtomicJson.validate(bad)).isFalse();
  }

  @Test
  void linkToValidFileIsValidDanglingLinkIsNot() throws IOException {
    Path target = file("[1]");
    Path link = Files.createSymbolicLink(dir.resolve("link.json"), target.getFileName());
    Path dangling = Files.createSymbolicLink(dir.resolve("dangling.json"), dir.resolve("nothing"));

    assertThat(AtomicJson.validate(link)).isTrue();
    assertThat(AtomicJson.validate(dangling)).isFalse();
  }

  @Test
  void badArguments() {
    assertThatThrownBy(() -> AtomicJson.validate(Path.of(""))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> AtomicJson.validate(null)).isInstanceOf(NullPointerException.class);
  }

  /**
   * A 128 MiB file (one string of 64 MiB, then an array of 64 MiB of numbers) validated in a JVM
   * whose heap is 24 MiB: validate streams it.
   */
  @Test
  void validatesFilesFarLargerThanTheHeap() throws Exception {
    Path big = dir.resolve("big.json");
    byte[] chunk = "abcdefghijklmnopqrstuvwxyz01234\\".repeat(2048).replace("\\", "\\\\").getBytes(StandardCharsets.US_ASCII);
    byte[] numbers = "12345678,".repeat(8192).getBytes(StandardCharsets.US_ASCII);
    long mib = 64;
    try (OutputStream out = Files.newOutputStream(big)) {
      out.write("{\"s\": \"".getBytes(StandardCharsets.US_ASCII));
      for (long n = 0; n < mib * 1024 * 1024; n += chunk.length) {
        out.write(chunk);
      }
      out.write("\", \"a\": [".getBytes(StandardCharsets.US_ASCII));
      for (long n = 0; n < mib * 1024 * 1024; n += numbers.length) {
        out.write(numbers);
      }
      out.write("0]}\n".getBytes(StandardCharsets.US_ASCII));
    }
    Path truncated = dir.resolve("truncated.json");
    Files.copy(big, truncated);
    try (var ch = java.nio.channels.FileChannel.open(truncated, java.nio.file.StandardOpenOption.WRITE)) {
      ch.truncate(Files.size(big) - 3);
    }

    Commands.Result r = ChildJvm.launch(ValidateChild.class, big.toString(), truncated.toString())
        .jvmOptions("-Xmx24m").mergeErrors().run(Duration.ofSeconds(120));
    String out = r.output();
    assertThat(r.exit()).as(out).isZero();
    assertThat(out).startsWith("true false");
    System.out.println("validate, " + (Files.size(big) >> 20) + " MiB twice with -Xmx24m: " + out);
  }
}
