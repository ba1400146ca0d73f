package io.htmlgraph.atomic.cli;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.IGetter;
import picocli.CommandLine.Model.ISetter;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;

/**
 * The {@code atomic} command. Exit codes: 0 success, 1 an error (one line on standard error naming
 * the file and the cause; the stack trace only with {@code --verbose}), 2 bad usage (picocli's usage
 * message), and the codes each subcommand documents ({@code lock}: the command's own, 75 on timeout).
 *
 * <p>The top-level command and {@code write} are built with picocli's programmatic API, not its
 * annotations: reading annotations costs reflection and a dynamic proxy class per annotation type,
 * made at run time and never in the class-data sharing archive, which doubled the start-up of a small
 * {@code atomic write}. For the same reason the start-up path has no lambdas (each would spin a class).
 */
public final class Main implements Runnable {
  /** The exit code of an error. */
  static final int ERROR = 1;
  /** The exit code of bad usage (picocli's own). */
  static final int USAGE = 2;
  /** The message for a closed standard output (see {@link StandardStreams}). */
  static final String STDOUT_CLOSED = "standard output is closed; nothing done (to discard the output, redirect it to /dev/null)";

  /** The subcommands, in the order of the usage message. */
  static final List<String> COMMANDS = List.of(
      "write", "read", "validate", "rename", "txn", "recover", "lock", "sweep", "tempname", "check", "demo",
      "demo-writer", "probe-lock", "cds-training");

  private CommandSpec spec;

  boolean verbose;

  private InputStream stdin = System.in;

  private PrintWriter err = new PrintWriter(System.err, true);

  /** Runs the command with the process's standard streams and exits with its code. */
  public static void main(String[] args) {
    // Standard output in UTF-8 whatever the locale: `atomic read` must print the file's text as is.
    PrintWriter out = new PrintWriter(new OutputStreamWriter(new FileOutputStream(FileDescriptor.out), StandardCharsets.UTF_8), true);
    PrintWriter err = new PrintWriter(new OutputStreamWriter(new FileOutputStream(FileDescriptor.err), StandardCharsets.UTF_8), true);
    int code;
    try {
      code = run(args, out, err);
    } catch (OutOfMemoryError | StackOverflowError e) {
      // out of the commands' reach (picocli hands only Exceptions to OnError): still one line, no trace
      err.println("atomic: " + Errors.describe(e));
      code = ERROR;
    }
    out.flush();
    err.flush();
    System.exit(code);
  }

