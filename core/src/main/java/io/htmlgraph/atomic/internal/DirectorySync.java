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
 */
public final class DirectorySync {
  private DirectorySync() {}

  /**
   * Syncs the entries of {@code dir} to the storage ({@code fsync(2)} on the directory).
   *
   * @param dir the directory
   * @throws IOException if the directory cannot be opened or the sync fails; the caller must not
   *     retry: a second fsync may report success for writes that were lost
   */
  public static void sync(Path dir) throws IOException {
    if (isWindows(dir)) {
      return;
    }
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    }
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
   * @throws CommittedNotDurableException at the first sync that fails
   */
  public static void syncPublished(Collection<Path> dirs, Path published, IOException closeFailure)
      throws CommittedNotDurableException {
    for (Path dir : dirs) {
      try {
        sync(dir);
      } catch (IOException e) {
        if (closeFailure != null) {
          e.addSuppressed(closeFailure);
        }
        throw new CommittedNotDurableException(published != null ? published : dir, e);
      }
    }
  }

  private static boolean isWindows(Path p) {
    return "\\".equals(p.getFileSystem().getSeparator());
  }
}
