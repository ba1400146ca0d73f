package io.htmlgraph.atomic;

/** The two ways to hold a {@link DirectoryLocker}'s lock. */
public enum LockMode {
  /** Readers: any number of shared holders may hold the lock together; no exclusive holder meanwhile. */
  SHARED,
  /** A writer: one holder, and no shared holder meanwhile. */
  EXCLUSIVE
}
