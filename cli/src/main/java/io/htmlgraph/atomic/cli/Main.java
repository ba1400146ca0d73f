package io.htmlgraph.atomic.cli;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * The {@code atomic} command. Exit codes: 0 success, 1 an error (one line on standard error naming
 * the file and the cause; the stack trace only with {@code --verbose}), 2 bad usage (picocli's usage
 * message), and the codes each subcommand documents ({@code lock}: the command's own, 75 on timeout).
 */
@Command(
    name = "atomic",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    usageHelpAutoWidth = true,
    description = {
      "Crash-safe file operations for the shell: atomic and durable writes, renames, "
          + "orphaned temp-file cleanup, a file-system self-check and a crash-safety demo.",
      "Durations are written like 100ms, 5s, 2m, 24h or 1d."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:success",
      "1:an error (one line on standard error names the file and the cause)",
      "2:bad usage",
      "75:lock: the lock was not obtained in time"
    })
public final class Main implements Runnable {
  /** The exit code of an error. */
  static final int ERROR = 1;
  /** The exit code of bad usage (picocli's own). */
  static final int USAGE = 2;

  @Spec CommandSpec spec;

  @Option(names = "--verbose", scope = ScopeType.INHERIT, description = "On error, print the stack trace too.")
  boolean verbose;

  private InputStream stdin = System.in;

  /** Runs the command with the process's standard streams and exits with its code. */
  public static void main(String[] args) {
    // Standard output in UTF-8 whatever the locale: `atomic read` must print the file's text as is.
    PrintWriter out = new PrintWriter(new OutputStreamWriter(new FileOutputStream(FileDescriptor.out), StandardCharsets.UTF_8), true);
    PrintWriter err = new PrintWriter(new OutputStreamWriter(new FileOutputStream(FileDescriptor.err), StandardCharsets.UTF_8), true);
    int code = commandLine(System.in, out, err, args).execute(args);
    out.flush();
    err.flush();
    System.exit(code);
  }

  /**
   * The command line, ready to {@link CommandLine#execute(String...) execute}, reading {@code stdin}
   * and printing to {@code out} and {@code err}.
   */
  public static CommandLine commandLine(InputStream stdin, PrintWriter out, PrintWriter err) {
    return commandLine(stdin, out, err, null);
  }

  /**
   * As {@link #commandLine(InputStream, PrintWriter, PrintWriter)}, but when {@code args} name a
   * subcommand, only that one is built: picocli builds each command by reflection on its annotations,
   * and its classes (compiled for Java 5) cannot go into the class-data sharing archive, so building
   * ten commands to run one would cost a noticeable part of the start-up.
   */
  static CommandLine commandLine(InputStream stdin, PrintWriter out, PrintWriter err, String[] args) {
    Main main = new Main();
    main.stdin = stdin;
    CommandLine cl = new CommandLine(main);
    String wanted = args == null ? null : subcommandName(args);
    for (Map.Entry<String, Supplier<Object>> c : COMMANDS.entrySet()) {
      if (wanted == null || wanted.equals(c.getKey())) {
        cl.addSubcommand(c.getKey(), c.getValue().get());
      }
    }
    cl.setOut(out);
    cl.setErr(err);
    cl.setExecutionExceptionHandler((ex, cmd, parseResult) -> {
      cmd.getErr().println("atomic: " + Errors.describe(ex));
      if (main.verbose) {
        ex.printStackTrace(cmd.getErr());
      }
      cmd.getErr().flush();
      return ERROR;
    });
    return cl;
  }

  /** The subcommands, in the order of the usage message. */
  static final Map<String, Supplier<Object>> COMMANDS = new LinkedHashMap<>();

  static {
    COMMANDS.put("write", WriteCommand::new);
    COMMANDS.put("read", ReadCommand::new);
    COMMANDS.put("validate", ValidateCommand::new);
    COMMANDS.put("rename", RenameCommand::new);
    COMMANDS.put("lock", LockCommand::new);
    COMMANDS.put("sweep", SweepCommand::new);
    COMMANDS.put("tempname", TempnameCommand::new);
    COMMANDS.put("check", CheckCommand::new);
    COMMANDS.put("demo", DemoCommand::new);
    COMMANDS.put("demo-writer", DemoWriter::new);
    COMMANDS.put("probe-lock", LockProbe::new);
    COMMANDS.put("cds-training", CdsTraining::new);
  }

  /** @return the subcommand {@code args} name (the first argument that is not an option), or null */
  private static String subcommandName(String[] args) {
    for (String a : args) {
      if (!a.startsWith("-")) {
        return COMMANDS.containsKey(a) ? a : null;
      }
      if (a.equals("--")) {
        return null;
      }
    }
    return null;
  }

  /** @return the standard input the commands read */
  InputStream stdin() {
    return stdin;
  }

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "Missing a command");
  }

  /** The project version, from the resource Maven filled in at build time. */
  static final class Version implements IVersionProvider {
    @Override
    public String[] getVersion() throws IOException {
      Properties p = new Properties();
      try (InputStream in = Main.class.getResourceAsStream("version.properties")) {
        if (in != null) {
          p.load(in);
        }
      }
      return new String[] {
        "atomic " + p.getProperty("version", "unknown") + " (htmlgraph-atomic; Java " + Runtime.version() + ")"
      };
    }
  }
}
