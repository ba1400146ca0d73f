package io.htmlgraph.atomic.bench;

import io.htmlgraph.atomic.testsupport.ChildJvm;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The benchmarks' child JVMs: {@link Child}'s workloads, started through test-support's
 * {@link ChildJvm} with exactly the JVM options given (none of the tests' fast-start options: a
 * benchmark measures the JVM as users run it). Several may run at once; each is then waited for.
 */
final class Children {
  private Children() {}

  /** Starts {@code Child args...}; its standard error goes into its output. */
  static Process start(List<String> jvmOptions, String... args) throws IOException {
    return ChildJvm.launch(Child.class, args).jvmOptions(jvmOptions).processBuilder().redirectErrorStream(true)
        .start();
  }

  /**
   * Reads the child's output to its end and waits for its exit.
   *
   * @return what it printed
   * @throws IOException if it did not exit within {@code seconds} (it is killed) or exited with
   *     another status than 0, with what it printed
   */
  static String finish(Process p, int seconds) throws IOException, InterruptedException {
    byte[] output = p.getInputStream().readAllBytes();
    if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException("child did not finish in " + seconds + " s");
    }
    String text = new String(output, StandardCharsets.UTF_8);
    if (p.exitValue() != 0) {
      throw new IOException("child failed (" + p.exitValue() + "):\n" + text);
    }
    return text;
  }
}
