package io.htmlgraph.atomic;

import io.htmlgraph.atomic.internal.PathArguments;
import io.htmlgraph.atomic.internal.VersionMarks;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Identifies one version of a file's content, for optimistic concurrency: read a file and its
 * version, compute, and write only if the file is still at that version
 * ({@link AtomicFileWriter#atomicWriteIf}, {@link FileTransaction#writeIf}).
 *
 * <pre>{@code
 * while (true) {
 *   FileVersion v = FileVersion.of(counter);
 *   long n = v.isAbsent() ? 0 : Long.parseLong(Files.readString(counter).strip());
 *   try {
 *     AtomicFileWriter.atomicWriteIf(counter, v, Long.toString(n + 1).getBytes(UTF_8));
 *     break;
 *   } catch (VersionConflictException someoneWroteMeanwhile) {
 *     // read again and retry
 *   }
 * }
 * }</pre>
 *
 * <p>What a version is: the file's device and inode, size, modification and change times (to the
 * nanosecond the file system keeps), and the library's version mark, a user extended attribute
 * ({@code user.htmlgraph.version}) that every write of this library sets to a value never used before
 * on the file it publishes. Two versions are equal when all of these are.
 *
 * <p>Guarantee: every atomic replace made by this library (any writer, {@code atomicWriteAll},
 * {@code FileTransaction}) yields a new version, even with equal bytes, an equal size and an equal
 * modification time, on file systems with user xattrs (ext4, XFS, btrfs, tmpfs from Linux 6.6).
 *
 * <p>Limits:
 * <ul>
 *   <li>Files replaced or edited by other programs carry no fresh mark, so their version rests on the
 *       stat data. The stat data can repeat: a replace frees the old inode and ext4 and XFS reuse its
 *       number at once, and timestamps advance once per kernel tick (4 ms at HZ=250), so a file
 *       replaced twice within one tick by a file of the same size can come back with an equal
 *       version (kernels from 6.13 on make this rarer: they give a fine-grained timestamp to a change
 *       that follows a stat). An edit in place that keeps the size within one tick can too.
 *   <li>On file systems without user xattrs (and on ones that do not report inode numbers) the same
 *       holds for every file.
 *   <li>A version is a snapshot of metadata, not of content: it says nothing about what the bytes are,
 *       only whether the file was replaced or changed since.
 *   <li>Versions are meaningful on one host while the file stays where it is; they are not
 *       serialized.
 * </ul>
 *
 * <p>Immutable and thread-safe.
 */
public final class FileVersion {
  private static final FileVersion ABSENT = new FileVersion(true, null, 0, 0, 0, null);
  private static final long UNKNOWN = Long.MIN_VALUE;
  /** Attempts at reading the stat data and the mark of one file without a replace in between. */
  private static final int ATTEMPTS = 3;

  private final boolean absent;
  private final Object fileKey; // device and inode, or null where the file system has none
  private final long size;
  private final long mtimeNanos;
  private final long ctimeNanos; // UNKNOWN where the file system does not report it
  private final byte[] mark;     // null: no version mark

  private FileVersion(boolean absent, Object fileKey, long size, long mtimeNanos, long ctimeNanos, byte[] mark) {
    this.absent = absent;
    this.fileKey = fileKey;
    this.size = size;
    this.mtimeNanos = mtimeNanos;
    this.ctimeNanos = ctimeNanos;
    this.mark = mark;
  }

  /**
   * The current version of {@code file}, following symbolic links (the version of the content a read
   * would return).
   *
   * <p>Costs a stat, a read of the version mark and a second stat (retried if the file was replaced
   * between them). Never opens a file this JVM holds an OS lock on (a lock file in use, a live temp):
   * for those the mark is left out.
   *
   * @param file the file
   * @return its version, or {@link #absent()} if it does not exist (a dangling link included)
   * @throws FileSystemException if it exists but is not a regular file (a directory, say)
   * @throws IllegalArgumentException if the path is empty
   * @throws IOException if it cannot be examined
   */
  public static FileVersion of(Path file) throws IOException {
    PathArguments.check(file, "file");
    FileVersion last = null;
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
      FileVersion before = stat(file);
      if (before.absent) {
        return ABSENT;
      }
      byte[] mark = VersionMarks.read(file, before.fileKey);
      FileVersion after = stat(file);
      if (after.sameStat(before)) {
        return new FileVersion(false, before.fileKey, before.size, before.mtimeNanos, before.ctimeNanos, mark);
      }
      // replaced between the stat and the read of the mark: the mark may be another file's
      last = after;
    }
    // replaced on every attempt: without its mark the version can only compare unequal to a marked one,
    // which makes a conditional write fail (safely) rather than succeed wrongly
    return last.absent ? ABSENT : last;
  }

  /** @return the version of a file that does not exist: a conditional write then means "create only" */
  public static FileVersion absent() {
    return ABSENT;
  }

  /** @return whether this is the version of a missing file */
  public boolean isAbsent() {
    return absent;
  }

  private static FileVersion stat(Path file) throws IOException {
    try {
      if (file.getFileSystem().supportedFileAttributeViews().contains("unix")) {
        // fileKey is the JDK's (device, inode): the key under which this JVM's lock files are known
        Map<String, Object> a = Files.readAttributes(file, "unix:mode,fileKey,size,lastModifiedTime,ctime");
        if (((Integer) a.get("mode") & 0170000) != 0100000) {
          throw new FileSystemException(file.toString(), null, "not a regular file: it has no content version");
        }
        return new FileVersion(false, a.get("fileKey"), (Long) a.get("size"),
            nanos((FileTime) a.get("lastModifiedTime")), nanos((FileTime) a.get("ctime")), null);
      }
      BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
      if (!a.isRegularFile()) {
        throw new FileSystemException(file.toString(), null, "not a regular file: it has no content version");
      }
      return new FileVersion(false, a.fileKey(), a.size(), nanos(a.lastModifiedTime()), UNKNOWN, null);
    } catch (NoSuchFileException missing) {
      return ABSENT;
    }
  }

  private static long nanos(FileTime t) {
    return t.to(TimeUnit.NANOSECONDS);
  }

  private boolean sameStat(FileVersion o) {
    return absent == o.absent && Objects.equals(fileKey, o.fileKey) && size == o.size && mtimeNanos == o.mtimeNanos
        && ctimeNanos == o.ctimeNanos;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FileVersion v && sameStat(v) && Arrays.equals(mark, v.mark);
  }

  @Override
  public int hashCode() {
    return Objects.hash(absent, fileKey, size, mtimeNanos, ctimeNanos) * 31 + Arrays.hashCode(mark);
  }

  /** @return a description for messages, such as {@code FileVersion[absent]} or the stat data and mark */
  @Override
  public String toString() {
    if (absent) {
      return "FileVersion[absent]";
    }
    return "FileVersion[file=" + fileKey + ", size=" + size + ", mtime=" + FileTime.from(mtimeNanos, TimeUnit.NANOSECONDS)
        + (ctimeNanos == UNKNOWN ? "" : ", ctime=" + FileTime.from(ctimeNanos, TimeUnit.NANOSECONDS))
        + ", mark=" + (mark == null ? "none" : HexFormat.of().formatHex(mark)) + "]";
  }
}
