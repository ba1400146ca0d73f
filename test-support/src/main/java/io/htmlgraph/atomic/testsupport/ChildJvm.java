package io.htmlgraph.atomic.testsupport;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A child JVM running a main class of the test's class path (this JVM's java), for what one JVM
 * cannot show: a second process taking a lock, a kill, a small heap, a trace, another user. Every
 * test that starts a JVM goes through here.
 *
 * <p>Two uses. {@link #start(Class, String...)} (or {@link #launch(Class, String...)} and
 * {@link Launch#start()}) keeps the child running, talking over its standard input and output line
 * by line; its standard error goes to the test's. {@link Launch#run(Duration)} runs it to its end and
 * returns what it printed.
 *
 * <p>The child's output lines are read as they come by a thread of their own, so that
 * {@link #nextLine(long)} can give up after a while, and a child blocked on a full pipe never stalls.
 */
public class ChildJvm implements AutoCloseable {
  /** Options that make a JVM start fast (tests start many): no optimising compiler, a serial heap. */
  public static final List<String> FAST_START = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");

  private static final String EOF = "\u0000EOF";

  /** The child: for what this class does not offer. */
  public final Process process;
  private final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
  private final Writer in;

  /** Wraps a started child; reads its output from now on. */
  protected ChildJvm(Process process) {
    this.process = process;
    this.in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    Thread reader = new Thread(() -> {
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

  /** Starts {@code main} with {@code args}, with {@link #FAST_START}. */
  public static ChildJvm start(Class<?> main, String... args) throws IOException {
    return launch(main, args).start();
  }

  /** Starts {@code main} with {@code args}, with {@code jvmOptions} (instead of {@link #FAST_START}). */
  public static ChildJvm start(List<String> jvmOptions, Class<?> main, String... args) throws IOException {
    return launch(main, args).jvmOptions(jvmOptions).start();
  }

  /**
   * Starts the child from {@code bash}, after {@code shellSetup} (for what only a shell sets for a
   * child: {@code ulimit -n 256}, {@code umask 002}).
   */
  public static ChildJvm startUnder(String shellSetup, Class<?> main, String... args) throws IOException {
    return launch(main, args).inShell(shellSetup + " && exec \"$@\"").start();
  }

  /** @return a child JVM running {@code main} with {@code args}, to be set up further, then started or run */
  public static Launch launch(Class<?> main, String... args) {
    return new Launch(main.getName(), List.of(args));
  }

  /**
   * @return the class directories of this JVM's class path, without its jars: what another user can
   *     read when the jars are in root's Maven repository
   */
  public static String classDirectories() {
    return List.of(System.getProperty("java.class.path").split(File.pathSeparator)).stream()
        .filter(e -> Files.isDirectory(Path.of(e))).collect(Collectors.joining(File.pathSeparator));
  }

  /** How a child JVM is started: its command line, built step by step. */
  public static final class Launch {
    private final String main;
    private final List<String> args;
    private List<String> jvmOptions = FAST_START;
    private String classPath = System.getProperty("java.class.path");
    private List<String> prefix = List.of();
    private String shellScript;
    private Path directory;
    private boolean mergeErrors;
    private byte[] input = new byte[0];

    private Launch(String main, List<String> args) {
      this.main = main;
      this.args = args;
    }

    /** The JVM's options, instead of {@link #FAST_START}. */
    public Launch jvmOptions(List<String> options) {
      this.jvmOptions = List.copyOf(options);
      return this;
    }

    /** As {@link #jvmOptions(List)}. */
    public Launch jvmOptions(String... options) {
      return jvmOptions(List.of(options));
    }

    /** The class path, instead of this JVM's (see {@link #classDirectories()}). */
    public Launch classPath(String classPath) {
      this.classPath = Objects.requireNonNull(classPath);
      return this;
    }

    /**
     * A command that runs the JVM, placed before it: {@code strace -f ...}, {@code nsenter ...},
     * {@code runuser -u nobody --}, {@code env --default-signal=INT}.
     */
    public Launch under(List<String> command) {
      this.prefix = List.copyOf(command);
      return this;
    }

    /** As {@link #under(List)}. */
    public Launch under(String... command) {
      return under(List.of(command));
    }

    /**
     * Runs the JVM through {@code bash -c script}, where {@code "$@"} stands for the JVM's command line:
     * {@code ulimit -f 400 && exec "$@"}, or {@code exec "$@" <&-} (a shell can close a descriptor,
     * {@link ProcessBuilder} cannot). Inside any {@link #under} command.
     */
    public Launch inShell(String script) {
      this.shellScript = Objects.requireNonNull(script);
      return this;
    }

    /** The working directory, instead of this JVM's. */
    public Launch directory(Path dir) {
      this.directory = dir;
      return this;
    }

    /** For {@link #run}: the standard error goes into the output. */
    public Launch mergeErrors() {
      this.mergeErrors = true;
      return this;
    }

    /** For {@link #run}: what the child reads on its standard input (empty otherwise). */
    public Launch input(byte[] bytes) {
      this.input = bytes.clone();
      return this;
    }

    /** @return the command line */
    public List<String> command() {
      List<String> cmd = new ArrayList<>(prefix);
      if (shellScript != null) {
        cmd.addAll(List.of("bash", "-c", shellScript, "bash"));
      }
      cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      cmd.addAll(jvmOptions);
      cmd.add("-cp");
      cmd.add(classPath);
      cmd.add(main);
      cmd.addAll(args);
      return cmd;
    }

    /** @return a process builder of {@link #command()} in the working directory */
    public ProcessBuilder processBuilder() {
      ProcessBuilder pb = new ProcessBuilder(command());
      if (directory != null) {
        pb.directory(directory.toFile());
      }
      return pb;
    }

    /** Starts the child; its standard error goes to this JVM's. */
    public ChildJvm start() throws IOException {
      return new ChildJvm(startProcess());
    }

    /** Starts the child process, for a subclass to wrap; its standard error goes to this JVM's. */
    public Process startProcess() throws IOException {
      return processBuilder().redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    /**
     * Runs the child to its end with the {@link #input} given.
     *
     * @throws IOException if it did not end within {@code timeout} (it is killed), or did not start
     */
    public Commands.Result run(Duration timeout) throws IOException, InterruptedException {
      return Commands.run(processBuilder().redirectErrorStream(mergeErrors), input, timeout);
    }
  }

  /**
   * Lets children that each say {@code ready}, wait for a line, work, say {@code done} and exit, work at
   * the same time: waits for every {@code ready}, sends every child {@code go}, then waits for every
   * {@code done} and exit.
   *
   * @return the nanoseconds from the first {@code go} to the last exit
   * @throws AssertionError if a child says anything else, or does not exit with status 0 within
   *     {@code seconds}
   */
  public static long readyGoDone(List<ChildJvm> children, long seconds) throws IOException, InterruptedException {
    for (ChildJvm c : children) {
      expect(c, "ready");
    }
    long start = System.nanoTime();
    for (ChildJvm c : children) {
      c.send("go");
    }
    for (ChildJvm c : children) {
      expect(c, "done");
      int status = c.waitFor(seconds);
      if (status != 0) {
        throw new AssertionError("child " + c.pid() + " exited with status " + status);
      }
    }
    return System.nanoTime() - start;
  }

  private static void expect(ChildJvm child, String line) throws IOException {
    String said = child.readLine();
    if (!line.equals(said)) {
      throw new AssertionError("child " + child.pid() + " said " + said + ", not " + line);
    }
  }

  /**
   * @return the next line of output, or null at its end; waits as long as it takes (bound the test
   *     with a timeout, or use {@link #nextLine(long)})
   */
  public String readLine() throws IOException {
    try {
      return endOrLine(lines.take());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted waiting for child " + process.pid(), e);
    }
  }

  /**
   * @return the next line of output, or null at its end
   * @throws IOException if none came within {@code timeoutMillis}
   */
  public String nextLine(long timeoutMillis) throws IOException, InterruptedException {
    String line = lines.poll(timeoutMillis, TimeUnit.MILLISECONDS);
    if (line == null) {
      throw new IOException("child " + process.pid() + " said nothing for " + timeoutMillis + " ms");
    }
    return endOrLine(line);
  }

  /** @return the next line of output if one came already, else null (also at end of output) */
  public String pollLine() {
    return endOrLine(lines.poll());
  }

  private String endOrLine(String line) {
    if (EOF.equals(line)) {
      lines.add(EOF); // later calls see the end too
      return null;
    }
    return line;
  }

  /**
   * Waits until the child's output ends (after it died) and returns every line not read yet.
   *
   * @throws IOException if it said nothing for 30 s
   */
  public List<String> drain() throws IOException, InterruptedException {
    List<String> rest = new ArrayList<>();
    for (String line; (line = nextLine(30_000)) != null; ) {
      rest.add(line);
    }
    return rest;
  }

  /** Sends one line to the child's standard input. */
  public void send(String line) throws IOException {
    in.write(line + "\n");
    in.flush();
  }

  /** @return the child's process id */
  public long pid() {
    return process.pid();
  }

  /** @return whether the child runs */
  public boolean isAlive() {
    return process.isAlive();
  }

  /**
   * @return the child's exit status
   * @throws AssertionError if it did not end within {@code seconds}; it is killed
   */
  public int waitFor(long seconds) throws InterruptedException {
    if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("child did not end within " + seconds + " s");
    }
    return process.exitValue();
  }

  /**
   * Closes the child's standard input (a child that reads it to its end stops) and waits for its exit.
   *
   * @return the exit status
   * @throws IOException if it did not exit within {@code timeoutMillis}
   */
  public int endInputAndWait(long timeoutMillis) throws IOException, InterruptedException {
    in.close();
    if (!process.waitFor(timeoutMillis, TimeUnit.MILLISECONDS)) {
      throw new IOException("child " + process.pid() + " still runs " + timeoutMillis + " ms after its input ended");
    }
    return process.exitValue();
  }

  /** Kills the child with SIGKILL and waits until it is dead. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor();
  }

  /** Kills the child if it still runs, and waits until it is dead. */
  @Override
  public void close() {
    process.destroyForcibly();
    try {
      process.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
