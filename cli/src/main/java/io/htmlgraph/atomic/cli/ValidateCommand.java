package io.htmlgraph.atomic.cli;

import io.htmlgraph.atomic.AtomicFiles;
import io.htmlgraph.atomic.UnsafeLinkException;
import io.htmlgraph.atomic.internal.SafeFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code atomic validate FILE}: is FILE a complete, readable text file? */
@Command(
    name = "validate",
    mixinStandardHelpOptions = true,
    header = "Exit 0 if FILE is complete, valid UTF-8 text (or JSON with --json), 1 if not.",
    description = {
      "Checks that FILE exists, is a regular file and is valid UTF-8 text, or with --json one JSON value "
          + "(streamed, any size).",
      "Exit 0 when valid, 1 when not, with a one-line reason."
    })
final class ValidateCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(paramLabel = "FILE", description = "The file to check.")
  Path file;

  @Option(names = "--json", description = "Check that FILE holds exactly one JSON value instead (strict JSON).")
  boolean json;

  @Override
  public Integer call() {
    String problem = problem();
    if (problem != null) {
      spec.commandLine().getErr().println(file + ": invalid: " + problem);
      spec.commandLine().getErr().flush();
      return Main.ERROR;
    }
    spec.commandLine().getOut().println(file + (json ? ": valid JSON" : ": valid UTF-8 text"));
    spec.commandLine().getOut().flush();
    return 0;
  }

  /** @return why FILE is not valid, or null when it is */
  private String problem() {
    try {
      // the link rule on the way: a link another user planted is not followed, and says so
      SafeFiles.resolve(file, true);
    } catch (UnsafeLinkException refused) {
      return refused.getReason();
    } catch (IOException unreadable) {
      return Errors.describe(unreadable);
    }
    if (!Files.exists(file)) {
      return Files.isSymbolicLink(file) ? "a symbolic link to nothing (dangling, or a loop)" : "no such file";
    }
    if (Files.isDirectory(file)) {
      return "is a directory";
    }
    if (!Files.isRegularFile(file)) {
      return "not a regular file";
    }
    if (!Files.isReadable(file)) {
      return "not readable";
    }
    if (json) {
      return JsonSupport.problem(file);
    }
    return AtomicFiles.validateAtomicWrite(file) ? null : "not valid UTF-8";
  }
}
