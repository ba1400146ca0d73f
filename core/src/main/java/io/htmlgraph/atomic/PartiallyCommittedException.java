package io.htmlgraph.atomic;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A group commit ({@link AtomicFiles#atomicWriteAll(java.util.Map, WriteOptions)}) failed after some of
 * its files had been renamed onto their targets: those hold the new content, every other target of
 * the batch is untouched, and no temp file of the batch is left.
 *
 * <p>Each file of a batch is atomic on its own, but the batch as a whole is not (POSIX has no
 * multi-file rename). This exception says exactly where the batch stopped, so that the caller can
 * retry the rest or undo the rest, rather than guess. The directories of the committed files were
 * synced before this was thrown (at {@link Durability#FULL}); {@link #committedDurably()} tells
 * whether that sync succeeded.
 */
public final class PartiallyCommittedException extends IOException {
  private static final long serialVersionUID = 1L;
  private static final int NAMES_IN_MESSAGE = 5;

  private final transient List<Path> committed;
  private final transient List<Path> notCommitted;
  private final boolean committedDurably;

  /**
   * @param committed the targets that hold their new content, in commit order
   * @param notCommitted the targets left untouched, in the batch's order
   * @param committedDurably whether the committed files survive a power cut (their directories were
   *     synced at {@link Durability#FULL})
   * @param cause the failure that stopped the batch
   */
  public PartiallyCommittedException(List<Path> committed, List<Path> notCommitted, boolean committedDurably,
      Throwable cause) {
    super("batch partially committed: " + committed.size() + " of " + (committed.size() + notCommitted.size())
        + " files hold their new content" + (committedDurably ? "" : " (not durably)") + " " + names(committed)
        + ", the other " + notCommitted.size() + " are untouched " + names(notCommitted) + "; cause: " + cause,
        cause);
    this.committed = List.copyOf(committed);
    this.notCommitted = List.copyOf(notCommitted);
    this.committedDurably = committedDurably;
  }

  private static String names(List<Path> paths) {
    if (paths.size() <= NAMES_IN_MESSAGE) {
      return paths.toString();
    }
    return paths.subList(0, NAMES_IN_MESSAGE).toString().replaceFirst("]$", ", ...]");
  }

  /** @return the targets that hold their new content, in the order they were committed */
  public List<Path> committed() {
    return committed;
  }

  /** @return the targets that were not touched (old content, or still absent), in the batch's order */
  public List<Path> notCommitted() {
    return notCommitted;
  }

  /**
   * @return whether the committed files' directories were synced, so that they survive a power cut
   *     (always false below {@link Durability#FULL})
   */
  public boolean committedDurably() {
    return committedDurably;
  }
}
