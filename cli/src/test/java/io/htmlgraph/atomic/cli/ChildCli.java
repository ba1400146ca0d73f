package io.htmlgraph.atomic.cli;

import io.htmlgraph.atomic.testsupport.ChildJvm;
import io.htmlgraph.atomic.testsupport.Commands;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Runs the {@code atomic} command in a child JVM ({@link ChildJvm}: this test's java and class path),
 * for what an in-JVM run cannot show: closed standard descriptors, signals, the death of the process.
 * Through {@code bash -c 'exec ... REDIRECTIONS'} when descriptors must be closed, as a shell closes
 * them ({@link ProcessBuilder} cannot close one).
 */
final class ChildCli {
  record Result(int code, String out, String err) {}

  private ChildCli() {}

  /** @return a child JVM running {@code atomic ARGS}, with {@code jvmFlags} only, to be started or run */
  static ChildJvm.Launch launch(List<String> jvmFlags, String... args) {
    return ChildJvm.launch(Main.class, args).jvmOptions(jvmFlags);
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
    Commands.Result r = launch(jvmFlags, args).inShell("exec \"$@\" " + redirections).directory(cwd)
        .run(Duration.ofMinutes(2));
    return new Result(r.exit(), r.out(), r.err());
  }
}
