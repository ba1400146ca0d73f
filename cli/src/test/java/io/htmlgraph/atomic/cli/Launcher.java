package io.htmlgraph.atomic.cli;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

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
    return exec(cwd, stdin, cmd);
  }

  static Result shell(Path cwd, String script) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder("bash", "-c", script);
    pb.environment().put("ATOMIC", path().toString());
    return exec(cwd, new byte[0], pb.command(), pb);
  }

  private static Result exec(Path cwd, byte[] stdin, List<String> cmd) throws IOException, InterruptedException {
    return exec(cwd, stdin, cmd, new ProcessBuilder(cmd));
  }

  private static Result exec(Path cwd, byte[] stdin, List<String> cmd, ProcessBuilder pb)
      throws IOException, InterruptedException {
    pb.directory(cwd.toFile());
    Process p = pb.start();
    CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
    CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
    try (var in = p.getOutputStream()) {
      in.write(stdin);
    } catch (IOException closedEarly) {
      // the command did not read its input: its exit code says why
    }
    if (!p.waitFor(5, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError("timed out: " + cmd);
    }
    return new Result(p.exitValue(), new String(out.join(), StandardCharsets.UTF_8), new String(err.join(), StandardCharsets.UTF_8));
  }

  private static byte[] readAll(java.io.InputStream in) {
    try {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
