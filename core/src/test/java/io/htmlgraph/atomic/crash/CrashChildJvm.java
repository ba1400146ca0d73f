package io.htmlgraph.atomic.crash;

import io.htmlgraph.atomic.testsupport.ChildJvm;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The shared {@link ChildJvm} running {@link CrashChild}: its mode
 * and arguments, a JVM tuned to start fast (each kill costs one start), and the report its
 * {@code loop} and {@code update} modes write. Only what is the crash tests' own is here.
 */
final class CrashChildJvm extends ChildJvm {
  /** {@code FAST_START}, a small heap set at once, class data sharing where it is there. */
  private static final List<String> OPTIONS = Stream.concat(FAST_START.stream(),
      Stream.of("-Xms32m", "-Xmx160m", "-Xshare:auto")).toList();

  private CrashChildJvm(Process process) {
    super(process);
  }

  /** @return the command that starts a JVM running {@link CrashChild} with {@code args} */
  static List<String> command(String... args) {
    return launch(CrashChild.class, args).jvmOptions(OPTIONS).command();
  }

  /** Starts {@code prefix} (e.g. {@code nsenter ...}, or nothing) followed by the child's command. */
  static CrashChildJvm start(List<String> prefix, String... args) throws IOException {
    return new CrashChildJvm(launch(CrashChild.class, args).jvmOptions(OPTIONS).under(prefix).startProcess());
  }

  static CrashChildJvm start(String... args) throws IOException {
    return start(List.of(), args);
  }

  /**
   * A call of the child that returned: the generation it wrote, and when it returned
   * ({@code System.nanoTime()}, one clock for every process of the machine).
   */
  record Returned(long generation, long nanoTime) {}

  /**
   * Reads the report file of a {@code loop}, {@code update} or {@code txn} child (written by
   * {@link CrashChild#reportReturned}): the calls that returned, in order. Whole lines only: the file
   * of a live child may end in a line being written.
   */
  static List<Returned> reported(Path report) throws IOException {
    List<Returned> out = new ArrayList<>();
    if (!Files.exists(report)) {
      return out;
    }
    String text = new String(Files.readAllBytes(report), StandardCharsets.US_ASCII);
    int end = text.lastIndexOf('\n');
    if (end < 0) {
      return out;
    }
    for (String line : text.substring(0, end).split("\n")) {
      String[] f = line.split(" ");
      if (f.length != 3 || !f[0].equals("G")) {
        throw new IOException("bad report line in " + report + ": " + line);
      }
      out.add(new Returned(Long.parseLong(f[1]), Long.parseLong(f[2])));
    }
    return out;
  }
}
