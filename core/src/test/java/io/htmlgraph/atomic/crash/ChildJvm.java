package io.htmlgraph.atomic.crash;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The shared {@link io.htmlgraph.atomic.testsupport.ChildJvm} running {@link CrashChild}: its mode
 * and arguments, a JVM tuned to start fast (each kill costs one start), and the report its
 * {@code loop} and {@code update} modes write. Only what is the crash tests' own is here.
 */
final class ChildJvm extends io.htmlgraph.atomic.testsupport.ChildJvm {
  /** {@code FAST_START}, a small heap set at once, class data sharing where it is there. */
  private static final List<String> OPTIONS = Stream.concat(FAST_START.stream(),
      Stream.of("-Xms32m", "-Xmx160m", "-Xshare:auto")).toList();

  private ChildJvm(Process process) {
    super(process);
  }

  /** @return the command that starts a JVM running {@link CrashChild} with {@code args} */
  static List<String> command(String... args) {
    return launch(CrashChild.class, args).jvmOptions(OPTIONS).command();
  }

  /** Starts {@code prefix} (e.g. {@code nsenter ...}, or nothing) followed by the child's command. */
  static ChildJvm start(List<String> prefix, String... args) throws IOException {
    return new ChildJvm(launch(CrashChild.class, args).jvmOptions(OPTIONS).under(prefix).startProcess());
  }

  static ChildJvm start(String... args) throws IOException {
    return start(List.of(), args);
  }

  /**
   * Reads the report file of a {@code loop} or {@code update} child: one {@code {generation, nanoTime}}
   * per call that returned, in order. Call it once the child is dead.
   */
  static List<long[]> reported(Path report) throws IOException {
    List<long[]> out = new ArrayList<>();
    if (!Files.exists(report)) {
      return out;
    }
    for (String line : Files.readAllLines(report, StandardCharsets.US_ASCII)) {
      String[] f = line.split(" ");
      if (f.length != 3 || !f[0].equals("G")) {
        throw new IOException("bad report line in " + report + ": " + line);
      }
      out.add(new long[] {Long.parseLong(f[1]), Long.parseLong(f[2])});
    }
    return out;
  }
}
