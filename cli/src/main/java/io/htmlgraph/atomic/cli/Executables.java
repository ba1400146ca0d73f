package io.htmlgraph.atomic.cli;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Finding a command as {@code execvp(3)} would, and starting one that dies with its starter. */
final class Executables {
  /** The problem of a command that is nowhere on the {@code PATH}. */
  static final String NOT_FOUND = "command not found";

  /** Where setpriv is taken from: the system's directories, whatever the {@code PATH} says. */
  private static final String[] SYSTEM_DIRS = {"/usr/bin", "/bin"};

  private Executables() {}

  /**
   * @return why {@code name} cannot be run ({@link #NOT_FOUND}, or "permission denied"), or null if
   *     it can: a name with a {@code /} is a path, any other is looked up on the {@code PATH} (an
   *     empty entry meaning the current directory), as the shell and {@code execvp(3)} do
   */
  static String problem(String name) {
    if (name.indexOf('/') >= 0) {
      Path p = Path.of(name);
      if (!Files.exists(p)) {
        return NOT_FOUND;
      }
      return Files.isRegularFile(p) && Files.isExecutable(p) ? null : "permission denied";
    }
    boolean seen = false;
    for (String dir : searchPath()) {
      Path p = Path.of(dir.isEmpty() ? "." : dir, name);
      if (Files.isRegularFile(p)) {
        if (Files.isExecutable(p)) {
          return null;
        }
        seen = true;
      }
    }
    return seen ? "permission denied" : NOT_FOUND;
  }

  /**
   * @return {@code command} prefixed with {@code setpriv --pdeathsig KILL --} when util-linux's
   *     setpriv (2.33 or newer) is installed, else {@code command} itself. Under setpriv the command
   *     gets SIGKILL from the kernel when the thread that started it ends, whatever ends it (SIGKILL
   *     of the JVM included); its own children are not covered ({@code prctl(2)}: the setting is
   *     cleared in the child of a {@code fork}).
   */
  static List<String> withParentDeathSignal(List<String> command) {
    Path setpriv = setpriv();
    if (setpriv == null) {
      return command;
    }
    List<String> cmd = new ArrayList<>(command.size() + 4);
    cmd.add(setpriv.toString());
    cmd.add("--pdeathsig");
    cmd.add("KILL");
    cmd.add("--");
    cmd.addAll(command);
    return cmd;
  }

  /**
   * @return setpriv from the system's own directories, or null. Not looked up on the {@code PATH}:
   *     root running {@code atomic lock DIR -- /usr/bin/make} must not run a {@code setpriv} that a
   *     writable directory early on its {@code PATH} offers.
   */
  static Path setpriv() {
    for (String dir : SYSTEM_DIRS) {
      Path p = Path.of(dir, "setpriv");
      if (Files.isRegularFile(p) && Files.isExecutable(p)) {
        return p;
      }
    }
    return null;
  }

  private static String[] searchPath() {
    String path = System.getenv("PATH");
    // execvp's default when PATH is unset
    return (path == null ? "/bin:/usr/bin" : path).split(File.pathSeparator, -1);
  }
}
