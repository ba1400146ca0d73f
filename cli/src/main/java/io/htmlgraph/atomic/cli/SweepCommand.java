package io.htmlgraph.atomic.cli;

import io.htmlgraph.atomic.AtomicFiles;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code atomic sweep DIR}: removes orphaned temp files. */
@Command(
    name = "sweep",
    mixinStandardHelpOptions = true,
    header = "Remove orphaned temp files left by crashed writers.",
    description = {
      "Removes orphaned temp files (.tmp-* regular files directly in DIR, older than the age) left by "
          + "writers that crashed. Never a live writer's: a writer in any process holds a lock on its temp, "
          + "and those are skipped. Prints each file removed and the count."
    })
final class SweepCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(paramLabel = "DIR", description = "The directory (not descended into).")
  Path dir;

  @Option(names = "--older-than", paramLabel = "DURATION", defaultValue = "24h", converter = Converters.DurationConverter.class,
      description = "Only temps last modified longer ago than this; 0s for all orphans. Default: ${DEFAULT-VALUE}.")
  Duration age;

  @Option(names = "--dry-run", description = "Print what would be removed; remove nothing.")
  boolean dryRun;

  @Override
  public Integer call() throws IOException {
    if (!Files.exists(dir)) {
      throw new CliException(dir + ": no such directory");
    }
    if (!Files.isDirectory(dir)) {
      throw new CliException(dir + ": not a directory");
    }
    PrintWriter out = spec.commandLine().getOut();
    int n;
    if (dryRun) {
      n = AtomicFiles.findOrphanedTempFiles(dir, age, p -> out.println("would remove " + p));
      out.println(n + (n == 1 ? " orphaned temp file" : " orphaned temp files") + " would be removed");
    } else {
      n = AtomicFiles.cleanupOrphanedTempFiles(dir, age, p -> out.println("removed " + p));
      out.println(n + (n == 1 ? " orphaned temp file" : " orphaned temp files") + " removed");
    }
    out.flush();
    return 0;
  }
}