  private static int run(String[] args, PrintWriter out, PrintWriter err) {
    String name = subcommandName(args);
    // write and txn print nothing, and lock's output is its command's (see LockCommand); every other
    // command prints, and with descriptor 1 closed its output would go to a file the JVM opened there
    if (!"write".equals(name) && !"txn".equals(name) && !"lock".equals(name) && StandardStreams.isClosed(1)) {
      err.println("atomic: " + STDOUT_CLOSED);
      return ERROR;
    }
    int code = FastWrite.run(args, System.in, err);
    if (code == FastWrite.NOT_HANDLED) {
      code = commandLine(System.in, out, err, args).execute(args);
    }
    return code;
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
   * subcommand, only that one is built: most subcommands are still built by reflection on their
   * annotations, so building ten commands to run one would cost a noticeable part of the start-up.
   */
  static CommandLine commandLine(InputStream stdin, PrintWriter out, PrintWriter err, String[] args) {
    Main main = forStdin(stdin, err);
    CommandLine cl = new CommandLine(main.spec());
    String wanted = args == null ? null : subcommandName(args);
    // `atomic --version` alone prints no usage, so it needs no subcommand (each costs start-up)
    boolean versionOnly = args != null && args.length == 1 && (args[0].equals("--version") || args[0].equals("-V"));
    for (String name : COMMANDS) {
      if (!versionOnly && (wanted == null || wanted.equals(name))) {
        cl.addSubcommand(name, subcommand(name, main));
      }
    }
    // every subcommand's paths: an empty one is bad usage, not "the current directory"
    cl.registerConverter(Path.class, new Converters.PathConverter());
    cl.setOut(out);
    cl.setErr(err);
    cl.setExecutionExceptionHandler(new OnError(main));
    return cl;
  }

  /**
   * @return the subcommand {@code name} of {@code main}: a {@link CommandSpec} built in code, or the
   *     annotated command object for picocli to inspect
   */
  static Object subcommand(String name, Main main) {
    switch (name) {
      case "write": return WriteCommand.spec(new WriteCommand(main));
      case "read": return new ReadCommand();
      case "validate": return new ValidateCommand();
      case "rename": return new RenameCommand();
      case "txn": return new TxnCommand(main);
      case "recover": return new RecoverCommand();
      case "lock": return new LockCommand(main);
      case "sweep": return new SweepCommand();
      case "tempname": return new TempnameCommand();
      case "check": return new CheckCommand();
      case "demo": return new DemoCommand();
      case "demo-writer": return new DemoWriter();
      case "probe-lock": return new LockProbe();
      case "cds-training": return new CdsTraining();
      default: throw new IllegalArgumentException("no command " + name);
    }
  }

  /** The top-level command's model: the options and help of the former {@code @Command} annotation. */
  private CommandSpec spec() {
    spec = CommandSpec.wrapWithoutInspection(this);
    spec.name("atomic");
    spec.versionProvider(new Version());
    spec.usageMessage()
        .autoWidth(true)
        .description(
            "Crash-safe file operations for the shell: atomic and durable writes, renames, "
                + "transactions over several files, orphaned temp-file cleanup, a file-system self-check and a "
                + "crash-safety demo.",
            "Durations are written like 100ms, 5s, 2m, 24h or 1d.")
        .exitCodeListHeading("%nExit codes:%n");
    Map<String, String> codes = new LinkedHashMap<>();
    codes.put("0", "success");
    codes.put("1", "an error (one line on standard error names the file and the cause)");
    codes.put("2", "bad usage");
    codes.put("75", "lock, txn, recover: the lock was not obtained in time");
    spec.usageMessage().exitCodeList(codes);
    addStandardHelpOptions(spec);
    // inherited: every subcommand takes it, and setting it there sets this.verbose
    spec.addOption(OptionSpec.builder("--verbose")
        .scopeType(ScopeType.INHERIT)
        .type(boolean.class)
        .initialValue(false)
        .description("On error, print the stack trace too.")
        .getter(new VerboseSetter(this))
        .setter(new VerboseSetter(this))
        .build());
    return spec;
  }

  /**
   * Adds {@code -h, --help} and {@code -V, --version} as picocli's {@code mixinStandardHelpOptions}
   * does, with its texts, without the annotated mixin it would inspect.
   */
  static void addStandardHelpOptions(CommandSpec spec) {
    spec.addOption(OptionSpec.builder("-h", "--help").usageHelp(true)
        .description("Show this help message and exit.").build());
    spec.addOption(OptionSpec.builder("-V", "--version").versionHelp(true)
        .description("Print version information and exit.").build());
  }

  /** @return the subcommand {@code args} name (the first argument that is not an option), or null */
  private static String subcommandName(String[] args) {
    for (String a : args) {
      if (!a.startsWith("-")) {
        return COMMANDS.contains(a) ? a : null;
      }
      if (a.equals("--")) {
        return null;
      }
    }
    return null;
  }

  /** @return a top-level command whose subcommands read {@code stdin} and report on {@code err} */
  static Main forStdin(InputStream stdin, PrintWriter err) {
    Main main = new Main();
    main.stdin = stdin;
    main.err = err;
    return main;
  }

  /**
   * Reports an exception out of a command: one line on {@code err} naming the file and the cause,
   * then the stack trace with {@code --verbose}.
   *
   * @return the exit code of an error
   */
  static int onError(Main main, Exception ex, PrintWriter err) {
    err.println("atomic: " + Errors.describe(ex));
    if (main.verbose) {
      ex.printStackTrace(err);
    }
    err.flush();
    return ERROR;
  }

  /** @return the standard input the commands read */
  InputStream stdin() {
    return stdin;
  }

  /** @return where the commands report errors */
  PrintWriter err() {
    return err;
  }

  /**
   * @return whether the commands run with this process's own standard streams (the {@code atomic}
   *     command), rather than streams a caller gave (tests, the class-data sharing training)
   */
  boolean processStreams() {
    return stdin == System.in;
  }

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "Missing a command");
  }

  /** Sets {@link #verbose}, wherever on the command line {@code --verbose} came. */
  private static final class VerboseSetter implements IGetter, ISetter {
    private final Main main;

    VerboseSetter(Main main) {
      this.main = main;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T get() {
      return (T) Boolean.valueOf(main.verbose);
    }

    @Override
    public <T> T set(T value) {
      T old = get();
      main.verbose = Boolean.TRUE.equals(value);
      return old;
    }
  }

  /** An exception out of a command: one line naming the file and the cause, exit 1. */
  private static final class OnError implements IExecutionExceptionHandler {
    private final Main main;

    OnError(Main main) {
      this.main = main;
    }

    @Override
    public int handleExecutionException(Exception ex, CommandLine cmd, ParseResult parseResult) {
      return onError(main, ex, cmd.getErr());
    }
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
