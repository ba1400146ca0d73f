package io.htmlgraph.atomic.cli;

import io.htmlgraph.atomic.CommitIncompleteException;
import io.htmlgraph.atomic.DirectoryLocker;
import io.htmlgraph.atomic.FileTransaction;
import io.htmlgraph.atomic.LockTimeoutException;
import io.htmlgraph.atomic.UnsafeLinkException;
import io.htmlgraph.atomic.internal.SafeFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code atomic txn ROOT FILE=SOURCE... [--delete FILE]...}: several files under ROOT replaced (and
 * deleted) together, as one {@link FileTransaction}.
 *
 * <p>Every argument is checked before anything is read or locked: its form, that no FILE comes twice
 * (as spelled), that no FILE leads out of ROOT by its spelling ({@code ..}, an absolute path
 * elsewhere), that {@code -} comes once, and that every SOURCE exists and is not a directory. What
 * only the file system can tell (a link on the way that leads out, two spellings of one file) the
 * library refuses when the file is staged; either way nothing under ROOT changes.
 */
@Command(
    name = "txn",
    mixinStandardHelpOptions = true,
    header = "Replace several files under ROOT at once: all of them or none, even after a crash.",
    description = {
      "Publishes the content of each SOURCE as FILE (relative to ROOT), and deletes each --delete FILE, "
          + "in one transaction: after a crash or a power cut at any moment, every FILE is old or every FILE "
          + "is new, never a mix; when the command returns, all are new and durable. SOURCE is a file (or a "
          + "pipe, e.g. <(cmd)), or - for standard input (once). Missing directories on the way to a FILE are "
          + "created. Prints nothing.",
      "The transaction holds the exclusive lock of ROOT (ROOT/.lock, the library's DirectoryLocker) and "
          + "stages the contents in ROOT/.txn/; readers that take the shared lock never see a mix. A crash "
          + "during the command is finished (or undone, before the commit point) by the next txn, by "
          + "`atomic recover ROOT`, or by any program's FileTransaction on ROOT."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:every change is made and durable",
      "1:an error; nothing under ROOT changed, unless the message says the transaction is committed "
          + "(then `atomic recover ROOT` finishes it)",
      "2:bad usage; nothing done",
      "75:the lock of ROOT was not obtained in time; nothing done"
    })
