package io.htmlgraph.atomic.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.htmlgraph.atomic.testsupport.Commands;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What signals do to {@code write} and {@code lock}, in child JVMs: a caught signal must leave no
 * temp and the old file, and SIGKILL of {@code lock} must not leave its command running without the
 * lock.
 */
class SignalsTest {
  @TempDir Path dir;

  /**
   * {@code write} reading from a pipe that stays open gets the signal while its temp exists: it exits
   * 128 + the signal's number, FILE is as it was, and no {@code .tmp-*} is left (one used to be).
   */
  @ParameterizedTest(name = "SIG{0}")
  @CsvSource({"INT, 130", "TERM, 143", "HUP, 129"})
  void aSignalDuringWriteLeavesTheOldFileAndNoTemp(String signal, int code) throws Exception {
    Path file = Files.writeString(dir.resolve("f.txt"), "old\n");
    // env --default-signal: a test run from a background job inherits SIGINT ignored, and a JVM
    // started with a signal ignored leaves it ignored
    Process p = ChildCli.launch(List.of(), "write", file.toString()).under("env", "--default-signal=INT,TERM,HUP")
        .processBuilder().start();
    CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> Commands.readAll(p.getErrorStream()));
    try (OutputStream in = p.getOutputStream()) {
      in.write("new, but not all of it\n".getBytes(StandardCharsets.UTF_8));
      in.flush();
      assertThat(awaitTemp()).as("the writer's temp appears").isPresent();
      Process kill = new ProcessBuilder("kill", "-s", signal, Long.toString(p.pid())).inheritIO().start();
      assertThat(kill.waitFor()).isZero();
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("the writer ends").isTrue();
    } finally {
      p.destroyForcibly();
    }
    assertThat(p.exitValue()).isEqualTo(code);
    assertThat(Files.readString(file)).isEqualTo("old\n");
    assertThat(Cli.list(dir)).containsExactly("f.txt");
    assertThat(new String(err.join(), StandardCharsets.UTF_8)).isEqualTo("atomic: " + file + ": not written: stopped by a signal\n");
  }

  private Optional<Path> awaitTemp() throws Exception {
    for (int i = 0; i < 1200; i++) {
      try (var s = Files.list(dir)) {
        Optional<Path> temp = s.filter(q -> q.getFileName().toString().startsWith(".tmp-")).findFirst();
        if (temp.isPresent()) {
          return temp;
        }
      }
      Thread.sleep(50);
    }
    return Optional.empty();
  }

  /**
   * SIGKILL of {@code atomic lock DIR -- CMD} frees the lock at once; CMD must not run on without it.
   * It starts under {@code setpriv --pdeathsig KILL}, so the kernel kills it with its holder.
   */
  @Test
  void sigkillOfTheHolderKillsTheCommand() throws Exception {
    assumeTrue(Executables.setpriv() != null, "no setpriv (util-linux) here: the command outlives its holder, as documented");
    Process holder = ChildCli.launch(List.of(), "lock", dir.resolve("locks").toString(), "--", "sleep", "600")
        .processBuilder().redirectErrorStream(true).start();
    ProcessHandle command = null;
    try {
      for (int i = 0; i < 1200 && command == null; i++) {
        command = holder.toHandle().children()
            .filter(c -> c.info().command().map(x -> x.endsWith("/sleep")).orElse(false))
            .findFirst().orElse(null);
        if (command == null) {
          Thread.sleep(50);
        }
      }
      assertThat(command).as("the command runs under the lock").isNotNull();
      holder.destroyForcibly(); // SIGKILL: no shutdown hook runs
      assertThat(holder.waitFor(60, TimeUnit.SECONDS)).isTrue();
      boolean gone = false;
      for (int i = 0; i < 600 && !gone; i++) {
        gone = !running(command.pid());
        if (!gone) {
          Thread.sleep(50);
        }
      }
      assertThat(gone).as("the command died with its holder").isTrue();
    } finally {
      holder.destroyForcibly();
      if (command != null) {
        command.destroyForcibly();
      }
    }
    assertThat(Cli.run("lock", "--status", dir.resolve("locks").toString()).out()).isEqualTo("free" + System.lineSeparator());
  }

  /** @return whether {@code pid} runs (a zombie, dead and not yet reaped, does not) */
  private static boolean running(long pid) throws Exception {
    Path stat = Path.of("/proc/" + pid + "/stat");
    String s;
    try {
      s = Files.readString(stat);
    } catch (java.nio.file.NoSuchFileException gone) {
      return false;
    }
    // the state follows the command's name in parentheses, which may itself hold spaces or parentheses
    return s.charAt(s.lastIndexOf(')') + 2) != 'Z';
  }
}
