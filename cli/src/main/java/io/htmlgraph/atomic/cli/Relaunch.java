package io.htmlgraph.atomic.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts this program again in a child JVM, for the probes of {@code check} and the writers of
 * {@code demo}: same java, same class path, and the start-up flags the launcher passed down in
 * {@code ATOMIC_JVM_FLAGS} (class-data sharing), so that a child starts as fast as {@code atomic} does.
 */
final class Relaunch {
  private Relaunch() {}

  static ProcessBuilder of(String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    String flags = System.getenv("ATOMIC_JVM_FLAGS");
    if (flags != null && !flags.isBlank()) {
      cmd.addAll(List.of(flags.trim().split("\\s+")));
    }
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(Main.class.getName());
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd);
  }
}
