package io.htmlgraph.atomic.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.htmlgraph.atomic.DirectoryLock;
import io.htmlgraph.atomic.DirectoryLocker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lock}: in this JVM a second {@link DirectoryLocker} instance excludes the command's exactly
 * as another process would (the launcher tests show it between processes).
 */
class LockCommandTest {
  @TempDir Path dir;

  private Path locks() {
    return dir.resolve("locks");
  }

  @Test
  void runsTheCommandWhileHoldingAndExitsWithItsCode() throws Exception {
    Path ran = dir.resolve("ran");
    Cli.Result r = Cli.run("lock", locks().toString(), "--", "sh", "-c", "echo yes > '" + ran + "'; exit 7");
    assertThat(r.code()).isEqualTo(7);
    assertThat(Files.readString(ran)).isEqualTo("yes\n");
    assertThat(r.err()).isEmpty();
    assertThat(Cli.run("lock", "--status", locks().toString()).out()).isEqualTo("free" + System.lineSeparator());
  }

  @Test
  void theCommandRunsWhileTheLockIsHeld() throws Exception {
    Path seen = dir.resolve("seen");
    // inside the command, a try-once of the lock from another process must fail: it is held
    List<String> probe = ChildCli.launch(List.of(), "lock", "--timeout", "0s", locks().toString(), "--", "true")
        .inShell("\"$@\"; echo $? > '" + seen + "'").command();
    List<String> args = new ArrayList<>(List.of("lock", locks().toString(), "--"));
    args.addAll(probe);
    Cli.Result r = Cli.run(args.toArray(String[]::new));
    assertThat(r.code()).isZero();
    assertThat(Files.readString(seen).strip()).isEqualTo("75");
  }

  @Test
  void timesOutWith75WithoutRunningTheCommand() throws Exception {
    Path ran = dir.resolve("ran");
    try (DirectoryLock held = new DirectoryLocker(locks()).lockExclusive(Duration.ofSeconds(5))) {
      assertThat(held.isHeld()).isTrue();
      long t0 = System.nanoTime();
      Cli.Result r = Cli.run("lock", "--timeout", "300ms", locks().toString(), "--", "touch", ran.toString());
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertThat(r.code()).isEqualTo(75);
      assertThat(r.err()).startsWith("atomic: " + locks() + ": lock not obtained within 300ms")
          .contains("not running touch").doesNotContain("\tat ");
      assertThat(ms).isGreaterThanOrEqualTo(300);
    }
    assertThat(Files.exists(ran)).isFalse();
  }

  @Test
  void sharedHoldersRunTogetherButNotWithAnExclusiveOne() throws Exception {
    Path ran = dir.resolve("ran");
    try (DirectoryLock reader = new DirectoryLocker(locks()).lockShared(Duration.ofSeconds(5))) {
      assertThat(reader.isHeld()).isTrue();
      assertThat(Cli.run("lock", "--shared", "--timeout", "0s", locks().toString(), "--", "touch", ran.toString()).code()).isZero();
      assertThat(Files.exists(ran)).isTrue();
      Files.delete(ran);
      assertThat(Cli.run("lock", "--timeout", "100ms", locks().toString(), "--", "touch", ran.toString()).code()).isEqualTo(75);
      assertThat(Files.exists(ran)).isFalse();
    }
  }

  @Test
  void statusNamesTheHolder() throws Exception {
    assertThat(Files.exists(locks())).isFalse();
    DirectoryLocker mine = new DirectoryLocker(locks());
    assertThat(Cli.run("lock", "--status", locks().toString()).out()).isEqualTo("free" + System.lineSeparator());
    try (DirectoryLock held = mine.lockExclusive(Duration.ofSeconds(5))) {
      assertThat(held.isHeld()).isTrue();
      Cli.Result r = Cli.run("lock", "--status", locks().toString());
      assertThat(r.code()).isZero();
      assertThat(r.out()).startsWith("held by pid " + ProcessHandle.current().pid() + " on ").contains(", exclusive, since ");
    }
    assertThat(Cli.run("lock", "--status", locks().toString()).out()).isEqualTo("free" + System.lineSeparator());
  }

  @Test
  void statusOfAMissingDirectoryIsAnErrorAndCreatesNothing() {
    Cli.Result r = Cli.run("lock", "--status", locks().toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).isEqualTo("atomic: " + locks() + ": no such directory" + System.lineSeparator());
    assertThat(Files.exists(locks())).isFalse();
  }

  @Test
  void anUnknownCommandExits127() {
    Cli.Result r = Cli.run("lock", locks().toString(), "--", "no-such-command-here");
    assertThat(r.code()).isEqualTo(127);
    assertThat(r.err()).isEqualTo("atomic: no-such-command-here: command not found" + System.lineSeparator());
  }

  @Test
  void aMissingCommandIsBadUsage() {
    Cli.Result r = Cli.run("lock", locks().toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("Missing COMMAND");
    assertThat(Files.exists(locks())).isFalse();
  }

  @Test
  void aBadTimeoutIsBadUsage() {
    Cli.Result r = Cli.run("lock", "--timeout", "soon", locks().toString(), "--", "true");
    assertThat(r.code()).isEqualTo(2);
    assertThat(Files.exists(locks())).isFalse();
  }
}
