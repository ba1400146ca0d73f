package io.htmlgraph.atomic.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code write --json} and {@code validate --json}. */
class JsonCommandsTest {
  @TempDir Path dir;

  @Test
  void writeJsonReformatsInTheLibrarysFormat() throws Exception {
    Path f = dir.resolve("f.json");
    Cli.Result r = Cli.runWithInput("{\"b\":1,\"a\":[1,2.5,\"x\u00e9\"],\"c\":null,\"d\":{}}", "write", "--json", f.toString());
    assertThat(r.code()).isZero();
    assertThat(Files.readString(f)).isEqualTo(
        "{\n  \"b\": 1,\n  \"a\": [\n    1,\n    2.5,\n    \"x\u00e9\"\n  ],\n  \"c\": null,\n  \"d\": {}\n}\n");
  }

  @Test
  void writeJsonRefusesInvalidInputAndChangesNothing() throws Exception {
    Path f = Files.writeString(dir.resolve("f.json"), "{\"keep\": true}\n");
    for (String bad : new String[] {"{\"a\":", "{} {}", "", "NaN", "{'a': 1}"}) {
      Cli.Result r = Cli.runWithInput(bad, "write", "--json", f.toString());
      assertThat(r.code()).as(bad).isEqualTo(1);
      assertThat(r.err()).as(bad).startsWith("atomic: " + f + ": not written: standard input is not valid JSON (");
      assertThat(Files.readString(f)).isEqualTo("{\"keep\": true}\n");
      assertThat(Cli.list(dir)).containsExactly("f.json");
    }
  }

  @Test
  void writeJsonHonoursTheWriteOptions() throws Exception {
    Path f = Files.writeString(dir.resolve("f.json"), "[]");
    Cli.Result r = Cli.runWithInput("[1]", "write", "--json", "--no-clobber", f.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(Files.readString(f)).isEqualTo("[]");
  }

  @Test
  void validateJson() throws Exception {
    Path good = Files.writeString(dir.resolve("good.json"), "{\"a\": [1, 2]}\n");
    Path bad = Files.writeString(dir.resolve("bad.json"), "{\"a\": [1, 2}\n");
    Path two = Files.writeString(dir.resolve("two.json"), "{} []");
    Path empty = Files.writeString(dir.resolve("empty.json"), "");
    Cli.Result ok = Cli.run("validate", "--json", good.toString());
    assertThat(ok.code()).isZero();
    assertThat(ok.out()).isEqualTo(good + ": valid JSON" + System.lineSeparator());
    Cli.Result r = Cli.run("validate", "--json", bad.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).startsWith(bad + ": invalid: not JSON: line 1, column ");
    assertThat(Cli.run("validate", "--json", two.toString()).err()).startsWith(two + ": invalid: not JSON: content after the value at line 1");
    assertThat(Cli.run("validate", "--json", empty.toString()).err()).isEqualTo(empty + ": invalid: not JSON: empty" + System.lineSeparator());
    assertThat(Cli.run("validate", "--json", dir.resolve("none").toString()).err()).contains("no such file");
  }

  @Test
  void theReasonAFileIsInvalidIsNeverSoughtInAFifoSwappedInAfterTheValidation() throws Exception {
    // validate --json found the file invalid, then looks for the reason: a FIFO put at the name
    // meanwhile must not block it (called directly, as if the swap had come between the two)
    Path fifo = dir.resolve("swapped.json");
    assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
    try {
      String why = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> JsonSupport.problem(fifo));
      assertThat(why).contains("not a regular file");
    } finally {
      try (FileChannel unblock = FileChannel.open(fifo, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
        unblock.isOpen(); // a writer: a reader stuck on the FIFO (the old code) gets its end of file
      }
    }
  }
}
