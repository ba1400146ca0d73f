package io.htmlgraph.atomic;

/**
 * How much a commit waits for the storage before it returns.
 *
 * <p>Every level is atomic: readers and a crashed process see either the old content or the new,
 * never a mix. The levels differ in what survives a power cut or kernel crash.
 */
public enum Durability {
  /**
   * No sync at all. Atomic against a crash of the process; after a power cut the target may hold
   * the old content, the new content or (on file systems that delay allocation, such as ext4 mounted
   * {@code noauto_da_alloc} or XFS) an empty or zero-filled file, or, when the content spans more than
   * one block, a partly written one.
   */
  NONE,

  /**
   * The new data is synced ({@code fdatasync}) before the rename. After a power cut the target holds
   * the old content or the new one, complete; but the rename itself may be lost, so a write whose
   * commit returned can roll back to the previous version.
   */
  FILE,

  /**
   * The default. The new data is synced, renamed over the target, and then the directory is synced
   * ({@code fsync}), as are the entries of any directory the write created. When the commit returns
   * the new content survives a power cut.
   */
  FULL
}
