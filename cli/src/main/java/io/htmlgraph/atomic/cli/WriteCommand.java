package io.htmlgraph.atomic.cli;

import io.htmlgraph.atomic.AtomicFileOutputStream;
import io.htmlgraph.atomic.CommittedNotDurableException;
import io.htmlgraph.atomic.Durability;
import io.htmlgraph.atomic.WriteOptions;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code atomic write FILE}: standard input becomes FILE, atomically and durably. */
@Command(
    name = "write",
    mixinStandardHelpOptions = true,
    header = "Replace FILE with standard input, atomically and durably (a crash-safe sponge).",
    description = {
      "Reads standard input to its end, then replaces FILE with it atomically and durably.",
      "Input is streamed to a temp file beside FILE in constant memory; FILE changes only when all of it "
          + "arrived and was synced, so `sort f | atomic write f` works like sponge(1) and an error or crash "
          + "at any moment leaves FILE as it was. A replaced FILE keeps its mode and owner; a symbolic link "
          + "is written through."
    })
final class WriteCommand implements Callable<Integer> {
  @ParentCommand Main main;

  @Parameters(paramLabel = "FILE", description = "The file to create or replace.")
  Path file;

  @Option(names = "--durability", paramLabel = "LEVEL", defaultValue = "full",
      converter = Converters.DurabilityConverter.class, completionCandidates = Converters.DurabilityNames.class,
      description = "none (atomic only), file (data synced before the rename) or full (and the directory "
          + "synced after it: survives a power cut). Default: ${DEFAULT-VALUE}.")
  Durability durability;

  @Option(names = "--mode", paramLabel = "MODE", converter = Converters.FileModeConverter.class,
      description = "Give FILE exactly this octal mode, e.g. 0644 (default: keep the replaced file's, or the umask's).")
  Converters.FileMode mode;

  @Option(names = "--no-clobber", description = "Fail, changing nothing, if FILE exists (checked atomically at the commit).")
  boolean noClobber;

  @Option(names = "--json",
      description = "Input must be one JSON value; it is written in the library's JSON format (indent 2, "
          + "the bytes of the Python original's atomic_json_write). Invalid input changes nothing.")
  boolean json;

  @Option(names = "--temp-dir", paramLabel = "DIR",
      description = "Write the temp file in DIR first (default: FILE's directory). Still atomic on another file system.")
  Path tempDir;

  @Override
  public Integer call() throws IOException {
    WriteOptions options = options();
    if (json) {
      JsonSupport.write(main.stdin(), file, options);
      return 0;
    }
    try (AtomicFileOutputStream out = new AtomicFileOutputStream(file, options)) {
      main.stdin().transferTo(out);
      out.commit();
    } catch (CommittedNotDurableException | FileSystemException e) {
      throw e; // these name the file already
    } catch (IOException e) {
      // a failed read of standard input, or a full disk: the temp is gone and FILE untouched
      throw new CliException(file + ": not written: " + Errors.describe(e), e);
    }
    return 0;
  }

  WriteOptions options() {
    WriteOptions.Builder b = WriteOptions.builder().durability(durability).tempDir(tempDir).noClobber(noClobber);
    if (mode != null) {
      b.permissions(mode.permissions());
    }
    return b.build();
  }
}
