package io.htmlgraph.atomic.cli;

import io.htmlgraph.atomic.CommitIncompleteException;
import io.htmlgraph.atomic.DirectoryLocker;
import io.htmlgraph.atomic.FileTransaction;
import io.htmlgraph.atomic.LockTimeoutException;
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

/** {@code atomic recover ROOT}: finishes a transaction that a crash interrupted. */
@Command(
    name = "recover",
    mixinStandardHelpOptions = true,
    header = "Finish a transaction on ROOT that a crash interrupted.",
    description = {
      "Under the exclusive lock of ROOT, finishes a commit of `atomic txn` (or of any FileTransaction on "
          + "ROOT) that a crash, a kill or a failure interrupted after its commit point: every change it "
          + "staged is made, durably. A transaction interrupted before its commit point changed nothing, and "
          + "its staged files are removed. Prints what it did; exit 0 whether or not there was anything to "
          + "finish. Any later transaction or transactional read on ROOT does the same first, so this is "
          + "for readers that do not take the lock, and for scripts that want to know."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:ROOT holds no interrupted commit any more (one was finished, or there was none)",
      "1:an error (the interrupted commit cannot be finished: the message says why; ROOT stays as it was)",
      "2:bad usage",
      "75:the lock of ROOT was not obtained in time"
    })
final class RecoverCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(paramLabel = "ROOT", description = "The root of the transactions.")
  Path root;

  @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "5s", converter = Converters.DurationConverter.class,
      description = "How long to wait for the lock of ROOT; 0s tries once. Default: ${DEFAULT-VALUE}.")
  Duration timeout;

  @Override
  public Integer call() throws IOException {
    if (!Files.isDirectory(root)) {
      throw new CliException(root + (Files.exists(root) ? ": not a directory" : ": no such directory"));
    }
    PrintWriter out = spec.commandLine().getOut();
    boolean finished;
    try {
      finished = FileTransaction.recover(root, new DirectoryLocker(root), timeout);
    } catch (LockTimeoutException e) {
      PrintWriter err = spec.commandLine().getErr();
      err.println("atomic: " + root + ": lock not obtained within " + Converters.format(timeout)
          + e.holder().map(h -> "; held by " + LockCommand.describe(h)).orElse("") + "; nothing done");
      err.flush();
      return LockCommand.TIMEOUT;
    } catch (CommitIncompleteException e) {
      throw new CliException(root + ": an interrupted commit cannot be finished, ROOT stays as it is (fix the cause "
          + "and run again): " + Errors.describe(e.getCause()), e);
    }
    out.println(finished
        ? root + ": finished an interrupted commit: every change it staged is made"
        : root + ": no interrupted commit");
    out.flush();
    return 0;
  }
}
