package io.htmlgraph.atomic.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * External commands run to their end (mount, mkfs, runuser, a child JVM): what they printed and how
 * they ended, never a hang. The one place that starts a process, feeds it and waits for it with a
 * bound.
 */
public final class Commands {
  /** How long {@link #run(String...)} and {@link #check(String...)} wait for a command. */
  public static final Duration TIMEOUT = Duration.ofMinutes(2);

  private Commands() {}

  /**
   * What a command printed and how it ended.
   *
   * @param exit its exit status
   * @param out its standard output (with its standard error when they were merged)
   * @param err its standard error, empty when merged into {@code out}
   */
  public record Result(int exit, String out, String err) {
    /** @return {@code out}, trimmed */
    public String output() {
      return out.strip();
    }

    @Override
    public String toString() {
      return "exit " + exit + ": " + out.strip() + (err.isEmpty() ? "" : " / stderr: " + err.strip());
    }
  }

  /** Runs {@code command} with empty input, its standard error merged into its output. */
  public static Result run(String... command) throws IOException, InterruptedException {
    return run(List.of(command));
  }

  /** As {@link #run(String...)}. */
  public static Result run(List<String> command) throws IOException, InterruptedException {
    return run(new ProcessBuilder(command).redirectErrorStream(true), new byte[0], TIMEOUT);
  }

  /**
   * Runs {@code command} with empty input.
   *
   * @return its output (and standard error), when it exits with status 0
   * @throws IOException naming the command and what it printed, when it exits with another status
   */
  public static String check(String... command) throws IOException, InterruptedException {
    return check(List.of(command));
  }

  /** As {@link #check(String...)}. */
  public static String check(List<String> command) throws IOException, InterruptedException {
    Result r = run(command);
    if (r.exit() != 0) {
      throw new IOException("exit " + r.exit() + ": " + String.join(" ", command) + ": " + r.output());
    }
    return r.out();
  }

  /**
   * Starts {@code pb}, writes {@code input} to its standard input and closes it (a command that does
   * not read it is no failure), reads its output and error while it runs (a full pipe would stall it)
   * and waits for its end.
   *
   * @throws IOException if it did not end within {@code timeout}; it is killed
   */
  public static Result run(ProcessBuilder pb, byte[] input, Duration timeout) throws IOException, InterruptedException {
    Process p = pb.start();
    try {
      CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
      CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
      try (OutputStream in = p.getOutputStream()) {
        in.write(input);
      } catch (IOException closedEarly) {
        // the command did not read its input: its exit status says why
      }
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new IOException("did not end within " + timeout.toMillis() + " ms: " + String.join(" ", pb.command()));
      }
      return new Result(p.exitValue(), new String(out.join(), StandardCharsets.UTF_8),
          new String(err.join(), StandardCharsets.UTF_8));
    } finally {
      if (p.isAlive()) {
        // timed out or interrupted: the command goes too, and is gone when this returns
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  /** @return everything {@code in} gives until its end */
  public static byte[] readAll(InputStream in) {
    try {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** @return whether {@code tool} is an executable on the PATH or in an sbin directory */
  public static boolean installed(String tool) {
    for (String dir : (System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/sbin:/usr/bin:/bin").split(":")) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
        return true;
      }
    }
    return false;
  }

  /** @return whether this process runs as root */
  public static boolean isRoot() {
    try {
      return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).intValue() == 0;
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      return false;
    }
  }
}
