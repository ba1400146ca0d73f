package io.htmlgraph.atomic.cli;

import io.htmlgraph.atomic.CommittedNotDurableException;
import io.htmlgraph.atomic.Durability;
import io.htmlgraph.atomic.WriteOptions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.IGetter;
import picocli.CommandLine.Model.ISetter;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * {@code atomic write FILE}: standard input becomes FILE, atomically and durably.
 *
 * <p>Built with picocli's programmatic API ({@link #spec}), not annotations: this is the command a
 * shell pipeline runs again and again, and annotation reflection was half of its start-up time.
 */
final class WriteCommand implements Callable<Integer> {
  /** Bytes read from standard input at a time. */
  private static final int BUFFER = 16 * 1024;

  final Main main;

  Path file;
  Durability durability;
  Converters.FileMode mode;
  boolean noClobber;
  boolean json;
  Path tempDir;

  WriteCommand(Main main) {
    this.main = main;
  }

  /** @return the model of {@code cmd}: its name, help, options and FILE, each bound to a field of {@code cmd} */
  static CommandSpec spec(WriteCommand cmd) {
    CommandSpec spec = CommandSpec.wrapWithoutInspection(cmd);
    spec.name("write");
    spec.usageMessage()
        .header("Replace FILE with standard input, atomically and durably (a crash-safe sponge).")
        .description(
            "Reads standard input to its end, then replaces FILE with it atomically and durably.",
            "Input is streamed to a temp file beside FILE in constant memory; FILE changes only when all of it "
                + "arrived and was synced, so `sort f | atomic write f` works like sponge(1) and an error or crash "
                + "at any moment leaves FILE as it was. A replaced FILE keeps its mode and owner; a symbolic link "
                + "is written through.");
    Main.addStandardHelpOptions(spec);
    spec.addPositional(PositionalParamSpec.builder()
        .index("0")
        .arity("1")
        .required(true)
        .paramLabel("FILE")
        .type(Path.class)
        .description("The file to create or replace.")
        .getter(new Field(cmd, Field.FILE)).setter(new Field(cmd, Field.FILE))
        .build());
    spec.addOption(OptionSpec.builder("--durability")
        .paramLabel("LEVEL")
        .type(Durability.class)
        .defaultValue("full")
        .converters(new Converters.DurabilityConverter())
        .completionCandidates(new Converters.DurabilityNames())
        .description("none (atomic only), file (data synced before the rename) or full (and the directory "
            + "synced after it: survives a power cut). Default: ${DEFAULT-VALUE}.")
        .getter(new Field(cmd, Field.DURABILITY)).setter(new Field(cmd, Field.DURABILITY))
        .build());
    spec.addOption(OptionSpec.builder("--mode")
        .paramLabel("MODE")
        .type(Converters.FileMode.class)
        .converters(new Converters.FileModeConverter())
        .description("Give FILE exactly this octal mode, e.g. 0644 (default: keep the replaced file's, or the umask's).")
        .getter(new Field(cmd, Field.MODE)).setter(new Field(cmd, Field.MODE))
        .build());
    spec.addOption(OptionSpec.builder("--no-clobber")
        .type(boolean.class)
        .initialValue(false)
        .description("Fail, changing nothing, if FILE exists (checked atomically at the commit).")
        .getter(new Field(cmd, Field.NO_CLOBBER)).setter(new Field(cmd, Field.NO_CLOBBER))
        .build());
    spec.addOption(OptionSpec.builder("--json")
        .type(boolean.class)
        .initialValue(false)
        .description("Input must be one JSON value; it is written in the library's JSON format (indent 2, "
            + "the bytes of the Python original's atomic_json_write). Invalid input changes nothing.")
        .getter(new Field(cmd, Field.JSON)).setter(new Field(cmd, Field.JSON))
        .build());
    spec.addOption(OptionSpec.builder("--temp-dir")
        .paramLabel("DIR")
        .type(Path.class)
        .description("Write the temp file in DIR first (default: FILE's directory). Still atomic on another file system.")
        .getter(new Field(cmd, Field.TEMP_DIR)).setter(new Field(cmd, Field.TEMP_DIR))
        .build());
    return spec;
  }

  @Override
  public Integer call() throws IOException {
    if (main.processStreams() && StandardStreams.isClosed(0)) {
      // the JVM has put a file of its own at descriptor 0 (its module image): never read it as input
      throw new CliException(file + ": not written: standard input is closed (for an empty file, give </dev/null)");
    }
    if (tempDir != null && Files.exists(tempDir) && !Files.isDirectory(tempDir)) {
      throw new CliException(file + ": not written: --temp-dir " + tempDir + " is not a directory");
    }
    WriteOptions options = options();
    ShutdownGuard guard = ShutdownGuard.install(file, main.err());
    try {
      if (json) {
        JsonSupport.write(main.stdin(), file, options, guard);
      } else {
        copy(guard, options);
      }
    } catch (FileSystemException e) {
      CliException told = Errors.aboutTemp(e, file, "written");
      if (told != null) {
        throw told;
      }
      throw e;
    } finally {
      guard.uninstall();
    }
    return 0;
  }

  /** Streams standard input into the temp and commits, each step under {@code guard}. */
  private void copy(ShutdownGuard guard, WriteOptions options) throws IOException {
    guard.open(options);
    try {
      InputStream in = main.stdin();
      byte[] buf = new byte[BUFFER];
      for (int n; (n = in.read(buf)) >= 0; ) {
        // reading may block for as long as the other end keeps the pipe open: outside the guard
        guard.write(buf, n);
      }
      guard.commit();
    } catch (CommittedNotDurableException | FileSystemException e) {
      throw e; // these name the file already
    } catch (IOException e) {
      // a failed read of standard input, or a full disk: the temp is gone and FILE untouched
      throw new CliException(file + ": not written: " + Errors.describe(e), e);
    } finally {
      guard.discard(); // without a commit, removes the temp
    }
  }

  WriteOptions options() {
    WriteOptions.Builder b = WriteOptions.builder().durability(durability).tempDir(tempDir).noClobber(noClobber);
    if (mode != null) {
      b.permissions(mode.permissions());
    }
    return b.build();
  }

  /**
   * Binds an option to one field of the command: what the annotations' reflection did, in a plain
   * class (a lambda per option would spin a class each at start-up).
   */
  private static final class Field implements IGetter, ISetter {
    static final int FILE = 0;
    static final int DURABILITY = 1;
    static final int MODE = 2;
    static final int NO_CLOBBER = 3;
    static final int JSON = 4;
    static final int TEMP_DIR = 5;

    private final WriteCommand cmd;
    private final int field;

    Field(WriteCommand cmd, int field) {
      this.cmd = cmd;
      this.field = field;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T get() {
      Object v = switch (field) {
        case FILE -> cmd.file;
        case DURABILITY -> cmd.durability;
        case MODE -> cmd.mode;
        case NO_CLOBBER -> cmd.noClobber;
        case JSON -> cmd.json;
        default -> cmd.tempDir;
      };
      return (T) v;
    }

    @Override
    public <T> T set(T value) {
      T old = get();
      switch (field) {
        case FILE -> cmd.file = (Path) value;
        case DURABILITY -> cmd.durability = (Durability) value;
        case MODE -> cmd.mode = (Converters.FileMode) value;
        case NO_CLOBBER -> cmd.noClobber = (Boolean) value;
        case JSON -> cmd.json = (Boolean) value;
        default -> cmd.tempDir = (Path) value;
      }
      return old;
    }
  }
}
