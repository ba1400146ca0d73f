package io.htmlgraph.atomic.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs the {@code atomic} command in a child JVM (this test's java and class path), for what an
 * in-JVM run cannot show: closed standard descriptors, signals, the death of the process. Through
 * {@code bash -c 'exec ... REDIRECTIONS'} when descriptors must be closed, as a shell closes them
 * ({@link ProcessBuilder} cannot close one).
 */
final class ChildCli {
  record Result(int code, String out, String err) {}

  private ChildCli() {}

  /** @return the command line of {@code atomic ARGS} in a child JVM, with {@code jvmFlags} */
  static List<String> command(List<String> jvmFlags, String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElseThrow());
    cmd.addAll(jvmFlags);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(Main.class.getName());
    cmd.addAll(List.of(args));
    return cmd;
  }

  /**
   * Runs {@code atomic ARGS} in {@code cwd} as {@code exec atomic ARGS REDIRECTIONS} in bash (for
   * example {@code "<&-"}), with empty standard input unless the redirections say otherwise.
   */
  static Result shell(Path cwd, String redirections, String... args) throws IOException, InterruptedException {
    return shell(cwd, redirections, List.of(), args);
  }

  static Result shell(Path cwd, String redirections, List<String> jvmFlags, String... args)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("bash", "-c", "exec \"$@\" " + redirections, "bash"));
    cmd.addAll(command(jvmFlags, args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile());
    Process p = pb.start();
    p.getOutputStream().close();
    CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
    CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
    if (!p.waitFor(2, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError("timed out: " + cmd);
    }
    return new Result(p.exitValue(), new String(out.join(), StandardCharsets.UTF_8),
        new String(err.join(), StandardCharsets.UTF_8));
  }

  static byte[] readAll(InputStream in) {
    try {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
