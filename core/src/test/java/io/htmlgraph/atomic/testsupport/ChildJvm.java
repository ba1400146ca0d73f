package io.htmlgraph.atomic.testsupport;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM running a main class of the test class path; its output read line by line. Shared with
 * the other modules' tests through this module's test jar.
 */
public final class ChildJvm implements AutoCloseable {
  public final Process process;
  private final BufferedReader out;
  private final Writer in;

  private ChildJvm(Process process) {
    this.process = process;
    this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    this.in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
  }

  public static ChildJvm start(Class<?> main, String... args) throws IOException {
    return start(List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"), main, args);
  }

  public static ChildJvm start(List<String> jvmOptions, Class<?> main, String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmOptions);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(main.getName());
    cmd.addAll(List.of(args));
    return new ChildJvm(new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start());
  }

  /**
   * Starts the child from {@code bash}, after {@code shellSetup} (for what only a shell sets for a
   * child: {@code ulimit -n 256}, {@code umask 002}).
   */
  public static ChildJvm startUnder(String shellSetup, Class<?> main, String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of("bash", "-c", shellSetup + " && exec \"$@\"", "bash",
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:TieredStopAtLevel=1",
        "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), main.getName()));
    cmd.addAll(List.of(args));
    return new ChildJvm(new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start());
  }

  /** @return the next line of output, or null at its end */
  public String readLine() throws IOException {
    return out.readLine();
  }

  public void send(String line) throws IOException {
    in.write(line + "\n");
    in.flush();
  }

  public long pid() {
    return process.pid();
  }

  public int waitFor(long seconds) throws InterruptedException {
    if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("child did not end within " + seconds + " s");
    }
    return process.exitValue();
  }

  @Override
  public void close() {
    process.destroyForcibly();
  }
}
