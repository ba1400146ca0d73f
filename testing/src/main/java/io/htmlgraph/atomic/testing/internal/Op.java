package io.htmlgraph.atomic.testing.internal;

/**
 * One recorded change to the simulated file system, in terms of inodes and directory entries rather
 * than paths: a file renamed after it was opened is still the same inode to its open channels, as it
 * is to the kernel.
 *
 * @param kind what happened
 * @param dir the directory whose entry changed (the source directory of a rename), or -1
 * @param name the entry's name in {@code dir}, or null
 * @param dir2 the destination directory of a rename, or -1
 * @param name2 the destination name of a rename, or null
 * @param inode the file whose data changed, the file an entry now names, or the file synced; -1 if none
 * @param offset where a write starts; the new size for a truncate
 * @param data the bytes written; a symbolic link's target in UTF-8
 * @param display the path as the workload saw it, relative to the simulated root, for reports
 */
public record Op(Kind kind, int dir, String name, int dir2, String name2, int inode, long offset, byte[] data,
    String display) {

  /** The kinds of operation the simulator models. */
  public enum Kind { CREATE_FILE, MKDIR, SYMLINK, LINK, UNLINK, RENAME, WRITE, TRUNCATE, SYNC_FILE, SYNC_DIR }

  @Override
  public String toString() {
    return switch (kind) {
      case CREATE_FILE -> "create " + display;
      case MKDIR -> "mkdir " + display;
      case SYMLINK -> "symlink " + display;
      case LINK -> "link " + display;
      case UNLINK -> "unlink " + display;
      case RENAME -> "rename " + display;
      case WRITE -> "write " + display + " [" + offset + ", " + (offset + data.length) + ")";
      case TRUNCATE -> "truncate " + display + " to " + offset;
      case SYNC_FILE -> "fsync " + display;
      case SYNC_DIR -> "fsync dir " + display;
    };
  }
}
