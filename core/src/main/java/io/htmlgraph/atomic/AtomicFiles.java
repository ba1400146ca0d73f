package io.htmlgraph.atomic;

import io.htmlgraph.atomic.internal.Directories;
import io.htmlgraph.atomic.internal.DirectorySync;
import io.htmlgraph.atomic.internal.FileMetadata;
import io.htmlgraph.atomic.internal.GroupCommit;
import io.htmlgraph.atomic.internal.Jfr;
import io.htmlgraph.atomic.internal.PathArguments;
import io.htmlgraph.atomic.internal.PendingFile;
import io.htmlgraph.atomic.internal.PrivateDirs;
import io.htmlgraph.atomic.internal.SafeFiles;
import io.htmlgraph.atomic.internal.Sweeper;
import io.htmlgraph.atomic.internal.TempNames;
import io.htmlgraph.atomic.internal.Utf8Validator;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Atomic renames, temp-file names and cleanup, and validation: the free functions of the Python
 * original, for {@code import static io.htmlgraph.atomic.AtomicFiles.*}.
 */
public final class AtomicFiles {
  private AtomicFiles() {}

  /**
   * Renames {@code src} to {@code dst} atomically and durably: {@code rename(2)}, which replaces an
   * existing {@code dst} in one step, then a sync of the destination directory (and of the source's
   * when it differs). Never the JDK's delete-then-rename fallback, which leaves a moment with no
   * {@code dst} at all.
   *
   * <p>A regular file on another file system is copied into a temp beside {@code dst} (with the
   * source's content, mode, owner where permitted, ACL, extended attributes and times), synced, renamed
   * onto {@code dst}, and only then is the source removed. A directory cannot cross file systems this
   * way and is refused.
   *
   * <p>Symbolic links among the directories of both paths are followed under the link rule of
   * {@link UnsafeLinkException}; the final names are never followed.
   *
   * @param src the file to move (a symbolic link is moved as a link)
   * @param dst the new name; missing parents are created, and removed again if the rename fails
   * @throws IllegalArgumentException if both name the same file (also through {@code ..} or a link), a
   *     directory would move into itself, or a path is empty; nothing is created
   * @throws NoSuchFileException if {@code src} does not exist
   * @throws UnsafeLinkException if a link among the directories breaks the link rule; nothing is created
   * @throws AtomicMoveNotSupportedException for a directory on another file system
   * @throws CommittedNotDurableException if the rename happened but a directory sync failed
   * @throws IOException any other failure; {@code src} and {@code dst} are then as they were
   */
  public static void atomicRename(Path src, Path dst) throws IOException {
    atomicRename(src, dst, Durability.FULL);
  }

