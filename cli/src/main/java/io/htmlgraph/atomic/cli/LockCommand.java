package io.htmlgraph.atomic.cli;

import io.htmlgraph.atomic.DirectoryLocker;
import io.htmlgraph.atomic.HeldLock;
import io.htmlgraph.atomic.LockOwner;
import io.htmlgraph.atomic.LockTimeoutException;
import java.io.File;
import io.htmlgraph.atomic.Locker;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
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
          + "locks do not exclude it). The kernel frees it if this process dies; COMMAND is then killed "
          + "too (SIGKILL, through setpriv --pdeathsig where util-linux provides it), so that it never "
          + "runs on without the lock.",
      "Put `--` before COMMAND when it has options. `atomic lock --status DIR` prints the holder "
          + "(pid, host, mode, since) or \"free\".",
      "With --zookeeper HOST:PORT[,...] --lock-path /PATH the lock is taken in that ZooKeeper ensemble "
          + "instead, for processes on several hosts (DIR, the directory it guards, must exist; it is "
          + "not locked itself). If the lock is lost while COMMAND runs (the connection was suspended, the "
          + "session expired), COMMAND is stopped with SIGTERM and atomic exits with 76. If this process "
          + "dies, the lock is free once its session times out (--session-timeout)."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "N:COMMAND's exit code (128+signal if a signal ended it)",
      "75:the lock was not obtained in time; COMMAND was not run",
      "76:(--zookeeper) the lock was lost while COMMAND ran; COMMAND was stopped",
      "126:COMMAND could not be run",
      "127:COMMAND was not found",
      "1:another error",
      "2:bad usage"
    })
final class LockCommand implements Callable<Integer> {
  /** EX_TEMPFAIL of sysexits.h, as flock(1) uses for its timeout (with -E). */
  static final int TIMEOUT = 75;
  /** The ZooKeeper lock was lost while the command ran. */
  static final int LOST = 76;

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

  private final Main main;

  LockCommand(Main main) {
    this.main = main;
  }

  @Option(names = "--zookeeper", paramLabel = "HOST:PORT[,...]",
      description = "Take the lock in this ZooKeeper ensemble (the connection string of its servers), "
          + "for processes on several hosts. Needs --lock-path.")
  String zookeeper;

  @Option(names = "--lock-path", paramLabel = "/PATH",
      description = "With --zookeeper: the lock's path in ZooKeeper; every process that shares the lock names it.")
  String lockPath;

  @Option(names = "--connect-timeout", paramLabel = "DURATION", defaultValue = "10s",
      converter = Converters.DurationConverter.class,
      description = "With --zookeeper: how long to wait for a connection to the ensemble. Default: ${DEFAULT-VALUE}.")
  Duration connectTimeout;

  @Option(names = "--session-timeout", paramLabel = "DURATION", defaultValue = "10s",
      converter = Converters.DurationConverter.class,
      description = "With --zookeeper: the ZooKeeper session timeout, which the servers bound (by default "
          + "to 2 to 20 ticks). If this process dies or is cut off, others get the lock that long after. "
          + "Default: ${DEFAULT-VALUE}.")
  Duration sessionTimeout;

  @Override
  public Integer call() throws IOException, InterruptedException {
    checkZooKeeperOptions();
    if (status) {
      if (command != null && !command.isEmpty()) {
        throw new ParameterException(spec.commandLine(), "--status takes no COMMAND");
      }
      return zookeeper != null ? zooKeeperStatus() : status();
    }
    if (command == null || command.isEmpty()) {
      throw new ParameterException(spec.commandLine(), "Missing COMMAND (atomic lock DIR -- COMMAND [ARGS...])");
    }
    if (command.get(0).isEmpty()) {
      throw new ParameterException(spec.commandLine(), "COMMAND is an empty string");
    }
    // ZooKeeperLocking is the only door to Curator's classes: loaded only when --zookeeper is given
    ZooKeeperLocking zk = zookeeper != null ? connectZooKeeper() : null;
    try {
      Locker locker = zk != null ? zk.locker() : new DirectoryLocker(dir);
      HeldLock lock;
      try {
        lock = shared ? locker.lockShared(timeout) : locker.lockExclusive(timeout);
      } catch (LockTimeoutException e) {
        PrintWriter err = spec.commandLine().getErr();
        err.println("atomic: " + (zk != null ? zk.name() : dir) + ": lock not obtained within " + Converters.format(timeout)
            + e.holder().map(h -> "; held by " + describe(h)).orElse("") + "; not running " + command.get(0));
        err.flush();
        return TIMEOUT;
      }
      try (lock) {
        if (zk == null) {
          return run();
        }
        zk.stopCommandIfLost(lock, command.get(0), spec.commandLine().getErr());
        int code = run();
        zk.stopWatching();
        return zk.lostBecause() != null ? LOST : code;
      }
    } finally {
      if (zk != null) {
        zk.close();
      }
    }
  }

  /** --zookeeper and --lock-path go together; the timeouts of the connection need them. */
  private void checkZooKeeperOptions() {
    picocli.CommandLine.ParseResult parsed = spec.commandLine().getParseResult();
    if (zookeeper == null) {
      for (String option : List.of("--lock-path", "--connect-timeout", "--session-timeout")) {
        if (parsed != null && parsed.hasMatchedOption(option)) {
          throw new ParameterException(spec.commandLine(), option + " needs --zookeeper");
        }
      }
      return;
    }
    if (zookeeper.isBlank()) {
      throw new ParameterException(spec.commandLine(), "--zookeeper needs HOST:PORT[,HOST:PORT...]");
    }
    if (lockPath == null) {
      throw new ParameterException(spec.commandLine(), "--zookeeper needs --lock-path /PATH");
    }
    if (connectTimeout.isZero() || connectTimeout.isNegative() || sessionTimeout.isZero() || sessionTimeout.isNegative()) {
      throw new ParameterException(spec.commandLine(), "--connect-timeout and --session-timeout must be positive");
    }
  }

