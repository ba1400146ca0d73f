package io.htmlgraph.atomic.crash;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM running {@link CrashChild}, whose stdout lines the parent reads as they come. Started on
 * the test's own class path, tuned to start fast (each kill costs one start).
 */
final class ChildJvm implements AutoCloseable {
  private static final String EOF = "\u0000EOF";

  private final Process process;
  private final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
  private final Thread reader;
  private final Writer stdin;

  private ChildJvm(Process process) {
    this.process = process;
    this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    this.reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          lines.add(line);
        }
      } catch (IOException closed) {
        // the child died: end of its output
      } finally {
        lines.add(EOF);
      }
    }, "child-stdout-" + process.pid());
    reader.setDaemon(true);
    reader.start();
  }

  /** @return the command that starts a JVM running {@link CrashChild} with {@code args} */
  static List<String> command(String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    // a fast start: no optimising compiler, a small serial heap
    cmd.addAll(List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xms32m", "-Xmx160m", "-Xshare:auto",
        "-cp", System.getProperty("java.class.path"), CrashChild.class.getName()));
    cmd.addAll(List.of(args));
    return cmd;
  }

  /** Starts {@code prefix} (e.g. {@code nsenter ...}, or nothing) followed by the child's command. */
  static ChildJvm start(List<String> prefix, String... args) throws IOException {
    List<String> cmd = new ArrayList<>(prefix);
    cmd.addAll(command(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
    return new ChildJvm(pb.start());
  }

  static ChildJvm start(String... args) throws IOException {
    return start(List.of(), args);
  }

  /**
   * @return the next line of output, or null at end of output
   * @throws IOException if none came within {@code timeoutMillis}
   */
  String nextLine(long timeoutMillis) throws IOException, InterruptedException {
    String line = lines.poll(timeoutMillis, TimeUnit.MILLISECONDS);
    if (line == null) {
      throw new IOException("child " + process.pid() + " said nothing for " + timeoutMillis + " ms");
    }
    return EOF.equals(line) ? null : line;
  }

  /** Sends one line to the child's stdin. */
  void send(String line) throws IOException {
    stdin.write(line + "\n");
    stdin.flush();
  }

  /** @return the next line of output if one came already, else null (also at end of output) */
  String pollLine() {
    String line = lines.poll();
    if (EOF.equals(line)) {
      lines.add(EOF);
      return null;
    }
    return line;
  }

  /** @return whether the child runs */
  boolean isAlive() {
    return process.isAlive();
  }

  /** @return the child's process id */
  long pid() {
    return process.pid();
  }

  /**
   * Closes the child's stdin (the {@code update} child stops after its update in progress) and waits for
   * its exit.
   *
   * @return the exit code
   * @throws IOException if it did not exit within {@code timeoutMillis}
   */
  int endInputAndWait(long timeoutMillis) throws IOException, InterruptedException {
    stdin.close();
    if (!process.waitFor(timeoutMillis, TimeUnit.MILLISECONDS)) {
      throw new IOException("child " + process.pid() + " still runs " + timeoutMillis + " ms after its input ended");
    }
    return process.exitValue();
  }

  /** Kills the child with SIGKILL and waits until it is dead. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor();
  }

  /**
   * Waits until the child's output is closed (after it died) and returns every line not read yet.
   */
  List<String> drain() throws InterruptedException, IOException {
    List<String> rest = new ArrayList<>();
    for (String line; (line = nextLine(30_000)) != null; ) {
      rest.add(line);
    }
    lines.add(EOF); // later calls see the end too
    return rest;
  }

  /**
   * Reads the report file of a {@code loop} or {@code update} child: one {@code {generation, nanoTime}} per call that
   * returned, in order. Call it once the child is dead.
   */
  static List<long[]> reported(Path report) throws IOException {
    List<long[]> out = new ArrayList<>();
    if (!java.nio.file.Files.exists(report)) {
      return out;
    }
    for (String line : java.nio.file.Files.readAllLines(report, StandardCharsets.US_ASCII)) {
      String[] f = line.split(" ");
      if (f.length != 3 || !f[0].equals("G")) {
        throw new IOException("bad report line in " + report + ": " + line);
      }
      out.add(new long[] {Long.parseLong(f[1]), Long.parseLong(f[2])});
    }
    return out;
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      kill();
    }
  }
}
