package io.htmlgraph.atomic;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The write was committed (the target holds the new content, every reader sees it) but a
 * directory sync that {@link Durability#FULL} requires failed, or closing the temp file after the
 * rename reported an error, so the new content may not survive a power cut.
 *
 * <p>Any other {@link IOException} from a commit means the target was not touched. This one means it
 * was: do not write the old content back on the assumption that nothing happened. A failed sync is
 * never retried, because after a failed {@code fsync} the kernel may already have dropped the dirty
 * pages and a second {@code fsync} can report success for data that is gone.
 */
public final class CommittedNotDurableException extends IOException {
  private static final long serialVersionUID = 1L;

  private final transient Path target;

  /**
   * @param target the committed file
   * @param cause the failed sync of its directory
   */
  public CommittedNotDurableException(Path target, IOException cause) {
    this(target, "syncing its directory failed", cause);
  }

  /**
   * @param target the committed file
   * @param what what failed after the rename, for the message
   * @param cause the failure
   */
  public CommittedNotDurableException(Path target, String what, IOException cause) {
    super("committed, not durable: " + target + " holds the new content, but " + what + ": " + describe(cause), cause);
    this.target = target;
  }

  /** The cause in words: some JDK exceptions have no message (an interrupted sync has none). */
  private static String describe(IOException cause) {
    if (cause instanceof java.nio.channels.ClosedByInterruptException) {
      return "the thread was interrupted, which closed the directory's channel before the sync completed";
    }
    if (cause instanceof java.nio.channels.AsynchronousCloseException) {
      return "another thread closed the directory's channel during the sync";
    }
    String m = cause.getMessage();
    return m != null ? m : cause.getClass().getName();
  }

  /** @return the file that holds the new content */
  public Path target() {
    return target;
  }
}
