package io.htmlgraph.atomic.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code read}, {@code validate} and {@code rename}: the small commands over one file. */
class ReadValidateRenameTest {
  @TempDir Path dir;

  @Test
  void readPrintsTheFileAsIs() throws Exception {
    Path f = dir.resolve("f.txt");
    Files.writeString(f, "línea 1\nline 2 ✓\n");
    Cli.Result r = Cli.run("read", f.toString());
    assertThat(r.code()).isZero();
    assertThat(r.out()).isEqualTo("línea 1\nline 2 ✓\n");
  }

  @Test
  void readOfAMissingFileFailsAfterTheRetries() {
    Path f = dir.resolve("missing");
    long t0 = System.nanoTime();
    Cli.Result r = Cli.run("read", "--retries", "3", "--delay", "20ms", f.toString());
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).isEqualTo("atomic: " + f + ": no such file or directory" + System.lineSeparator());
    assertThat(ms).as("waited 20 ms + 40 ms between the 3 attempts").isGreaterThanOrEqualTo(60);
  }

  @Test
  void readRetriesUntilTheFileAppears() throws Exception {
    Path f = dir.resolve("late.txt");
    CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
      try {
        Thread.sleep(100);
        Files.writeString(dir.resolve("late.tmp"), "arrived");
        Files.move(dir.resolve("late.tmp"), f, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      } catch (Exception e) {
        throw new RuntimeException(e);
      }
    });
    Cli.Result r = Cli.run("read", "--retries", "8", "--delay", "20ms", f.toString());
    writer.join();
    assertThat(r.code()).isZero();
    assertThat(r.out()).isEqualTo("arrived");
  }

  @Test
  void readOfInvalidUtf8FailsAtOnce() throws Exception {
    Path f = dir.resolve("bin");
    Files.write(f, new byte[] {'o', 'k', (byte) 0xC3, (byte) 0x28});
    Cli.Result r = Cli.run("read", "--delay", "5s", f.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).isEqualTo("atomic: " + f + ": not valid UTF-8 text" + System.lineSeparator());
  }

  @Test
  void readOfADirectoryIsAnError() {
    Cli.Result r = Cli.run("read", "--retries", "1", dir.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).startsWith("atomic: " + dir + ": ").doesNotContain("\tat ");
  }

  @Test
  void readWithZeroRetriesIsBadUsage() throws Exception {
    Path f = Files.writeString(dir.resolve("f"), "x");
    Cli.Result r = Cli.run("read", "--retries", "0", f.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--retries must be at least 1");
    assertThat(r.out()).isEmpty();
  }

  @Test
  void validateAcceptsUtf8Text() throws Exception {
    Path f = Files.writeString(dir.resolve("f.txt"), "ünïcödé");
    Cli.Result r = Cli.run("validate", f.toString());
    assertThat(r.code()).isZero();
    assertThat(r.out()).isEqualTo(f + ": valid UTF-8 text" + System.lineSeparator());
  }

  @Test
  void validateRejectsWithOneLineReasons() throws Exception {
    Path bin = Files.write(dir.resolve("bin"), new byte[] {(byte) 0xFF, 'a'});
    Path missing = dir.resolve("missing");
    Path sub = Files.createDirectory(dir.resolve("sub"));
    assertInvalid(bin, "not valid UTF-8");
    assertInvalid(missing, "no such file");
    assertInvalid(sub, "is a directory");
    assertThat(Cli.list(dir)).containsExactly("bin", "sub");
  }

  private static void assertInvalid(Path f, String reason) {
    Cli.Result r = Cli.run("validate", f.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).isEqualTo(f + ": invalid: " + reason + System.lineSeparator());
    assertThat(r.out()).isEmpty();
  }

  @Test
  void renameReplacesTheDestination() throws Exception {
    Path a = Files.writeString(dir.resolve("a"), "new");
    Path b = Files.writeString(dir.resolve("b"), "old");
    Cli.Result r = Cli.run("rename", a.toString(), b.toString());
    assertThat(r.code()).isZero();
    assertThat(Files.readString(b)).isEqualTo("new");
    assertThat(Cli.list(dir)).containsExactly("b");
  }

  @Test
  void renameOfAMissingSourceChangesNothing() throws Exception {
    Path b = Files.writeString(dir.resolve("b"), "old");
    Cli.Result r = Cli.run("rename", dir.resolve("a").toString(), b.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).startsWith("atomic: " + dir.resolve("a")).contains("no such file");
    assertThat(Files.readString(b)).isEqualTo("old");
    assertThat(Cli.list(dir)).containsExactly("b");
  }

  @Test
  void renameOntoItselfIsRefused() throws Exception {
    Path a = Files.writeString(dir.resolve("a"), "x");
    Cli.Result r = Cli.run("rename", a.toString(), dir.resolve(".").resolve("a").toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("same file");
    assertThat(Files.readString(a)).isEqualTo("x");
  }

  @Test
  void renameNeedsTwoArguments() {
    Cli.Result r = Cli.run("rename", "only-one");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("Missing required parameter", "DST");
  }
}
