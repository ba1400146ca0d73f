package io.htmlgraph.atomic.internal;

import io.htmlgraph.atomic.CommittedNotDurableException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collection;

/**
 * The one place that syncs directories.
 *
 * <p>A rename, a link or a new file is only a change to a directory, and the directory is a file of
 * its own: until it is synced, a power cut can undo the change even though the data of the file it
 * names was synced. POSIX gives no other way to make the entry durable than {@code fsync} on the
 * directory, which the JDK exposes as {@link FileChannel#force(boolean)} on a channel opened for
 * reading. Windows cannot open a directory as a file, and makes renames durable with the move itself,
 * so there the sync is skipped.
 *
 * <p>Callers that need a sync of one directory at the same moment share one
 * ({@link SharedDirectorySyncs}): each still returns only once a sync that began after its call did
 * has completed, which is all a sync made by the caller itself would promise. The
 * {@code io.htmlgraph.atomic.sharedDirectorySyncs=false} system property makes every caller sync on
 * its own (for measuring what sharing gains).
 */
public final class DirectorySync {
  private static final SharedDirectorySyncs SHARED = new SharedDirectorySyncs(DirectorySync::syncAlone);
  private static volatile boolean sharing = !"false".equalsIgnoreCase(
      System.getProperty("io.htmlgraph.atomic.sharedDirectorySyncs"));

  private DirectorySync() {}

  /**
   * Syncs the entries of {@code dir} to the storage ({@code fsync(2)} on the directory).
   *
   * @param dir the directory
   * @return whether the sync was shared with other callers
   * @throws IOException if the directory cannot be opened or the sync fails; the caller must not
   *     retry: a second fsync may report success for writes that were lost
   */
  public static boolean sync(Path dir) throws IOException {
    if (isWindows(dir)) {
      return false;
    }
    if (sharing) {
      return SHARED.sync(dir);
    }
    syncAlone(dir);
    return false;
  }

  /**
   * Syncs {@code dirs} in order, after a rename has published new content: the one place where a
   * failed directory sync becomes {@link CommittedNotDurableException}. The content is in place by
   * then, so the failure is not that the write failed, and the sync is not retried.
   *
   * @param dirs the directories whose entries the rename (and any directory it created) changed
   * @param published what the exception names: the published file, or null for the directory whose
   *     sync failed (a batch of files, where no one file is the one)
   * @param closeFailure a failure to close a temp after its rename, kept on the exception as suppressed,
   *     or null
   * @return whether any of the syncs was shared with other callers
   * @throws CommittedNotDurableException at the first sync that fails
   */
  public static boolean syncPublished(Collection<Path> dirs, Path published, IOException closeFailure)
      throws CommittedNotDurableException {
    boolean shared = false;
    for (Path dir : dirs) {
      try {
        shared |= sync(dir);
      } catch (IOException e) {
        if (closeFailure != null) {
          e.addSuppressed(closeFailure);
        }
        throw new CommittedNotDurableException(published != null ? published : dir, e);
      }
    }
    return shared;
  }

  /** Turns the sharing of directory syncs on or off, for the benchmarks that compare the two. */
  public static void setSharing(boolean on) {
    sharing = on;
  }

  private static void syncAlone(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }

  private static boolean isWindows(Path p) {
    return "\\".equals(p.getFileSystem().getSeparator());
  }
}
