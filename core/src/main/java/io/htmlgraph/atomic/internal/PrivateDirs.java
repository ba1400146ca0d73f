package io.htmlgraph.atomic.internal;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Directories only this process's user can enter ({@code 0700}), made beside temps for the moments
 * when a file must not be reachable by anyone else (see {@link PendingFile}). Writers of this JVM that
 * need one in the same directory at the same time share it (a group commit stages hundreds of files at
 * once; {@code mkdir} and {@code rmdir} cost about 80 us each on a disk mounted with {@code discard});
 * the last to leave removes it. Each user names its files in it with fresh random names.
 *
 * <p>They are named like temps ({@code .tmp-*.tmp}) and hold a locked file {@value #MARK} while in
 * use: the same proof of life as a writer's temp. A process killed while one exists leaves it behind
 * (empty, or with a partial copy, as private as it was); {@link #sweep} removes it once it is older
 * than the sweep's age and its mark is not locked, as {@code cleanupOrphanedTempFiles} does for temps.
 */
public final class PrivateDirs {
  /** The proof-of-life file in a private directory: locked by its maker while it is in use. */
  static final String MARK = "live";

  private static final int MAX_NAME_ATTEMPTS = 100;
  private static final FileAttribute<?> OWNER_ONLY = PosixFilePermissions.asFileAttribute(EnumSet.of(
      PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE));

  private static final class Entry {
    final Path path;
    final FileChannel mark;
    int users = 1;

    Entry(Path path, FileChannel mark) {
      this.path = path;
      this.mark = mark;
    }
  }

  private static final Map<Path, Entry> DIRS = new HashMap<>(); // by the directory they are in

  private PrivateDirs() {}

  /** @return a private directory in {@code dir}; give it back with {@link #release} */
  static Path acquire(Path dir) throws IOException {
    Path key = dir.toAbsolutePath();
    synchronized (DIRS) {
      Entry e = DIRS.get(key);
      if (e != null) {
        e.users++;
        return e.path;
      }
    }
    Entry made = create(dir); // outside the lock: a mkdir can take a while
    synchronized (DIRS) {
      Entry e = DIRS.get(key);
      if (e == null) {
        DIRS.put(key, made);
        return made.path;
      }
      e.users++;
    }
    // another writer made one meanwhile: use it, drop ours
    remove(made);
    return acquire(dir);
  }

  /** Gives {@code priv} back; the last user removes it. */
  static void release(Path dir, Path priv) {
    Path key = dir.toAbsolutePath();
    Entry e;
    synchronized (DIRS) {
      e = DIRS.get(key);
      if (e == null || !e.path.equals(priv)) {
        return;
      }
      if (--e.users > 0) {
        return;
      }
      DIRS.remove(key);
    }
    remove(e);
  }

  private static Entry create(Path dir) throws IOException {
    for (int attempt = 1; ; attempt++) {
      // the name is claimed before the mkdir, so that a sweep in this JVM never takes it (see LiveTemps)
      Path p = dir.resolve(TempNames.next(TempNames.WRITER_PREFIX));
      if (!LiveTemps.register(p)) {
        continue;
      }
      try {
        Files.createDirectory(p, OWNER_ONLY);
      } catch (FileAlreadyExistsException taken) {
        LiveTemps.unregister(p);
        if (attempt >= MAX_NAME_ATTEMPTS) {
          throw taken;
        }
        continue;
      } catch (IOException | RuntimeException | Error e) {
        LiveTemps.unregister(p);
        throw e;
      }
      FileChannel mark = null;
      try {
        mark = FileChannel.open(p.resolve(MARK), StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
            StandardOpenOption.WRITE);
        FileLock lock = tryLock(mark);
        // a sweep in another process (age zero) may have taken it between the mkdir and the lock
        if (lock != null && Files.exists(p.resolve(MARK), LinkOption.NOFOLLOW_LINKS)) {
          return new Entry(p, mark);
        }
      } catch (NoSuchFileException swept) {
        // the directory went before its mark was made: draw another name
      } catch (IOException | RuntimeException | Error e) {
        remove(new Entry(p, mark));
        throw e;
      }
      remove(new Entry(p, mark));
      if (attempt >= MAX_NAME_ATTEMPTS) {
        throw new IOException("no private directory could be kept in " + dir
            + " (each was taken by a sweep of orphaned temps before it was locked)");
      }
    }
  }

  private static FileLock tryLock(FileChannel ch) throws IOException {
    try {
      return ch.tryLock();
    } catch (OverlappingFileLockException impossible) {
      return null;
    } catch (UnsupportedOperationException | IOException noLocks) {
      // a file system without locks: the age of the directory is then its only protection, as for temps
      Log.get().log(Level.DEBUG, "no lock on {0}: {1}", ch, noLocks.toString());
      return null;
    }
  }

  private static void remove(Entry e) {
    try {
      Files.deleteIfExists(e.path.resolve(MARK));
      if (e.mark != null) {
        e.mark.close();
      }
      Files.deleteIfExists(e.path);
    } catch (IOException x) {
      Log.get().log(Level.WARNING, "removing the private directory {0} failed: {1}", e.path, x.toString());
    } finally {
      LiveTemps.unregister(e.path);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Sweeping those of dead processes

  /**
   * Removes the private directories in {@code dir} left by processes that died while copying: a
   * {@code .tmp-*} directory owned by this process's user (any, for root), accessible to its owner
   * only, last modified strictly more than {@code age} ago, not in use in this JVM, whose mark is not
   * locked by a live process. Only the regular files and links directly in it are removed (never
   * followed), then the directory; anything else in it means it is not one of ours, and it stays.
   *
   * @return how many were removed (or would be, with {@code dryRun})
   */
  public static int sweep(Path dir, Duration age, boolean dryRun, Consumer<? super Path> onRemoved)
      throws IOException {
    Instant cutoff;
    try {
      cutoff = Instant.now().minus(age);
    } catch (DateTimeException | ArithmeticException longAgo) {
      cutoff = Instant.MIN;
    }
    List<Path> candidates = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, ".tmp-*")) {
      for (Path p : entries) {
        candidates.add(p);
      }
    } catch (NoSuchFileException | NotDirectoryException absent) {
      return 0;
    }
    int removed = 0;
    for (Path p : candidates) {
      Object claim = LiveTemps.claimForSweep(p);
      if (claim == null) {
        continue; // a writer of this JVM has it
      }
      try {
        if (removeIfOrphaned(p, cutoff, dryRun)) {
          removed++;
          onRemoved.accept(p);
        }
      } finally {
        LiveTemps.releaseSweep(p, claim);
      }
    }
    return removed;
  }

  /**
   * Removes {@code p} if it is an orphaned private directory (see {@link #sweep}). Call it with
   * {@code p}'s name claimed for the sweep ({@link LiveTemps#claimForSweep}): no writer of this JVM
   * has one of that name meanwhile.
   *
   * @return whether it was one, and was removed (or would be, with {@code dryRun})
   */
  public static boolean removeIfOrphaned(Path p, Instant cutoff, boolean dryRun) throws IOException {
    FileMetadata m = FileMetadata.read(p);
    if (!mayBeOrphaned(m, cutoff)) {
      return false;
    }
    Path parent = Directories.parentOf(p);
    try (DirectoryStream<Path> up = Files.newDirectoryStream(parent)) {
      if (!(up instanceof SecureDirectoryStream<Path> parentDir)) {
        return false; // no directory-relative operations here: never remove files by path (see below)
      }
      // The directory's owner may rename it between any two of these calls and put a link to another
      // directory in its place: everything below goes through a descriptor of the directory itself,
      // opened without following a link (openat O_NOFOLLOW), and checked to be the one just examined.
      Path name = p.getFileName();
      SecureDirectoryStream<Path> d;
      try {
        d = parentDir.newDirectoryStream(name, LinkOption.NOFOLLOW_LINKS);
      } catch (NoSuchFileException | NotDirectoryException | FileSystemLoopException swapped) {
        return false;
      } catch (FileSystemException swapped) {
        return false; // ELOOP: a link now stands there
      }
      try (d) {
        PosixFileAttributes opened = d.getFileAttributeView(PosixFileAttributeView.class).readAttributes();
        if (!opened.isDirectory() || !Objects.equals(opened.fileKey(), m.fileKey())) {
          return false; // replaced since the lstat
        }
        return removeContent(d, parentDir, name, dryRun);
      }
    } catch (NoSuchFileException | NotDirectoryException gone) {
      return false;
    }
  }

  /** What {@link #removeIfOrphaned} asks of the {@code lstat} of a candidate. */
  private static boolean mayBeOrphaned(FileMetadata m, Instant cutoff) {
    int me = SafeFiles.euid();
    return m.kind() == FileMetadata.Kind.DIRECTORY && m.uid() >= 0 && (m.uid() == me || me == 0)
        && (m.mode() & 07077) == 0 && m.lastModified().toInstant().isBefore(cutoff);
  }

  /** Removes the content of the private directory open as {@code d}, then the directory, if orphaned. */
  private static boolean removeContent(SecureDirectoryStream<Path> d, SecureDirectoryStream<Path> parentDir,
      Path name, boolean dryRun) throws IOException {
    Path mark = name.getFileSystem().getPath(MARK);
    FileChannel ch = null;
    try {
      try {
        // O_RDWR and the handle checked: a FIFO or link put there by the directory's owner cannot block
        // or redirect a sweep run by root
        ch = (FileChannel) d.newByteChannel(mark,
            Set.of(StandardOpenOption.READ, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS));
        try {
          ch.position();
        } catch (IOException notAFile) {
          return false;
        }
        FileLock lock;
        try {
          lock = ch.tryLock();
        } catch (OverlappingFileLockException held) {
          lock = null;
        }
        if (lock == null) {
          return false; // its maker is alive
        }
      } catch (NoSuchFileException noMark) {
        // its maker died between the mkdir and the mark, or is making the mark right now: only an empty
        // directory goes (rmdir fails on a mark made meanwhile). Never delete a mark not locked here:
        // a writer that has just locked it would lose its proof of life.
        if (dryRun) {
          return !d.iterator().hasNext();
        }
        return deleteDirectory(parentDir, name);
      } catch (FileSystemException notOurs) {
        return false; // ELOOP: a link at the mark's name
      }
      List<Path> inside = new ArrayList<>();
      for (Path e : d) {
        Path n = e.getFileName();
        BasicFileAttributes a = d.getFileAttributeView(n, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
            .readAttributes();
        if (a.isDirectory()) {
          return false; // not one of ours
        }
        inside.add(n);
      }
      if (!dryRun) {
        for (Path n : inside) {
          try {
            d.deleteFile(n); // unlinkat in this very directory
          } catch (NoSuchFileException gone) {
            // removed meanwhile
          }
        }
        return deleteDirectory(parentDir, name);
      }
      return true;
    } catch (DirectoryIteratorException e) {
      throw e.getCause();
    } finally {
      if (ch != null) {
        ch.close();
      }
    }
  }

  /** rmdir of {@code name} in {@code parentDir}: never follows a link, fails on a directory not empty. */
  private static boolean deleteDirectory(SecureDirectoryStream<Path> parentDir, Path name) throws IOException {
    try {
      parentDir.deleteDirectory(name);
      return true;
    } catch (NoSuchFileException | java.nio.file.DirectoryNotEmptyException | NotDirectoryException gone) {
      return false;
    }
  }
}
