package io.htmlgraph.atomic.cli;

import io.htmlgraph.atomic.AtomicFileWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.CharacterCodingException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code atomic read FILE}: prints the file, retrying I/O failures. */
@Command(
    name = "read",
    mixinStandardHelpOptions = true,
    header = "Print FILE, retrying when reading fails.",
    description = {
      "Prints FILE (UTF-8 text), retrying when reading fails: after failed attempt k (from 0) it waits "
          + "DELAY * 2^k. A file that is not valid UTF-8 is an error at once (waiting will not change it)."
    })
final class ReadCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(paramLabel = "FILE", description = "The file to print.")
  Path file;

  @Option(names = "--retries", paramLabel = "N", defaultValue = "3", description = "Attempts in all, at least 1. Default: ${DEFAULT-VALUE}.")
  int retries;

  @Option(names = "--delay", paramLabel = "DURATION", defaultValue = "100ms", converter = Converters.DurationConverter.class,
      description = "Wait after the first failed attempt, doubled after each. Default: ${DEFAULT-VALUE}.")
  Duration delay;

  @Override
  public Integer call() throws IOException {
    if (retries < 1) {
      throw new ParameterException(spec.commandLine(), "--retries must be at least 1, was " + retries);
    }
    String text;
    try {
      text = AtomicFileWriter.safeReadWithRetry(file, retries, delay);
    } catch (CharacterCodingException e) {
      throw new CliException(file + ": not valid UTF-8 text", e);
    } catch (FileSystemException e) {
      throw e; // names the file already
    } catch (IOException e) {
      // some failures, such as reading a directory, come without the file's name
      throw new CliException(file + ": " + Errors.describe(e), e);
    }
    PrintWriter out = spec.commandLine().getOut();
    out.print(text);
    out.flush();
    return 0;
  }
}