  /**
   * As {@link #atomicRename(Path, Path)}; {@link Durability#NONE} and {@link Durability#FILE} skip
   * the directory syncs ({@code FILE} still syncs the data of a copy across file systems).
   */
  public static void atomicRename(Path src, Path dst, Durability durability) throws IOException {
    PathArguments.checkFile(src, "src");
    PathArguments.checkFile(dst, "dst");
    Objects.requireNonNull(durability, "durability");
    SafeFiles.Resolved from = SafeFiles.resolve(src, false);
    if (!from.metadata().exists()) {
      throw new NoSuchFileException(src.toString());
    }
    SafeFiles.Resolved to = SafeFiles.resolve(dst, false);
    Path realSrc = from.path();
    Path realDst = to.path();
    Path absSrc = realSrc.toAbsolutePath().normalize();
    Path absDst = realDst.toAbsolutePath().normalize();
    Object srcKey = from.metadata().fileKey();
    if (absSrc.equals(absDst) || (srcKey != null && srcKey.equals(identity(dst, to)))) {
      throw new IllegalArgumentException("source and destination are the same file: " + src + ", " + dst);
    }
    if (from.metadata().kind() == FileMetadata.Kind.DIRECTORY && absDst.startsWith(absSrc)) {
      // rename(2) fails with EINVAL here; refused before any missing parent of dst is created
      throw new IllegalArgumentException("a directory cannot be moved into itself: " + src + ", " + dst);
    }
    Path srcDir = Directories.parentOf(realSrc);
    Path dstDir = Directories.parentOf(realDst);
    List<Path> created = to.parentExists() ? List.of() : Directories.createMissing(dstDir);
    // Not through PendingFile, which publishes a temp of its own making (locked against sweeps, with
    // the old file's metadata): a rename moves the caller's file as it is (a directory, a link, its
    // inode and metadata kept). What the two share goes through the same helpers: the link rule
    // (SafeFiles), the created parents (Directories) and the syncs after publishing (DirectorySync). Across
    // file systems, where a copy is needed, the copy is PendingFile's (copyAcross).
    try {
      try {
        Files.move(realSrc, realDst, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException crossDevice) {
        if (from.metadata().kind() != FileMetadata.Kind.REGULAR) {
          throw crossDevice;
        }
        copyAcross(realSrc, realDst, dst, durability);
        return;
      }
    } catch (IOException | RuntimeException | Error e) {
      removeCreated(created, e);
      throw e;
    }
    if (durability == Durability.FULL) {
      Set<Path> dirs = new LinkedHashSet<>(List.of(dstDir, srcDir));
      dirs.addAll(Directories.parentsOf(created));
      DirectorySync.syncPublished(dirs, dst, null);
    }
  }

  /** @return the file key of what {@code dst} names, a link followed (under the link rule), or null */
  private static Object identity(Path dst, SafeFiles.Resolved to) throws IOException {
    if (to.metadata().kind() != FileMetadata.Kind.SYMLINK) {
      return to.metadata().fileKey();
    }
    try {
      return SafeFiles.resolve(dst, true).metadata().fileKey();
    } catch (UnsafeLinkException notFollowed) {
      return null;
    }
  }

  /** Removes the directories a failed call created, deepest first (only while they are empty). */
  private static void removeCreated(List<Path> created, Throwable failure) {
    for (int i = created.size() - 1; i >= 0; i--) {
      try {
        Files.deleteIfExists(created.get(i));
      } catch (DirectoryNotEmptyException inUse) {
        return; // something was put there meanwhile (or the copy landed): keep it
      } catch (IOException e) {
        failure.addSuppressed(e);
        return;
      }
    }
  }

  private static void copyAcross(Path src, Path realDst, Path dst, Durability durability) throws IOException {
    WriteOptions options = WriteOptions.builder().durability(durability).symlinks(SymlinkPolicy.REPLACE_LINK).build();
    PendingFile file = PendingFile.openCopyOf(realDst, options, src);
    try {
      file.commit();
    } catch (Throwable t) {
      file.abort(t);
      throw t;
    }
    try {
      Files.delete(src);
      if (durability == Durability.FULL) {
        DirectorySync.sync(Directories.parentOf(src));
      }
    } catch (IOException e) {
      throw new FileSystemException(src.toString(), dst.toString(),
          "copied to the destination (which now holds the content), but removing the source failed: " + e);
    }
  }

  /**
   * Writes many files with one group commit, at full durability: see
   * {@link #atomicWriteAll(Map, WriteOptions)}.
   */
  public static void atomicWriteAll(Map<Path, byte[]> files) throws IOException {
    atomicWriteAll(files, WriteOptions.defaults());
  }

  /**
   * Writes each entry of {@code files} (target to its new content), each file atomically as
   * {@link AtomicFileOutputStream} would, but much faster than one write after another: the files'
   * data syncs are issued together, in parallel, and each directory is synced once at the end. When
   * the call returns, every file holds its new content as durably as {@code options} ask: at
   * {@link Durability#FULL}, the same guarantee as separate full writes. The renames happen in the
   * map's iteration order (use a {@link java.util.LinkedHashMap} to choose it).
   *
   * <p>Each file is atomic, the batch is not: a power cut during the call can keep any subset of the
   * files' new versions (each one old or new, never torn); readers may see some files new and others
   * still old while the call runs.
   *
   * @param files targets and their contents; an empty map does nothing
   * @param options as for a single write (durability, temp directory, permissions, symlinks,
   *     no-clobber), applied to every file
   * @throws NullPointerException if the map, a target or a content is null
   * @throws IllegalArgumentException if a path is empty or names no file, or two entries name the same
   *     file (also through {@code ..} or a followed link); nothing on disk changes
   * @throws PartiallyCommittedException if the batch failed after some files were renamed onto their
   *     targets: it lists which are committed (synced as the options ask) and which are untouched; no
   *     temp file is left
   * @throws CommittedNotDurableException if every file is committed but a directory sync failed; its
   *     {@link CommittedNotDurableException#target()} is that directory
   * @throws java.io.InterruptedIOException if interrupted before any file was committed (the interrupt
   *     is kept); nothing changed
   * @throws IOException any other failure before the first rename: no target changed and no temp is
   *     left (missing parent directories may have been created)
   */
  public static void atomicWriteAll(Map<Path, byte[]> files, WriteOptions options) throws IOException {
    GroupCommit.writeAll(files, options, GroupCommit.DEFAULT_PARALLELISM);
  }

  /**
   * A fresh temp path in {@code dir} named {@code .tmp-{microseconds}-{8 chars a-z0-9}.tmp}. Creates
   * {@code dir} but not the file.
   */
  public static Path safeTempFile(Path dir) throws IOException {
    return safeTempFile(dir, TempNames.WRITER_PREFIX);
  }

  /**
   * A fresh temp path in {@code dir} named {@code .{prefix}-{microseconds}-{8 chars a-z0-9}.tmp}.
   * Creates {@code dir} but not the file. The name is unique in practice, not guaranteed: create the
   * file with {@link java.nio.file.StandardOpenOption#CREATE_NEW}.
   *
   * @throws IllegalArgumentException if the prefix is empty or holds a separator or NUL
   */
  public static Path safeTempFile(Path dir, String prefix) throws IOException {
    PathArguments.check(dir, "dir");
    Objects.requireNonNull(prefix, "prefix");
    TempNames.checkPrefix(prefix);
    SafeFiles.Resolved real = SafeFiles.resolveDirectory(dir, "dir");
    if (!real.metadata().exists()) {
      Directories.createMissing(real.path());
    }
    Path p;
    do {
      p = dir.resolve(TempNames.next(prefix));
    } while (Files.exists(p, LinkOption.NOFOLLOW_LINKS));
    return p;
  }

  /** Removes orphaned temp files older than 24 hours; see {@link #cleanupOrphanedTempFiles(Path, Duration)}. */
  public static int cleanupOrphanedTempFiles(Path dir) throws IOException {
    return cleanupOrphanedTempFiles(dir, Duration.ofHours(24));
  }

  /**
   * Removes the {@code .tmp-*} regular files directly in {@code dir} whose last modification is
   * strictly older than {@code age}, except those of live writers: a writer's temp in this JVM is
   * never touched, and one in another process is recognised by the OS lock its writer holds.
   * Links and directories are never followed or removed. The listing is streamed.
   *
   * <p>Also removes, under the same rules, the private {@code .tmp-*} directories ({@code 0700}) that a
   * writer makes for a moment while it prepares a replace (see "What a replace keeps" in the README),
   * left by a writer that died meanwhile: with the regular files and links directly in them, never
   * following anything.
   *
   * @param dir the directory; a missing one gives 0
   * @param age the minimum age, {@link Duration#ZERO} for every orphan
   * @return how many files (and private directories) were removed
   * @throws java.nio.file.NotDirectoryException if {@code dir} is not a directory
   */
  public static int cleanupOrphanedTempFiles(Path dir, Duration age) throws IOException {
    return cleanupOrphanedTempFiles(dir, age, p -> { });
  }

  /**
   * As {@link #cleanupOrphanedTempFiles(Path, Duration)}, telling {@code onRemoved} of each file
   * removed.
   */
  public static int cleanupOrphanedTempFiles(Path dir, Duration age, Consumer<? super Path> onRemoved)
      throws IOException {
    return sweep(dir, age, false, onRemoved);
  }

  /**
   * Lists what {@link #cleanupOrphanedTempFiles(Path, Duration)} would remove now, removing nothing.
   *
   * @return the count, each also given to {@code onFound}
   */
  public static int findOrphanedTempFiles(Path dir, Duration age, Consumer<? super Path> onFound) throws IOException {
    return sweep(dir, age, true, onFound);
  }

  private static int sweep(Path dir, Duration age, boolean dryRun, Consumer<? super Path> onRemoved)
      throws IOException {
    // a Flight Recorder event (Jfr): null unless a recording takes sweeps
    Object event = Jfr.beginSweep();
    Sweeper.Tally tally = new Sweeper.Tally();
    int removed = 0;
    String outcome = "failed";
    try {
      // temps, then the private directories of writers that died while preparing a replace
      removed = Sweeper.sweep(dir, age, dryRun, onRemoved, tally);
      removed += PrivateDirs.sweep(dir, age, dryRun, onRemoved, tally);
      outcome = "done";
      return removed;
    } finally {
      if (event != null) {
        Jfr.endSweep(event, dir, age, dryRun, tally, removed, outcome);
      }
    }
  }

  /**
   * Tells whether {@code path} is an existing regular file (links followed, under the link rule of
   * {@link UnsafeLinkException}) whose bytes are valid UTF-8. Streams the file in constant memory. A
   * FIFO, device or socket is not valid and is never opened, so the call cannot hang on one. Never
   * throws on I/O: an unreadable file is not valid.
   *
   * @throws IllegalArgumentException if the path is empty
   */
  public static boolean validateAtomicWrite(Path path) {
    PathArguments.check(path, "path");
    return Utf8Validator.isValid(path);
  }
}
