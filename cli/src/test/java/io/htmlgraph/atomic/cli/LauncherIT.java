package io.htmlgraph.atomic.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real {@code ./atomic} launcher in a subprocess, run from another directory, against the jar
 * that {@code package} built: what a user types.
 */
class LauncherIT {
  @TempDir Path dir;

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void versionFromAnyDirectory() throws Exception {
    Launcher.Result r = Launcher.run(dir, new byte[0], "--version");
    assertThat(r.code()).isZero();
    assertThat(r.out()).startsWith("atomic ");
    assertThat(r.err()).isEmpty();
  }

  @Test
  void writeTakesStandardInputAndResolvesTheFileAgainstTheCurrentDirectory() throws Exception {
    Launcher.Result r = Launcher.run(dir, utf8("grüße\n"), "write", "out.txt");
    assertThat(r.code()).isZero();
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).isEmpty();
    assertThat(Files.readString(dir.resolve("out.txt"))).isEqualTo("grüße\n");
    assertThat(Cli.list(dir)).containsExactly("out.txt");
  }

  @Test
  void aPlainWriteStartsFromTheClassDataArchiveWithoutPicocli() throws Exception {
    // What keeps `atomic write` short (a timing belongs in a benchmark, not here): its classes come
    // from the class-data sharing archive and the command line is parsed without picocli (FastWrite).
    // The first run may build and train; the second one logs its class loading.
    Launcher.Result r = Launcher.shell(dir, "echo warm | \"$ATOMIC\" write warm.txt && "
        + "echo data | JAVA_TOOL_OPTIONS=-Xlog:class+load:file=classes.log \"$ATOMIC\" write out.txt");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(Files.readString(dir.resolve("out.txt"))).isEqualTo("data\n");
    String log = Files.readString(dir.resolve("classes.log"));
    assertThat(log)
        .contains("io.htmlgraph.atomic.cli.FastWrite source: shared objects file")
        .contains("io.htmlgraph.atomic.AtomicFileOutputStream source: shared objects file")
        // picocli's parser and model never run (a few of its types are linked from Main, not used)
        .doesNotContain("picocli.CommandLine$Interpreter", "picocli.CommandLine$Model$CommandSpec ");
  }

  @Test
  void writeRewritesAFileInPlaceLikeSponge() throws Exception {
    Files.writeString(dir.resolve("f"), "pear\napple\nfig\n");
    Launcher.Result r = Launcher.shell(dir, "sort f | \"$ATOMIC\" write f && cat f");
    assertThat(r.code()).isZero();
    assertThat(r.out()).isEqualTo("apple\nfig\npear\n");
    assertThat(Cli.list(dir)).containsExactly("f");
  }

  @Test
  void writeWithModeAndNoClobber() throws Exception {
    assertThat(Launcher.run(dir, utf8("1"), "write", "--mode", "0640", "--no-clobber", "g").code()).isZero();
    Launcher.Result again = Launcher.run(dir, utf8("2"), "write", "--no-clobber", "g");
    assertThat(again.code()).isEqualTo(1);
    assertThat(again.err()).startsWith("atomic: g: ");
    assertThat(Files.readString(dir.resolve("g"))).isEqualTo("1");
    assertThat(Files.getPosixFilePermissions(dir.resolve("g")))
        .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-r-----"));
    assertThat(Cli.list(dir)).containsExactly("g");
  }

  @Test
  void writeWithStandardInputClosedChangesNothing() throws Exception {
    // the JVM used to read its own module image as "standard input" and write it into keep.txt
    Files.writeString(dir.resolve("keep.txt"), "keep");
    Launcher.Result r = Launcher.shell(dir, "\"$ATOMIC\" write keep.txt <&-");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).isEqualTo("atomic: keep.txt: not written: standard input is closed (for an empty file, give </dev/null)\n");
    assertThat(Files.readString(dir.resolve("keep.txt"))).isEqualTo("keep");
    assertThat(Cli.list(dir)).containsExactly("keep.txt");
  }

  @Test
  void readWithStandardOutputClosedFails() throws Exception {
    Files.writeString(dir.resolve("f.txt"), "text");
    Launcher.Result r = Launcher.shell(dir, "\"$ATOMIC\" read f.txt >&-");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).isEqualTo("atomic: " + Main.STDOUT_CLOSED + "\n");
  }

  @Test
  void writeToADirectoryFailsWithOneLineAndChangesNothing() throws Exception {
    Files.createDirectory(dir.resolve("d"));
    Launcher.Result r = Launcher.run(dir, utf8("data"), "write", "d");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).isEqualTo("atomic: d: is a directory\n");
    assertThat(r.out()).isEmpty();
    assertThat(Cli.list(dir)).containsExactly("d");
    assertThat(Cli.list(dir.resolve("d"))).isEmpty();
  }

  @Test
  void anUnknownOptionExitsTwoWithUsageAndWritesNothing() throws Exception {
    Launcher.Result r = Launcher.run(dir, utf8("data"), "write", "--fast", "f");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("Unknown option: '--fast'", "Usage: atomic write");
    assertThat(Cli.list(dir)).isEmpty();
  }

  @Test
  void readOfAMissingFileExitsOne() throws Exception {
    Launcher.Result r = Launcher.run(dir, new byte[0], "read", "--retries", "1", "nope");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).isEqualTo("atomic: nope: no such file or directory\n");
  }

  @Test
  void demoRunsAndLeavesNothingBehind() throws Exception {
    Launcher.Result r = Launcher.run(dir, new byte[0], "demo", "--seconds", "2", dir.toString());
    assertThat(r.err()).isEmpty();
    assertThat(r.out()).contains("naive in-place", "atomic (this library)", "torn or empty targets",
        "verdict: the atomic writer never left a torn file");
    assertThat(r.code()).isZero();
    assertThat(Cli.list(dir)).isEmpty();
  }

  @Test
  void writeJsonRefusesInvalidInputThroughTheLauncher() throws Exception {
    Files.writeString(dir.resolve("c.json"), "{}\n");
    Launcher.Result r = Launcher.run(dir, utf8("{\"a\": tru"), "write", "--json", "c.json");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).startsWith("atomic: c.json: not written: standard input is not valid JSON (").endsWith(")\n");
    assertThat(Files.readString(dir.resolve("c.json"))).isEqualTo("{}\n");
    assertThat(Cli.list(dir)).containsExactly("c.json");
  }

  @Test
  void lockExitsWithTheCommandsCode() throws Exception {
    Launcher.Result r = Launcher.run(dir, new byte[0], "lock", "locks", "--", "sh", "-c", "echo inside; exit 3");
    assertThat(r.code()).isEqualTo(3);
    assertThat(r.out()).isEqualTo("inside\n");
  }

  @Test
  void lockExcludesAnotherProcessAndTimesOutWith75() throws Exception {
    // a first ./atomic holds the lock while its command waits for a file to appear
    Path go = dir.resolve("go");
    Process holder = new ProcessBuilder(Launcher.path().toString(), "lock", "locks", "--",
        "sh", "-c", "while [ ! -e go ]; do sleep 0.05; done")
        .directory(dir.toFile()).redirectErrorStream(true).start();
    try {
      String status = "";
      // "held (holder unknown)" until the holder has written its owner record
      for (int i = 0; i < 600 && !status.startsWith("held by"); i++) {
        status = Launcher.run(dir, new byte[0], "lock", "--status", "locks").out();
        if (!status.startsWith("held by")) {
          Thread.sleep(100);
        }
      }
      assertThat(status).startsWith("held by pid " + holder.pid() + " on ").contains("exclusive");
      Launcher.Result r = Launcher.run(dir, new byte[0], "lock", "--timeout", "300ms", "locks", "--", "touch", "ran");
      assertThat(r.code()).isEqualTo(75);
      assertThat(r.err()).startsWith("atomic: locks: lock not obtained within 300ms; held by pid " + holder.pid());
      assertThat(Files.exists(dir.resolve("ran"))).isFalse();
      Files.writeString(go, "");
      assertThat(holder.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
      assertThat(holder.exitValue()).isZero();
    } finally {
      holder.destroyForcibly();
    }
    assertThat(Launcher.run(dir, new byte[0], "lock", "--status", "locks").out()).isEqualTo("free\n");
    assertThat(Launcher.run(dir, new byte[0], "lock", "--timeout", "0s", "locks", "--", "touch", "ran").code()).isZero();
    assertThat(Files.exists(dir.resolve("ran"))).isTrue();
  }
}
