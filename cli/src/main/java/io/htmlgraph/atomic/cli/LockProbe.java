package io.htmlgraph.atomic.cli;

import io.htmlgraph.atomic.DirectoryLocker;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * The second process of {@code check}'s lock probe: tries once to take the exclusive lock of DIR
 * and says whether it got it. Exit 0 and "acquired" when it did, {@value #EXCLUDED} and "excluded"
 * when another process holds the lock. Hidden: not for users.
 */
@Command(name = "probe-lock", hidden = true)
final class LockProbe implements Callable<Integer> {
  static final int EXCLUDED = 3;

  @Parameters(paramLabel = "DIR")
  Path dir;

  @Override
  public Integer call() throws IOException {
    DirectoryLocker locker = new DirectoryLocker(dir);
    if (!locker.acquireExclusiveLock(Duration.ZERO)) {
      System.out.println("excluded");
      return EXCLUDED;
    }
    locker.releaseLock();
    System.out.println("acquired");
    return 0;
  }
}
