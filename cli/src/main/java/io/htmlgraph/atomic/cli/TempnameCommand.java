package io.htmlgraph.atomic.cli;

import io.htmlgraph.atomic.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code atomic tempname DIR}: prints a fresh temp path. */
@Command(
    name = "tempname",
    mixinStandardHelpOptions = true,
    header = "Print a fresh temp file name in DIR.",
    description = {
      "Prints a fresh temp path in DIR, .PREFIX-MICROSECONDS-RANDOM.tmp (creating DIR, not the file). "
          + "Create it with O_EXCL (e.g. `set -C` in the shell): the name is unique in practice, not guaranteed."
    })
final class TempnameCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(paramLabel = "DIR", description = "The directory.")
  Path dir;

  @Option(names = "--prefix", paramLabel = "P", defaultValue = "tmp",
      description = "The name's prefix; with the default, `atomic sweep` cleans the file up once orphaned. Default: ${DEFAULT-VALUE}.")
  String prefix;

  @Override
  public Integer call() throws IOException {
    if (Files.exists(dir) && !Files.isDirectory(dir)) {
      throw new CliException(dir + ": not a directory");
    }
    Path p;
    try {
      p = AtomicFiles.safeTempFile(dir, prefix);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "--prefix: " + e.getMessage());
    }
    spec.commandLine().getOut().println(p);
    spec.commandLine().getOut().flush();
    return 0;
  }
}
