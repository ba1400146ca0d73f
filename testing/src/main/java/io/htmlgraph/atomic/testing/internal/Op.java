package io.htmlgraph.atomic.testing.internal;

/**
 * One recorded change to the simulated file system, in terms of inodes and directory entries rather
 * than paths: a file renamed after it was opened is still the same inode to its open channels, as it
 * is to the kernel. Directories and files are named by inode number ({@code dir}, {@code inode}); the
 * paths ({@code path}, {@code from}, {@code to}) are as the workload saw them, relative to the
 * simulated root, for reports only. {@link #toString()} is the line a report shows.
 */
public sealed interface Op {
  /** A new entry {@code name} in {@code dir} for a new inode: a file, a directory or a symbolic link. */
  sealed interface Creation extends Op {
    int dir();

    String name();

    int inode();

    String path();
  }

  /** An empty regular file, created. */
  record CreateFile(int dir, String name, int inode, String path) implements Creation {
    @Override
    public String toString() {
      return "create " + path;
    }
  }

  /** A directory, created. */
  record Mkdir(int dir, String name, int inode, String path) implements Creation {
    @Override
    public String toString() {
      return "mkdir " + path;
    }
  }

  /** A symbolic link, created; {@code target} is its text in UTF-8. */
  record Symlink(int dir, String name, int inode, byte[] target, String path) implements Creation {
    @Override
    public String toString() {
      return "symlink " + path;
    }
  }

  /** A hard link: a new entry {@code name} in {@code dir} for the existing {@code inode}. */
  record Link(int dir, String name, int inode, String path, String existing) implements Op {
    @Override
    public String toString() {
      return "link " + path + " -> " + existing;
    }
  }

  /** The entry {@code name} of {@code dir}, removed. */
  record Unlink(int dir, String name, String path) implements Op {
    @Override
    public String toString() {
      return "unlink " + path;
    }
  }

  /** The entry {@code fromName} of {@code fromDir}, moved to {@code toName} in {@code toDir}. */
  record Rename(int fromDir, String fromName, int toDir, String toName, String from, String to) implements Op {
    @Override
    public String toString() {
      return "rename " + from + " -> " + to;
    }
  }

  /** The content of a file that a write or a truncation changed. */
  sealed interface DataChange extends Op {
    int inode();
  }

  /** {@code data} written into {@code inode} at {@code offset}. */
  record Write(int inode, long offset, byte[] data, String path) implements DataChange {
    @Override
    public String toString() {
      return "write " + path + " [" + offset + ", " + (offset + data.length) + ")";
    }
  }

  /** {@code inode} cut to {@code size} bytes. */
  record Truncate(int inode, long size, String path) implements DataChange {
    @Override
    public String toString() {
      return "truncate " + path + " to " + size;
    }
  }

  /** {@code fsync} (or {@code fdatasync}) of a file, or of a directory. */
  record Sync(int inode, boolean directory, String path) implements Op {
    @Override
    public String toString() {
      return (directory ? "fsync dir " : "fsync ") + path;
    }
  }
}
