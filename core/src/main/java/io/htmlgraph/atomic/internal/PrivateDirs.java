package io.htmlgraph.atomic.internal;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AtomicMoveNotSupportedException;
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
import java.nio.file.StandardCopyOption;
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
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * Directories only this process's user can enter ({@code 0700}), where a replace makes the copy of
 * the old file that becomes its temp (see {@link PendingFile}), out of reach of other users while the
 * JDK sets the copy's ACL. Each user names its files in one with fresh random names, so the writers of
 * a JVM share them.
 *
 * <p>A private directory for a target directory is made <em>in</em> that directory, so that it
 * inherits what a new file there would (the directory's default ACL, an SELinux label), and the copy
 * made inside inherits the same. Then, where {@code java.io.tmpdir} is on the same file system (and
 * mount), it is renamed there and <em>parked</em>: kept, and reused by every replace of this JVM in
 * that directory, until it has been unused for {@link #LINGER_NANOS}, or the JVM exits. A {@code mkdir}
 * and {@code rmdir} pair costs about 80 us on a disk mounted with {@code discard}, more than the rest
 * of a small replace; a parked directory costs one cross-directory {@code rename(2)} of the copy
 * instead. The target's directory shows no entry of it once the write returns. Parking needs a
 * {@code java.io.tmpdir} where no other user can rename a directory of this user (sticky, as
 * {@code /tmp} is, or not writable by others); else, and on other file systems, the directory stays
 * beside the temp and the last concurrent writer removes it when it is done (as every write did before).
 *
 * <p>They are named like temps ({@code .tmp-*.tmp}; parked ones {@code .tmp-htmlgraph-atomic-*.tmp})
 * and hold a locked file {@value #MARK} while in use: the same proof of life as a writer's temp. A
 * process killed while one exists leaves it behind (empty, or with a partial copy, as private as it
 * was); {@link #sweep} removes it once it is older than the sweep's age and its mark is not locked, as
 * {@code cleanupOrphanedTempFiles} does for temps. Parked ones left by dead processes are swept from
 * {@code java.io.tmpdir} by the next JVM that parks one (on its own thread, once, whatever their age:
 * see {@link Reaper#sweepParked}).
 *
 * <p>No lock of the JVM is taken on the write path: entries are found in a concurrent map by the
 * directory's device and inode, and counted with atomic counters.
 */
public final class PrivateDirs {
  /** The proof-of-life file in a private directory: locked by its maker while it is in use. */
  static final String MARK = "live";
  /** A parked directory unused for this long is removed. */
  static final long LINGER_NANOS = TimeUnit.SECONDS.toNanos(5);
  /** At most this many parked directories (one open file each). */
  static final int MAX_PARKED = 64;
  /** The name prefix of parked directories (without the leading dot). */
  static final String PARKED_PREFIX = "tmp-htmlgraph-atomic";

  private static final int MAX_NAME_ATTEMPTS = 100;
  private static final FileAttribute<?> OWNER_ONLY = PosixFilePermissions.asFileAttribute(EnumSet.of(
      PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE));

  /** A private directory, and who uses it. */
  static final class Lease {
    final Object key;
    final Path path;
    final FileChannel mark;
    final boolean parked;
    /** Writers using it; -1 once it is being removed (no one may enter then). */
    final AtomicInteger users = new AtomicInteger(1);
    /** When it was last left (System.nanoTime). */
    volatile long idleSince;
    /** No longer parked (its renames failed, or it is retired): the last writer to leave removes it. */
    volatile boolean unparked;
    /** When it was made (System.nanoTime): it is reused for {@link #LINGER_NANOS} at most. */
    final long madeAt = System.nanoTime();

    Lease(Object key, Path path, FileChannel mark, boolean parked) {
      this.key = key;
      this.path = path;
      this.mark = mark;
      this.parked = parked;
    }

    /** @return the directory, to make files in */
    Path path() {
      return path;
    }

    /** @return whether it lies outside the target's directory (parked in {@code java.io.tmpdir}) */
    boolean parked() {
      return parked;
    }

    boolean enter() {
      while (true) {
        int u = users.get();
        if (u < 0) {
          return false;
        }
        if (users.compareAndSet(u, u + 1)) {
          return true;
        }
      }
    }

    /** Gives it back; the last writer to leave a directory that is not parked removes it. */
    void release() {
      if (parked && !unparked) {
        idleSince = System.nanoTime(); // before the count: the reaper that sees 0 sees this
        users.decrementAndGet();
        return;
      }
      if (users.decrementAndGet() == 0 && users.compareAndSet(0, -1)) {
        DIRS.remove(key, this);
        remove(this);
      }
    }

    /**
     * Stops parking for its target directory: a rename out of it failed across mounts (a bind mount
     * made meanwhile). Call it while holding it. Writers that hold it finish; the last removes it; the
     * next make one beside their temps.
     */
    void unpark() {
      NOT_PARKABLE.add(key);
      unparked = true;
      DIRS.remove(key, this);
    }

    /**
     * Takes it out of reuse: it was made a while ago, and the target directory's default ACL or label,
     * which its copies inherit, may have changed since. Writers that hold it finish; the last (or this
     * call, when none does) removes it.
     */
    void retire() {
      unparked = true;
      DIRS.remove(key, this);
      if (users.compareAndSet(0, -1)) {
        remove(this);
      }
    }
  }

  /**
   * By the target's directory: its path and its identity (device and inode), so that a directory removed
   * and another made at another path with the same inode number (they are reused at once) never gets the
   * first one's private directory.
   */
  private static final ConcurrentHashMap<Object, Lease> DIRS = new ConcurrentHashMap<>();
  /** Target directories whose private directory cannot be parked (another mount). */
  private static final Set<Object> NOT_PARKABLE = ConcurrentHashMap.newKeySet();
  private static final AtomicInteger PARKED = new AtomicInteger();

  private PrivateDirs() {}

  /**
   * @param opsDir the path to make it in (the target's directory, or a short alias of it)
   * @param dirMeta what a stat of the target's directory says
   * @return a private directory for the target's directory; give it back with {@link Lease#release}
   */
  static Lease acquire(Path opsDir, FileMetadata dirMeta) throws IOException {
    Object key = java.util.Arrays.asList(opsDir.toAbsolutePath(), dirMeta.fileKey());
    while (true) {
      Lease e = DIRS.get(key);
      if (e != null && System.nanoTime() - e.madeAt > LINGER_NANOS) {
        e.retire();
        continue;
      }
      if (e != null) {
        if (e.enter()) {
          return e;
        }
        DIRS.remove(key, e); // being removed: make room
        continue;
      }
      Lease made = create(opsDir, key, dirMeta); // no lock held: a mkdir can take a while
      while (true) {
        Lease prev = DIRS.putIfAbsent(key, made);
        if (prev == null) {
          if (made.parked) {
            Reaper.parked();
          }
          return made;
        }
        // another writer made one meanwhile: use it if it is still open, drop ours
        if (prev.enter()) {
          made.users.set(-1);
          remove(made);
          return prev;
        }
        DIRS.remove(key, prev);
      }
    }
  }

  private static Lease create(Path dir, Object key, FileMetadata dirMeta) throws IOException {
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
          return park(new Lease(key, p, mark, false), dirMeta);
        }
      } catch (NoSuchFileException swept) {
        // the directory went before its mark was made: draw another name
      } catch (IOException | RuntimeException | Error e) {
        remove(new Lease(key, p, mark, false));
        throw e;
      }
      remove(new Lease(key, p, mark, false));
      if (attempt >= MAX_NAME_ATTEMPTS) {
        throw new IOException("no private directory could be kept in " + dir
            + " (each was taken by a sweep of orphaned temps before it was locked)");
      }
    }
  }

  /** Moves a fresh private directory to {@code java.io.tmpdir} if it can be parked; else gives it back. */
  private static Lease park(Lease fresh, FileMetadata dirMeta) {
    Parking at = Parking.PLACE;
    if (at == null || dirMeta.dev() != at.dev || dirMeta.dev() < 0 || fresh.key.equals(at.key)
        || NOT_PARKABLE.contains(fresh.key)) {
      return fresh;
    }
    if (PARKED.incrementAndGet() > MAX_PARKED) {
      PARKED.decrementAndGet();
      return fresh;
    }
    Path to = at.dir.resolve(TempNames.next(PARKED_PREFIX));
    boolean moved = false;
    if (LiveTemps.register(to)) {
      try {
        // rename(2): the name is fresh (microseconds and random characters); the mark stays locked
        Files.move(fresh.path, to, StandardCopyOption.ATOMIC_MOVE);
        moved = true;
      } catch (AtomicMoveNotSupportedException otherMount) {
        NOT_PARKABLE.add(fresh.key);
        if (NOT_PARKABLE.size() > 4096) {
          NOT_PARKABLE.clear(); // a bound; at worst a directory is tried again
        }
      } catch (IOException | RuntimeException e) {
        Log.get().log(Level.DEBUG, "private directory {0} not parked in {1}: {2}", fresh.path, at.dir, e.toString());
      } finally {
        if (!moved) {
          LiveTemps.unregister(to);
        }
      }
    }
    if (!moved) {
      PARKED.decrementAndGet();
      return fresh;
    }
    LiveTemps.unregister(fresh.path);
    return new Lease(fresh.key, to, fresh.mark, true);
  }

  /** Where private directories are parked: {@code java.io.tmpdir}, if fit for it, else none. */
  private static final class Parking {
    static final Parking PLACE = find();

    final Path dir;
    final long dev;
    final Object key;

    private Parking(Path dir, FileMetadata m) {
      this.dir = dir;
      this.dev = m.dev();
      this.key = m.fileKey();
    }

    private static Parking find() {
      try {
        String tmp = System.getProperty("java.io.tmpdir");
        if (tmp == null || tmp.isEmpty()) {
          return null;
        }
        Path dir = Path.of(tmp).toRealPath();
        FileMetadata m = FileMetadata.read(dir);
        // owned by this user or root; where others may write, only with the sticky bit (a
        // directory of this user there can then be renamed by no one else)
        int me = SafeFiles.euid();
        boolean othersMayRename = (m.uid() != me && m.uid() != 0)
            || ((m.mode() & 0022) != 0 && (m.mode() & 01000) == 0);
        if (m.kind() != FileMetadata.Kind.DIRECTORY || m.dev() < 0 || m.fileKey() == null || m.uid() < 0
            || othersMayRename) {
          return null;
        }
        return new Parking(dir, m);
      } catch (IOException | RuntimeException e) {
        return null;
      }
    }
  }

  /**
   * Removes parked directories unused for {@link #LINGER_NANOS}: a daemon thread that runs only while
   * some are parked (it ends when the last is removed, and the next to be parked starts another), so an
   * idle JVM has no thread for them. Also removes, at JVM exit, those unused at that moment.
   */
  private static final class Reaper {
    private static Thread thread; // guarded by Reaper.class
    private static boolean hooked; // guarded by Reaper.class
    private static boolean swept; // guarded by Reaper.class

    /** Called when a directory was parked: makes sure a reaper runs. */
    static synchronized void parked() {
      if (!hooked) {
        hooked = true;
        try {
          Runtime.getRuntime().addShutdownHook(new Thread(Reaper::removeAllIdle, "htmlgraph-atomic private directories at exit"));
        } catch (IllegalStateException | SecurityException exiting) {
          // already exiting: the directories are swept later
        }
      }
      if (thread == null) {
        Thread t = new Thread(Reaper::run, "htmlgraph-atomic private directories");
        t.setDaemon(true);
        thread = t;
        t.start();
      }
    }

    private static void run() {
      boolean sweep;
      synchronized (Reaper.class) {
        sweep = !swept;
        swept = true;
      }
      if (sweep) {
        sweepParked();
      }
      while (true) {
        long next = removeIdle(System.nanoTime());
        if (next < 0) {
          synchronized (Reaper.class) {
            // under the lock that parked() takes: a directory parked after this check starts a reaper
            if (PARKED.get() == 0) {
              thread = null;
              return;
            }
          }
          next = LINGER_NANOS;
        }
        LockSupport.parkNanos(next);
      }
    }

    /** @return nanoseconds until the next parked directory may be due, or -1 if none is parked */
    private static long removeIdle(long now) {
      long next = -1;
      for (Lease e : DIRS.values()) {
        if (!e.parked) {
          continue;
        }
        long due = e.users.get() == 0 ? e.idleSince + LINGER_NANOS - now : LINGER_NANOS;
        if (due <= 0 && e.users.compareAndSet(0, -1)) {
          DIRS.remove(e.key, e);
          remove(e);
          continue;
        }
        long wait = Math.max(due, TimeUnit.MILLISECONDS.toNanos(10));
        next = next < 0 ? wait : Math.min(next, wait);
      }
      return next;
    }

    private static void removeAllIdle() {
      for (Lease e : DIRS.values()) {
        if (e.users.compareAndSet(0, -1)) {
          DIRS.remove(e.key, e);
          remove(e);
        }
      }
    }

    /**
     * Sweeps the parked directories that dead processes left in {@code java.io.tmpdir}, whatever their
     * age: a directory of that name reaches {@code java.io.tmpdir} only by a rename made after its mark
     * was locked, so a mark no one holds means its JVM is gone (a JVM killed in a loop, as the torture
     * tests do, would otherwise leave one per run until a sweep of a day's age).
     */
    private static void sweepParked() {
      Parking at = Parking.PLACE;
      if (at == null) {
        return;
      }
      try {
        sweep(at.dir, "." + PARKED_PREFIX + "-*", Duration.ZERO, false, p -> { }, new Sweeper.Tally());
      } catch (IOException | RuntimeException e) {
        Log.get().log(Level.DEBUG, "sweeping parked private directories in {0} failed: {1}", at.dir, e.toString());
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

  private static void remove(Lease e) {
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
      if (e.parked) {
        PARKED.decrementAndGet();
      }
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
    return sweep(dir, age, dryRun, onRemoved, new Sweeper.Tally());
  }

  /** As {@link #sweep(Path, Duration, boolean, Consumer)}, counting the live ones into {@code tally}. */
  public static int sweep(Path dir, Duration age, boolean dryRun, Consumer<? super Path> onRemoved,
      Sweeper.Tally tally) throws IOException {
    return sweep(dir, ".tmp-*", age, dryRun, onRemoved, tally);
  }

  private static int sweep(Path dir, String glob, Duration age, boolean dryRun, Consumer<? super Path> onRemoved,
      Sweeper.Tally tally) throws IOException {
    return sweep(dir, glob, age, dryRun, onRemoved, tally, false);
  }

  /**
   * Removes every private directory a crashed transaction left in its staging directory, whatever
   * its mode: the staging directory belongs to the library and is only entered under the root's
   * exclusive lock, so a {@code .tmp-*} directory there is one of its own (a restored backup, or a
   * copy made without modes, may have lost {@code 0700}); its mark is still tested, and nothing is
   * followed through a link.
   *
   * @return the count removed
   */
  static int removeLeftoversOfStaging(Path staging) throws IOException {
    return sweep(staging, ".tmp-*", Duration.ZERO, false, p -> { }, new Sweeper.Tally(), true);
  }

  private static int sweep(Path dir, String glob, Duration age, boolean dryRun, Consumer<? super Path> onRemoved,
      Sweeper.Tally tally, boolean anyMode) throws IOException {
    Instant cutoff;
    try {
      cutoff = Instant.now().minus(age);
    } catch (DateTimeException | ArithmeticException longAgo) {
      cutoff = Instant.MIN;
    }
    List<Path> candidates = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, glob)) {
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
        if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
          tally.skippedLive++; // (a live temp file was counted by the sweep of temps)
        }
        continue; // a writer of this JVM has it
      }
      try {
        Outcome o = examine(p, cutoff, dryRun, anyMode);
        if (o == Outcome.REMOVED) {
          removed++;
          onRemoved.accept(p);
        } else if (o == Outcome.LIVE) {
          tally.skippedLive++;
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
    return examine(p, cutoff, dryRun, false) == Outcome.REMOVED;
  }

  private enum Outcome { REMOVED, LIVE, KEPT }

  private static Outcome examine(Path p, Instant cutoff, boolean dryRun, boolean anyMode) throws IOException {
    FileMetadata m = FileMetadata.read(p);
    if (!mayBeOrphaned(m, cutoff, anyMode)) {
      return Outcome.KEPT;
    }
    Path parent = Directories.parentOf(p);
    try (DirectoryStream<Path> up = Files.newDirectoryStream(parent)) {
      if (!(up instanceof SecureDirectoryStream<Path> parentDir)) {
        return Outcome.KEPT; // no directory-relative operations here: never remove files by path (see below)
      }
      // The directory's owner may rename it between any two of these calls and put a link to another
      // directory in its place: everything below goes through a descriptor of the directory itself,
      // opened without following a link (openat O_NOFOLLOW), and checked to be the one just examined.
      Path name = p.getFileName();
      SecureDirectoryStream<Path> d;
      try {
        d = parentDir.newDirectoryStream(name, LinkOption.NOFOLLOW_LINKS);
      } catch (NoSuchFileException | NotDirectoryException | FileSystemLoopException swapped) {
        return Outcome.KEPT;
      } catch (FileSystemException swapped) {
        return Outcome.KEPT; // ELOOP: a link now stands there
      }
      try (d) {
        PosixFileAttributes opened = d.getFileAttributeView(PosixFileAttributeView.class).readAttributes();
        if (!opened.isDirectory() || !Objects.equals(opened.fileKey(), m.fileKey())) {
          return Outcome.KEPT; // replaced since the lstat
        }
        return removeContent(d, parentDir, name, dryRun);
      }
    } catch (NoSuchFileException | NotDirectoryException gone) {
      return Outcome.KEPT;
    }
  }

  /** What {@link #removeIfOrphaned} asks of the {@code lstat} of a candidate. */
  private static boolean mayBeOrphaned(FileMetadata m, Instant cutoff, boolean anyMode) {
    int me = SafeFiles.euid();
    return m.kind() == FileMetadata.Kind.DIRECTORY && m.uid() >= 0 && (m.uid() == me || me == 0)
        && (anyMode || (m.mode() & 07077) == 0) && m.lastModified().toInstant().isBefore(cutoff);
  }

  /** Removes the content of the private directory open as {@code d}, then the directory, if orphaned. */
  private static Outcome removeContent(SecureDirectoryStream<Path> d, SecureDirectoryStream<Path> parentDir,
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
          return Outcome.KEPT;
        }
        FileLock lock;
        try {
          lock = ch.tryLock();
        } catch (OverlappingFileLockException held) {
          lock = null;
        }
        if (lock == null) {
          return Outcome.LIVE; // its maker is alive
        }
      } catch (NoSuchFileException noMark) {
        // its maker died between the mkdir and the mark, or is making the mark right now: only an empty
        // directory goes (rmdir fails on a mark made meanwhile). Never delete a mark not locked here:
        // a writer that has just locked it would lose its proof of life.
        if (dryRun) {
          return d.iterator().hasNext() ? Outcome.KEPT : Outcome.REMOVED;
        }
        return deleteDirectory(parentDir, name) ? Outcome.REMOVED : Outcome.KEPT;
      } catch (FileSystemException notOurs) {
        return Outcome.KEPT; // ELOOP: a link at the mark's name
      }
      List<Path> inside = new ArrayList<>();
      for (Path e : d) {
        Path n = e.getFileName();
        BasicFileAttributes a = d.getFileAttributeView(n, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
            .readAttributes();
        if (a.isDirectory()) {
          return Outcome.KEPT; // not one of ours
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
        return deleteDirectory(parentDir, name) ? Outcome.REMOVED : Outcome.KEPT;
      }
      return Outcome.REMOVED;
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