final class TxnCommand implements Callable<Integer> {
  /** The SOURCE that means standard input. */
  static final String STDIN = "-";

  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "ROOT", description = "The directory under which every FILE lies; must exist.")
  Path root;

  @Parameters(index = "1..*", arity = "0..*", paramLabel = "FILE=SOURCE",
      description = "FILE (relative to ROOT; no '=' in it) gets the content of SOURCE (a file, or - for standard input).")
  List<String> changes = new ArrayList<>();

  @Option(names = "--delete", paramLabel = "FILE",
      description = "Delete FILE (relative to ROOT) in the same transaction; repeat for several. A missing FILE is no error.")
  List<String> deletes = new ArrayList<>();

  @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "5s", converter = Converters.DurationConverter.class,
      description = "How long to wait for the lock of ROOT; 0s tries once. Default: ${DEFAULT-VALUE}.")
  Duration timeout;

  private final Main main;

  TxnCommand(Main main) {
    this.main = main;
  }

  /** One FILE=SOURCE argument. */
  private record Change(String argument, Path file, String source) {}

  @Override
  public Integer call() throws IOException {
    List<Change> writes = parse();
    if (!Files.isDirectory(root)) {
      throw new CliException(root + (Files.exists(root) ? ": not a directory" : ": no such directory (create it first)")
          + "; nothing committed");
    }
    checkTargets(writes);
    checkSources(writes);
    boolean committing = false;
    try (FileTransaction tx = FileTransaction.begin(root, new DirectoryLocker(root), timeout)) {
      // the deletes first: refusing one (a directory, a link out of ROOT) costs no copying
      for (String d : deletes) {
        try {
          tx.delete(Path.of(d));
        } catch (IllegalArgumentException e) {
          throw refused(d, e);
        }
      }
      for (Change c : writes) {
        stage(tx, c);
      }
      committing = true;
      tx.commit();
    } catch (LockTimeoutException e) {
      PrintWriter err = spec.commandLine().getErr();
      err.println("atomic: " + root + ": lock not obtained within " + Converters.format(timeout)
          + e.holder().map(h -> "; held by " + LockCommand.describe(h)).orElse("") + "; nothing committed");
      err.flush();
      return LockCommand.TIMEOUT;
    } catch (CommitIncompleteException e) {
      if (!committing) {
        // begin found a commit that a crash interrupted, and finishing it failed
        throw new CliException(root + ": an interrupted commit cannot be finished (fix the cause and run again); "
            + "nothing committed: " + Errors.describe(e.getCause()), e);
      }
      throw new CliException(root + ": " + (e.committed()
          ? "committed, not complete (the next `atomic txn` or `atomic recover " + root + "` makes every change): "
          : "in doubt, nothing published (`atomic recover " + root + "` leaves every file old or every file new): ")
          + Errors.describe(e.getCause()), e);
    } catch (IOException e) {
      // the transaction was closed without a commit: its staged files are gone, ROOT is as it was
      throw new CliException(Errors.describe(e) + "; nothing committed", e);
    }
    return 0;
  }

  /** Checks the form of every argument; refuses bad usage before anything is touched. */
  private List<Change> parse() {
    if (changes.isEmpty() && deletes.isEmpty()) {
      throw new ParameterException(spec.commandLine(), "Missing FILE=SOURCE (or --delete FILE): nothing to do");
    }
    List<Change> out = new ArrayList<>();
    Map<Path, String> seen = new HashMap<>();
    boolean stdinTaken = false;
    for (String a : changes) {
      int eq = a.indexOf('=');
      if (eq < 0) {
        throw new ParameterException(spec.commandLine(), "'" + a + "' is not FILE=SOURCE");
      }
      String file = a.substring(0, eq);
      String source = a.substring(eq + 1);
      if (file.isEmpty() || source.isEmpty()) {
        throw new ParameterException(spec.commandLine(), "'" + a + "': " + (file.isEmpty() ? "FILE" : "SOURCE")
            + " is empty");
      }
      if (source.equals(STDIN)) {
        if (stdinTaken) {
          throw new ParameterException(spec.commandLine(), "standard input (-) can be the SOURCE of one FILE only");
        }
        stdinTaken = true;
      }
      out.add(new Change(a, checkFile(file, seen), source));
    }
    for (String d : deletes) {
      if (d.isEmpty()) {
        throw new ParameterException(spec.commandLine(), "--delete: FILE is empty");
      }
      checkFile(d, seen);
    }
    return out;
  }

  /**
   * Refuses, as bad usage, a FILE that leads out of ROOT by its spelling or that an earlier argument
   * names already (spelled the same way once normalized).
   */
  private Path checkFile(String file, Map<Path, String> seen) {
    Path p;
    try {
      p = Path.of(file);
    } catch (InvalidPathException e) {
      throw new ParameterException(spec.commandLine(), "'" + file.replace("\0", "\\0") + "' is not a path: "
          + e.getReason());
    }
    Path base = root.toAbsolutePath().normalize();
    Path full = base.resolve(p).normalize();
    if (!full.startsWith(base) || full.equals(base)) {
      throw new ParameterException(spec.commandLine(), "'" + file + "' is not a file under ROOT " + root);
    }
    String before = seen.putIfAbsent(full, file);
    if (before != null) {
      throw new ParameterException(spec.commandLine(), "'" + file + "' names the same file as '" + before
          + "': a transaction changes each file once");
    }
    return p;
  }

  /**
   * Refuses what the file system says before anything is locked or staged: a FILE that a link leads
   * out of ROOT, and a FILE that is a directory. The library checks the same again under the lock (the
   * files may change meanwhile); checking here first keeps ROOT as it was, without even the lock file
   * and the staging directory that a first transaction creates.
   */
  private void checkTargets(List<Change> writes) throws IOException {
    Path rootReal = root.toRealPath();
    for (Change c : writes) {
      checkTarget(rootReal, c.file().toString(), true);
    }
    for (String d : deletes) {
      checkTarget(rootReal, d, false);
    }
  }

  private void checkTarget(Path rootReal, String file, boolean followLink) throws IOException {
    Path target = root.resolve(file);
    // the nearest existing name on the way; a link is followed for a write (it writes the file the link
    // names) and not for a delete (which deletes the link)
    Path existing = followLink ? target : target.getParent();
    while (existing != null && !Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
      existing = existing.getParent();
    }
    if (existing == null) {
      return; // nothing on the way exists: the library says why
    }
    Path real;
    try {
      real = existing.toRealPath();
    } catch (NoSuchFileException dangling) {
      return; // a dangling link on the way: the library refuses it with its reason
    }
    if (!real.startsWith(rootReal)) {
      throw new CliException(root + ": " + file + ": refused (leads outside the root, to " + real + "); nothing committed");
    }
    boolean directory = followLink ? existing.equals(target) && Files.isDirectory(real)
        : Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS);
    if (directory) {
      throw new CliException(root + ": " + file + ": is a directory; nothing committed");
    }
  }

  /** Every SOURCE must be there and readable as a stream (a file or a pipe), before anything starts. */
  private void checkSources(List<Change> writes) throws IOException {
    for (Change c : writes) {
      if (c.source().equals(STDIN)) {
        if (main.processStreams() && StandardStreams.isClosed(0)) {
          // the JVM has put a file of its own at descriptor 0 (its module image): never read it as input
          throw new CliException(c.file() + ": standard input is closed (for an empty file, give </dev/null); "
              + "nothing committed");
        }
        continue;
      }
      Path source = Path.of(c.source());
      try {
        // a source is read as root reads it with `cat`: never through another user's link in a sticky
        // world-writable directory (root's file would be published where that user may read it)
        SafeFiles.resolve(source, true);
      } catch (UnsafeLinkException e) {
        throw new CliException(source + ": " + e.getReason() + " (the SOURCE of " + c.file() + "); nothing committed", e);
      }
      if (!Files.exists(source)) {
        throw new CliException(source + ": no such file (the SOURCE of " + c.file() + "); nothing committed");
      }
      if (Files.isDirectory(source)) {
        throw new CliException(source + ": is a directory (the SOURCE of " + c.file() + "); nothing committed");
      }
      if (!Files.isReadable(source)) {
        throw new CliException(source + ": permission denied (the SOURCE of " + c.file() + "); nothing committed");
      }
    }
  }

  /** Streams one SOURCE into the transaction. */
  private void stage(FileTransaction tx, Change c) throws IOException {
    try {
      if (c.source().equals(STDIN)) {
        tx.write(c.file(), main.stdin());
      } else {
        try (InputStream in = open(Path.of(c.source()))) {
          tx.write(c.file(), in);
        } catch (NoSuchFileException e) {
          // gone since the check
          throw new CliException(c.source() + ": no such file (the SOURCE of " + c.file() + "); nothing committed", e);
        }
      }
    } catch (IllegalArgumentException e) {
      throw refused(c.file().toString(), e);
    }
  }

  /**
   * A regular file goes through {@link SafeFiles#openForRead} (the link rule again, no link at its
   * end, never a hang on a FIFO swapped in since the check); anything else is a pipe the caller named
   * ({@code f=<(cmd)}, a FIFO), read as a stream.
   */
  private static InputStream open(Path source) throws IOException {
    if (Files.isRegularFile(source)) {
      try {
        return Channels.newInputStream(SafeFiles.openForRead(source));
      } catch (UnsafeLinkException | SafeFiles.NotRegularFileException swapped) {
        throw new CliException(source + ": " + swapped.getReason() + "; nothing committed", swapped);
      }
    }
    return Files.newInputStream(source);
  }

  private CliException refused(String file, IllegalArgumentException e) {
    return new CliException(root + ": " + file + ": refused (" + e.getMessage() + "); nothing committed", e);
  }
}
