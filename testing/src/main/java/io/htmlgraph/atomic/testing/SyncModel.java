package io.htmlgraph.atomic.testing;

/**
 * What a sync of a file makes durable besides the file's data: the one point where real Linux file
 * systems differ enough to matter.
 */
public enum SyncModel {
  /**
   * POSIX as written: {@code fsync} or {@code fdatasync} of a file makes its data durable, never the
   * directory entry that names it. A new or renamed file survives a crash only once its directory
   * has been synced. Code that passes under this model is safe on every Linux file system.
   */
  STRICT,

  /**
   * Like ext4 and XFS with a journal: a sync of a file also makes durable its directory's entry
   * changes up to the last one that named the file (its creation, a link or a rename onto it), since
   * they travel in the same journal commit. Still no help to a rename done after the sync.
   */
  EXT4_LIKE
}
