package io.htmlgraph.atomic.cli;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.htmlgraph.atomic.testsupport.Commands;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Runs the real {@code ./atomic} launcher in a subprocess (for the *IT tests, after `package`). */
final class Launcher {
  record Result(int code, String out, String err) {}

  private Launcher() {}

  static Path path() {
    String p = System.getProperty("atomic.launcher");
    assumeTrue(p != null, "atomic.launcher is not set: run through `mvn verify` (failsafe sets it)");
    Path launcher = Path.of(p).toAbsolutePath().normalize();
    assumeTrue(Files.isExecutable(launcher), "no executable launcher at " + launcher);
    return launcher;
  }

  static Result run(Path cwd, byte[] stdin, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(path().toString());
    cmd.addAll(List.of(args));
    return exec(cwd, stdin, new ProcessBuilder(cmd));
  }

  static Result shell(Path cwd, String script) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder("bash", "-c", script);
    pb.environment().put("ATOMIC", path().toString());
    return exec(cwd, new byte[0], pb);
  }

  private static Result exec(Path cwd, byte[] stdin, ProcessBuilder pb) throws IOException, InterruptedException {
    Commands.Result r = Commands.run(pb.directory(cwd.toFile()), stdin, Duration.ofMinutes(5));
    return new Result(r.exit(), r.out(), r.err());
  }
}
