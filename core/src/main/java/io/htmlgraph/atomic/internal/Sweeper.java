package io.htmlgraph.atomic.internal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
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
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Removes orphaned temp files: {@code .tmp-*} regular files directly in a directory, older than an
 * age, that no writer holds.
 *
 * <p>A writer in another process holds an OS lock on its temp; the sweep takes a shared lock before
 * deleting, and skips any temp whose lock it cannot get. A writer in this JVM is found in
 * {@link LiveTemps} and never opened (opening and closing it would drop the writer's lock). The listing
 * is streamed, so a directory of any size sweeps in constant memory.
 */
public final class Sweeper {
  /** The name prefix of the temps a sweep considers. */
  public static final String PREFIX = ".tmp-";

  private Sweeper() {}

  /**
   * @param dir the directory (not descended into)
   * @param age only temps whose last modification is strictly older than this
   * @param dryRun report what would be removed, remove nothing
   * @param onRemoved told of each temp removed (or that would be)
   * @return the count removed (or that would be)
   */
  public static int sweep(Path dir, Duration age, boolean dryRun, Consumer<? super Path> onRemoved) throws IOException {
    Paths2.check(dir, "dir");
    Objects.requireNonNull(age, "age");
    Objects.requireNonNull(onRemoved, "onRemoved");
    if (age.isNegative()) {
      throw new IllegalArgumentException("age must not be negative, was " + age);
    }
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
        Path name = p.getFileName();
        if (name == null || !name.toString().startsWith(PREFIX)) {
          continue;
        }
        BasicFileAttributes a;
        try {
          a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException gone) {
          continue;
        }
        if (!a.isRegularFile() || a.lastModifiedTime().compareTo(cutoff) >= 0) {
          continue;
        }
        if (removeIfOrphan(p, a.fileKey(), dryRun)) {
          removed++;
          onRemoved.accept(p);
        }
      }
    } catch (DirectoryIteratorException e) {
      throw e.getCause();
    }
    return removed;
  }

  private static boolean removeIfOrphan(Path p, Object fileKey, boolean dryRun) throws IOException {
    return LiveTemps.sweeping(() -> {
      if (LiveTemps.isLive(p, fileKey)) {
        return false;
      }
      FileChannel ch;
      try {
        ch = FileChannel.open(p, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
      } catch (NoSuchFileException | AccessDeniedException cannotTell) {
        return false;
      }
      try (ch) {
        FileLock lock;
        try {
          lock = ch.tryLock(0, Long.MAX_VALUE, true);
        } catch (OverlappingFileLockException heldHere) {
          return false;
        } catch (UnsupportedOperationException | IOException noLocks) {
          // no locks on this file system: the age is the only test, as in the original
          if (!dryRun) {
            return delete(p);
          }
          return true;
        }
        if (lock == null) {
          return false; // a live writer in another process
        }
        return dryRun || delete(p);
      }
    });
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
