package io.htmlgraph.atomic;

import java.nio.file.Path;
import java.time.Duration;

/**
 * A sweep in a child JVM, possibly as another user ({@link SweepSecurityTest}): {@code DIR} prints
 * {@code REMOVED n} after {@link AtomicFiles#cleanupOrphanedTempFiles(Path, Duration)} of DIR with
 * age zero. Depends on the core's classes only.
 */
public final class SweepChild {
  private SweepChild() {}

  public static void main(String[] args) throws Exception {
    System.out.println("REMOVED " + AtomicFiles.cleanupOrphanedTempFiles(Path.of(args[0]), Duration.ZERO));
  }
}
