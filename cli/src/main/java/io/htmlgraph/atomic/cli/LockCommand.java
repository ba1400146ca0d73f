package io.htmlgraph.atomic.cli;

import io.htmlgraph.atomic.DirectoryLock;
import io.htmlgraph.atomic.DirectoryLocker;
import io.htmlgraph.atomic.LockOwner;
import io.htmlgraph.atomic.LockTimeoutException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code atomic lock DIR -- COMMAND}: runs a command while holding the directory lock. */
@Command(
    name = "lock",
    mixinStandardHelpOptions = true,
    header = "Run a command while holding the lock of DIR (a flock(1) that Java programs honour).",
    description = {
      "Runs COMMAND while holding the reader/writer lock of DIR (created if missing), like flock(1), "
          + "and exits with COMMAND's exit code. Exclusive by default: one holder at a time; --shared "
          + "holders run together, but never with an exclusive one. The lock is the library's "
          + "DirectoryLocker, so Java programs using it and `atomic lock` exclude each other (flock(1) "
          + "locks do not exclude it). The kernel frees it if this process dies.",
      "Put `--` before COMMAND when it has options. `atomic lock --status DIR` prints the holder "
          + "(pid, host, mode, since) or \"free\"."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "N:COMMAND's exit code (128+signal if a signal ended it)",
      "75:the lock was not obtained in time; COMMAND was not run",
      "126:COMMAND could not be run",
      "127:COMMAND was not found",
      "1:another error",
      "2:bad usage"
    })
final class LockCommand implements Callable<Integer> {
  /** EX_TEMPFAIL of sysexits.h, as flock(1) uses for its timeout (with -E). */
  static final int TIMEOUT = 75;

  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "DIR", description = "The directory to lock.")
  Path dir;

  @Parameters(index = "1..*", paramLabel = "COMMAND", description = "The command and its arguments.")
  List<String> command;

  @Option(names = "--shared", description = "Take the shared (reader) lock instead of the exclusive one.")
  boolean shared;

  @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "5s", converter = Converters.DurationConverter.class,
      description = "How long to wait for the lock; 0s tries once. Default: ${DEFAULT-VALUE}.")
  Duration timeout;

  @Option(names = "--status", description = "Print who holds the lock of DIR, or \"free\"; run nothing.")
  boolean status;

  @Override
  public Integer call() throws IOException, InterruptedException {
    if (status) {
      if (command != null && !command.isEmpty()) {
        throw new ParameterException(spec.commandLine(), "--status takes no COMMAND");
      }
      return status();
    }
    if (command == null || command.isEmpty()) {
      throw new ParameterException(spec.commandLine(), "Missing COMMAND (atomic lock DIR -- COMMAND [ARGS...])");
    }
    DirectoryLocker locker = new DirectoryLocker(dir);
    DirectoryLock lock;
    try {
      lock = shared ? locker.lockShared(timeout) : locker.lockExclusive(timeout);
    } catch (LockTimeoutException e) {
      PrintWriter err = spec.commandLine().getErr();
      err.println("atomic: " + dir + ": lock not obtained within " + Converters.format(timeout)
          + e.holder().map(h -> "; held by " + describe(h)).orElse("") + "; not running " + command.get(0));
      err.flush();
      return TIMEOUT;
    }
    try (lock) {
      return run();
    }
  }

  /** Runs the command with this process's standard streams, and waits for it. */
  private int run() throws InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(command).inheritIO();
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      String msg = String.valueOf(e.getMessage());
      boolean notFound = msg.contains("error=2,");
      PrintWriter err = spec.commandLine().getErr();
      err.println("atomic: " + command.get(0) + ": " + (notFound ? "command not found" : "cannot run: " + msg));
      err.flush();
      return notFound ? 127 : 126;
    }
    // If this JVM is asked to stop (SIGTERM, SIGINT), stop the command first: the lock must not be
    // released while the command it protects still runs.
    Thread stopChild = new Thread(() -> {
      p.destroy();
      try {
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
          p.destroyForcibly();
          p.waitFor();
        }
      } catch (InterruptedException e) {
        p.destroyForcibly();
      }
    });
    Runtime.getRuntime().addShutdownHook(stopChild);
    try {
      return p.waitFor();
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(stopChild);
      } catch (IllegalStateException shuttingDown) {
        // the hook runs now and waits for the command
      }
    }
  }

  private int status() throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new CliException(dir + (Files.exists(dir) ? ": not a directory" : ": no such directory"));
    }
    PrintWriter out = spec.commandLine().getOut();
    DirectoryLocker locker = new DirectoryLocker(dir);
    // The owner record is advice and outlives a release; whether the lock is held is asked of the
    // kernel, with one try that holds it for a moment at most.
    if (locker.acquireExclusiveLock(Duration.ZERO)) {
      locker.releaseLock();
      out.println("free");
    } else {
      Optional<LockOwner> owner = locker.owner();
      out.println(owner.map(o -> "held by " + describe(o)).orElse("held (holder unknown)"));
    }
    out.flush();
    return 0;
  }

  static String describe(LockOwner o) {
    return "pid " + o.pid() + " on " + o.host() + ", " + o.mode().name().toLowerCase(java.util.Locale.ROOT)
        + ", since " + o.since();
  }
}
