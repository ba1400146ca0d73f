package io.htmlgraph.atomic.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

class MainTest {
  @TempDir Path dir;

  @Test
  void versionNamesTheProjectVersion() {
    Cli.Result r = Cli.run("--version");
    assertThat(r.code()).isZero();
    assertThat(r.out()).matches("(?s)atomic \\d+\\.\\d+\\.\\d+(-SNAPSHOT)? \\(htmlgraph-atomic; Java .*\\)\\R");
  }

  @Test
  void helpListsTheUserCommandsButNotTheHiddenOnes() {
    Cli.Result r = Cli.run("--help");
    assertThat(r.code()).isZero();
    assertThat(r.out()).contains("write", "read", "validate", "rename", "sweep", "tempname", "check", "demo", "Exit codes");
    assertThat(r.out()).doesNotContain("demo-writer", "probe-lock", "cds-training");
  }

  @Test
  void everyUserCommandHasHelp() {
    CommandLine all = Cli.commandLine();
    for (String name : Main.COMMANDS) {
      if (all.getSubcommands().get(name).getCommandSpec().usageMessage().hidden()) {
        continue;
      }
      Cli.Result r = Cli.run(name, "--help");
      assertThat(r.code()).as(name).isZero();
      assertThat(r.out()).as(name).contains("Usage: atomic " + name + " ");
    }
  }

  @Test
  void theRegisteredNamesAreTheCommandsOwnNames() {
    // the name each command gives itself (annotation or programmatic model) is the one it is registered under
    for (String name : Main.COMMANDS) {
      Object command = Main.subcommand(name, new Main());
      CommandSpec spec = command instanceof CommandSpec s ? s : CommandSpec.forAnnotatedObject(command);
      assertThat(spec.name()).isEqualTo(name);
    }
    assertThat(Cli.commandLine().getSubcommands().keySet()).containsExactlyElementsOf(Main.COMMANDS);
  }

  @Test
  void noCommandIsBadUsage() {
    Cli.Result r = Cli.run();
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("Missing a command", "Usage: atomic");
  }

  @Test
  void anUnknownCommandIsBadUsage() {
    Cli.Result r = Cli.run("frobnicate");
    assertThat(r.code()).isEqualTo(CommandLine.ExitCode.USAGE).isEqualTo(2);
    assertThat(r.err()).contains("Unmatched argument", "frobnicate");
  }

  @Test
  void anUnknownOptionIsBadUsageAndWritesNothing() throws Exception {
    Path f = dir.resolve("f.txt");
    Cli.Result r = Cli.runWithInput("data", "write", "--bogus", f.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("Unknown option: '--bogus'", "Usage: atomic write");
    assertThat(Cli.list(dir)).isEmpty();
  }

  @Test
  void anErrorIsOneLineWithoutStackTrace() {
    Cli.Result r = Cli.run("read", dir.resolve("missing").toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).isEqualTo("atomic: " + dir.resolve("missing") + ": no such file or directory" + System.lineSeparator());
  }

  @Test
  void verboseAddsTheStackTrace() {
    Cli.Result r = Cli.run("read", "--verbose", dir.resolve("missing").toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).startsWith("atomic: " + dir.resolve("missing") + ": no such file or directory")
        .contains("java.nio.file.NoSuchFileException", "\tat ");
  }

  @Test
  void verboseMayComeBeforeTheCommand() {
    Cli.Result r = Cli.run("--verbose", "read", dir.resolve("missing").toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("\tat ");
    assertThat(Files.exists(dir.resolve("missing"))).isFalse();
  }
}
