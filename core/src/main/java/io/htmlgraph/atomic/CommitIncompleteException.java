package io.htmlgraph.atomic;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A {@link FileTransaction#commit()} failed at a point where it could not leave the root as it was:
 * the next {@link FileTransaction#recover}, {@link FileTransaction#begin} or
 * {@link FileTransaction#read} on the root finishes the job, and {@link #committed()} tells what it
 * will leave.
 *
 * <ul>
 *   <li>{@code committed() == true}: the transaction's intent record was durable when the failure
 *       came (a rename, a new directory, a delete or a directory sync failed, or the record could not
 *       be removed). The transaction is committed: recovery makes every change, the files end all new,
 *       and a power cut does not change that. Until recovery runs, a reader that does not take the
 *       shared lock may see some files new and others old; {@code read(root, …)} recovers first and
 *       never sees the mix.
 *   <li>{@code committed() == false}: in doubt. A sync of the intent record failed and it could not
 *       be removed durably, so it is not known whether the record reached the disk. Nothing was
 *       published; recovery leaves every file old or every file new, never a mix.
 * </ul>
 *
 * <p>Any other {@link IOException} from {@code commit()} means that nothing changed: every file is as
 * it was and no staged file is left.
 */
public final class CommitIncompleteException extends IOException {
  private static final long serialVersionUID = 1L;

  private final transient Path root;
  private final boolean committed;

  /**
   * @param root the transaction's root
   * @param committed whether the intent record is known to be durable
   * @param what what failed, for the message
   * @param cause the failure
   */
  public CommitIncompleteException(Path root, boolean committed, String what, Throwable cause) {
    super((committed
        ? "transaction committed, not complete: " + what + "; the intent record is durable, so recovery "
            + "(FileTransaction.recover, or the next begin or read on " + root + ") makes every change"
        : "transaction in doubt: " + what + "; nothing was published, and recovery (FileTransaction.recover, "
            + "or the next begin or read on " + root + ") leaves every file old or every file new")
        + (cause == null ? "" : ": " + cause), cause);
    this.root = root;
    this.committed = committed;
  }

  /** @return the transaction's root */
  public Path root() {
    return root;
  }

  /**
   * @return true if the transaction is committed (recovery leaves every file new); false if it is in
   *     doubt (recovery leaves every file old or every file new)
   */
  public boolean committed() {
    return committed;
  }
}
