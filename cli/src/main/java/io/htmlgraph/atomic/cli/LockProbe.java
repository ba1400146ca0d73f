package io.htmlgraph.atomic.cli;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * The second process of {@code check}'s lock probe: tries once to lock FILE and says whether it got
 * it. Exit 0 and "acquired" when it did, {@value #EXCLUDED} and "excluded" when another process holds
 * the lock. Hidden: not for users.
 */
@Command(name = "probe-lock", hidden = true)
final class LockProbe implements Callable<Integer> {
  static final int EXCLUDED = 3;

  @Parameters(paramLabel = "FILE")
  Path file;

  @Override
  public Integer call() throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      FileLock lock = ch.tryLock();
      if (lock == null) {
        System.out.println("excluded");
        return EXCLUDED;
      }
      lock.release();
      System.out.println("acquired");
      return 0;
    }
  }
}