  private ZooKeeperLocking connectZooKeeper() throws InterruptedException {
    if (!Files.isDirectory(dir)) {
      throw new CliException(dir + (Files.exists(dir) ? ": not a directory" : ": no such directory"));
    }
    try {
      return ZooKeeperLocking.connect(zookeeper, lockPath, connectTimeout, sessionTimeout);
    } catch (IllegalArgumentException badPath) {
      throw new ParameterException(spec.commandLine(), "--lock-path: " + badPath.getMessage());
    }
  }

  private int zooKeeperStatus() throws IOException, InterruptedException {
    try (ZooKeeperLocking zk = connectZooKeeper()) {
      PrintWriter out = spec.commandLine().getOut();
      Optional<LockOwner> owner = zk.locker().owner();
      if (owner.isPresent()) {
        out.println("held by " + describe(owner.get()));
      } else {
        // no record: free, or held by a program that writes none (Curator's own lock)
        boolean free;
        try (HeldLock probe = zk.locker().lockExclusive(Duration.ZERO)) {
          free = probe.isHeld();
        } catch (LockTimeoutException held) {
          free = false;
        }
        out.println(free ? "free" : "held (holder unknown)");
      }
      out.flush();
      return 0;
    }
  }

  /**
   * Runs the command with this process's standard streams, and waits for it.
   *
   * <p>The command must not outlive the lock. A signal the JVM catches (SIGINT, SIGTERM, SIGHUP) runs
   * the hook below, which stops the command before the lock goes. SIGKILL runs nothing: the kernel
   * frees the lock at once, and a command started plainly would run on unprotected while another
   * process takes the lock. So the command starts under {@code setpriv --pdeathsig KILL}
   * (util-linux): {@code prctl(PR_SET_PDEATHSIG)} has the kernel send it SIGKILL when the thread that
   * started it ends, and this thread (the JDK spawns from the calling thread, through jspawnhelper)
   * stays in {@link Process#waitFor()} until the command ends or the JVM dies. Without setpriv the
   * command is started plainly and outlives a SIGKILL of this process (docs/security.md).
   */
  private int run() throws InterruptedException {
    String problem = Executables.problem(command.get(0));
    if (problem != null) {
      PrintWriter err = spec.commandLine().getErr();
      err.println("atomic: " + command.get(0) + ": " + problem);
      err.flush();
      return problem.equals(Executables.NOT_FOUND) ? 127 : 126;
    }
    ProcessBuilder pb = new ProcessBuilder(Executables.withParentDeathSignal(command));
    if (main.processStreams()) {
      // A standard stream closed when the JVM started holds a file of the JVM's own (StandardStreams):
      // the command gets /dev/null there instead of the JDK's module image.
      pb.redirectInput(StandardStreams.isClosed(0) ? Redirect.from(new File("/dev/null")) : Redirect.INHERIT);
      pb.redirectOutput(StandardStreams.isClosed(1) ? Redirect.DISCARD : Redirect.INHERIT);
      pb.redirectError(StandardStreams.isClosed(2) ? Redirect.DISCARD : Redirect.INHERIT);
    } else {
      pb.inheritIO();
    }
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      String msg = String.valueOf(e.getMessage());
      boolean notFound = msg.contains("error=2,");
      PrintWriter err = spec.commandLine().getErr();
      err.println("atomic: " + command.get(0) + ": " + (notFound ? Executables.NOT_FOUND : "cannot run: " + Errors.describe(e)));
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
    if (main.processStreams() && StandardStreams.isClosed(1)) {
      throw new CliException(Main.STDOUT_CLOSED);
    }
    PrintWriter out = spec.commandLine().getOut();
    Path lockFile = dir.resolve(DirectoryLocker.LOCK_FILE);
    if (!Files.exists(lockFile, LinkOption.NOFOLLOW_LINKS)) {
      // every holder creates it first: without it no one holds the lock, and asking creates nothing
      out.println("free");
      out.flush();
      return 0;
    }
    String answer;
    try {
      DirectoryLocker locker = new DirectoryLocker(dir);
      // The owner record is advice and outlives a release; whether the lock is held is asked of the
      // kernel, with one try that holds it for a moment at most.
      if (locker.acquireExclusiveLock(Duration.ZERO)) {
        locker.releaseLock();
        answer = "free";
      } else {
        Optional<LockOwner> owner = locker.owner();
        answer = owner.map(o -> "held by " + describe(o)).orElse("held (holder unknown)");
      }
    } catch (IOException | UncheckedIOException e) {
      IOException cause = e instanceof UncheckedIOException u ? u.getCause() : (IOException) e;
      if (cause instanceof AccessDeniedException) {
        throw new CliException(lockFile + ": permission denied (asking whether the lock is held needs write "
            + "access to the lock file: run this as " + ownerOf(lockFile) + ")", cause);
      }
      throw cause;
    }
    out.println(answer);
    out.flush();
    return 0;
  }

  /** @return who may write {@code file}: "root", or "its owner, NAME, or as root" */
  private static String ownerOf(Path file) {
    String name;
    try {
      name = Files.getOwner(file, LinkOption.NOFOLLOW_LINKS).getName();
    } catch (IOException | RuntimeException e) {
      return "its owner or as root";
    }
    return name.equals("root") || name.equals("0") ? "root" : "its owner, " + name + ", or as root";
  }

  static String describe(LockOwner o) {
    return "pid " + o.pid() + " on " + o.host() + ", " + o.mode().name().toLowerCase(java.util.Locale.ROOT)
        + ", since " + o.since();
  }
}
