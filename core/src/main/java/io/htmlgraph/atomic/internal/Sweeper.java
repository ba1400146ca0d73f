package io.htmlgraph.atomic.internal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Removes orphaned temp files: {@code .tmp-*} regular files directly in a directory, older than an
 * age, that no writer holds.
 *
 * <p>A writer in another process holds an OS lock on its temp; the sweep takes a shared lock before
 * deleting, and skips any temp whose lock it cannot get. A writer in this JVM owns its temp's name in
 * {@link LiveTemps}, and the sweep never opens a name it cannot claim there (opening and closing the
 * file would drop the writer's lock). The listing is streamed, so a directory of any size sweeps in
 * constant memory.
 *
 * <p>The names swept sit in a directory other users may write, so anything may be planted there or
 * swapped in between two steps. For each candidate, the sweep:
 *
 * <ol>
 *   <li>{@code lstat}s it (never following a link): only a regular file with one link, older than the
 *       age, goes on. A second link may be another name of a live temp or of a lock file of this
 *       JVM, whose locks a close would drop: such files are left alone.
 *   <li>claims its name in {@link LiveTemps} (without waiting: a claimed name is skipped).
 *   <li>opens it with {@code O_RDWR|O_NOFOLLOW}: never through a link (swapped in after the
 *       {@code lstat}), and never blocking (a read-only open of a FIFO waits for a writer; a read-write
 *       one does not, on Linux). A file it may not open for writing (a temp takes the mode of a
 *       read-only target, or belongs to another user) is left alone: without an open, the writer's
 *       lock cannot be tested, and a read-only open could block on a FIFO swapped in. A sweep as root
 *       (or by a user who may write the file) removes such temps.
 *   <li>checks the type on the handle: {@code lseek} fails on a FIFO, a socket or a terminal.
 *   <li>tries a shared lock: refused means a live writer in another process; the file is left.
 *   <li>{@code lstat}s the name again: it is removed only if it still names the file first looked at.
 * </ol>
 *
 * <p>It never waits for anything another user controls, and holds nothing that a writer or a lock
 * release of this JVM waits for. Limits: an open waits for a lease that another user holds on the
 * file to break ({@code fs.lease-break-time}, 45 s by default); a file system another user controls
 * (FUSE) can stall any call.
 */
public final class Sweeper {
  /** The name prefix of the temps a sweep considers. */
  public static final String PREFIX = ".tmp-";

  private Sweeper() {}

  /** What a sweep saw, for its Flight Recorder event ({@link Jfr}). Not thread-safe: one sweep. */
  public static final class Tally {
    /** Entries of the directory looked at. */
    long entries;
    /** Temps and private directories left alone because a live writer holds them. */
    long skippedLive;
  }

  /**
   * @param dir the directory (not descended into)
   * @param age only temps whose last modification is strictly older than this
   * @param dryRun report what would be removed, remove nothing
   * @param onRemoved told of each temp removed (or that would be)
   * @return the count removed (or that would be)
   */
  public static int sweep(Path dir, Duration age, boolean dryRun, Consumer<? super Path> onRemoved) throws IOException {
    return sweep(dir, age, dryRun, onRemoved, new Tally());
  }

  /** As {@link #sweep(Path, Duration, boolean, Consumer)}, counting into {@code tally}. */
  public static int sweep(Path dir, Duration age, boolean dryRun, Consumer<? super Path> onRemoved, Tally tally)
      throws IOException {
    PathArguments.check(dir, "dir");
    Objects.requireNonNull(age, "age");
    Objects.requireNonNull(onRemoved, "onRemoved");
    if (age.isNegative()) {
      throw new IllegalArgumentException("age must not be negative, was " + age);
    }
    SafeFiles.resolve(dir, true); // the link rule: never sweep where another user's link leads
    if (!Files.exists(dir)) {
      return 0;
    }
    if (!Files.isDirectory(dir)) {
      throw new NotDirectoryException(dir.toString());
    }
    FileTime cutoff = FileTime.from(Instant.now().minus(age));
    int removed = 0;
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path p : entries) {
        tally.entries++;
        Path name = p.getFileName();
        if (name == null || !name.toString().startsWith(PREFIX)) {
          continue;
        }
        Candidate c = Candidate.of(p);
        if (c == null || !c.regular || c.links > 1 || c.modified.compareTo(cutoff) >= 0) {
          continue;
        }
        if (removeIfOrphan(p, c, dryRun, tally)) {
          removed++;
          onRemoved.accept(p);
        }
      }
    } catch (DirectoryIteratorException e) {
      throw e.getCause();
    }
    return removed;
  }

  /** What one {@code lstat} says of a candidate. */
  private record Candidate(boolean regular, long links, FileTime modified, Object key) {
    /** @return its attributes, or null if it is gone */
    static Candidate of(Path p) throws IOException {
      try {
        Map<String, Object> a = Files.readAttributes(p, "unix:isRegularFile,nlink,lastModifiedTime,fileKey",
            LinkOption.NOFOLLOW_LINKS);
        return new Candidate((Boolean) a.get("isRegularFile"), ((Number) a.get("nlink")).longValue(),
            (FileTime) a.get("lastModifiedTime"), a.get("fileKey"));
      } catch (UnsupportedOperationException | IllegalArgumentException noUnixView) {
        BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        return new Candidate(a.isRegularFile(), 1, a.lastModifiedTime(), a.fileKey());
      } catch (NoSuchFileException gone) {
        return null;
      }
    }

    boolean sameFile(Candidate other) {
      return other != null && other.regular && Objects.equals(key, other.key);
    }
  }

  private static boolean removeIfOrphan(Path p, Candidate seen, boolean dryRun, Tally tally) throws IOException {
    Object claim = LiveTemps.claimForSweep(p);
    if (claim == null) {
      tally.skippedLive++;
      return false; // a live writer of this JVM owns the name
    }
    try {
      FileChannel ch;
      try {
        ch = FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
      } catch (NoSuchFileException | AccessDeniedException cannotTell) {
        return false;
      } catch (IOException e) {
        // a link or a directory swapped in (ELOOP, EISDIR): not a temp any more; else a real error
        if (!seen.sameFile(Candidate.of(p))) {
          return false;
        }
        throw e instanceof FileSystemException ? e : named(p, e);
      }
      try (ch) {
        try {
          ch.position(); // ESPIPE on a FIFO, socket or terminal swapped in since the lstat
        } catch (IOException notAFile) {
          return false;
        }
        FileLock lock;
        try {
          lock = ch.tryLock(0, Long.MAX_VALUE, true);
        } catch (OverlappingFileLockException heldHere) {
          tally.skippedLive++;
          return false;
        } catch (UnsupportedOperationException | IOException noLocks) {
          // no locks on this file system: the age is the only test, as in the original
          if (!seen.sameFile(Candidate.of(p))) {
            return false;
          }
          return dryRun || delete(p);
        }
        if (lock == null) {
          tally.skippedLive++;
          return false; // a live writer in another process
        }
        if (!seen.sameFile(Candidate.of(p))) {
          return false; // the name was given to another file meanwhile
        }
        return dryRun || delete(p);
      }
    } finally {
      LiveTemps.releaseSweep(p, claim);
    }
  }

  private static FileSystemException named(Path p, IOException e) {
    FileSystemException named = new FileSystemException(p.toString(), null, e.getMessage());
    named.initCause(e);
    return named;
  }

  private static boolean delete(Path p) throws IOException {
    try {
      Files.delete(p);
      return true;
    } catch (NoSuchFileException gone) {
      return false;
    }
  }
}
