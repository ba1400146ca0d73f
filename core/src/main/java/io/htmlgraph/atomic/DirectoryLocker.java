package io.htmlgraph.atomic;

import io.htmlgraph.atomic.internal.Holds;
import io.htmlgraph.atomic.internal.SafeFiles;
import io.htmlgraph.atomic.internal.LockFileState;
import io.htmlgraph.atomic.internal.LockFileTable;
import io.htmlgraph.atomic.internal.LockFiles;
import io.htmlgraph.atomic.internal.NetworkFileSystemTypes;
import io.htmlgraph.atomic.internal.OwnerRecords;
import io.htmlgraph.atomic.internal.Directories;
import io.htmlgraph.atomic.internal.PathArguments;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * A reader/writer lock on a directory, across threads and processes: {@link LockMode#EXCLUSIVE}
 * excludes every other holder, {@link LockMode#SHARED} admits other shared holders.
 *
 * <pre>{@code
 * DirectoryLocker locker = new DirectoryLocker(Path.of(".locks"));
 * try (DirectoryLock lock = locker.lockExclusive(Duration.ofSeconds(5))) {
 *   AtomicFileWriter.atomicWrite(Path.of("registry.json"), json);   // only one process here
 * }
 * // or with the original's methods, false on timeout:
 * if (locker.acquireSharedLock(Duration.ofSeconds(5))) {
 *   try { read(); } finally { locker.releaseLock(); }
 * }
 * }</pre>
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li><b>Owner.</b> The owner of a hold is the {@code DirectoryLocker} instance. Two instances on
 *       one directory exclude each other exactly as two processes do; threads that share one instance
 *       share its holds. For mutual exclusion between threads, give each its own instance.
 *   <li><b>Between processes</b> the lock is a kernel lock ({@code fcntl}, through
 *       {@link java.nio.channels.FileLock}) on the file {@code .lock} in the directory. The kernel
 *       frees it when the process dies, however it dies: no stale lock ever blocks. That includes
 *       {@code SIGKILL}: the lock is free at once, even if work the holder started goes on (a child
 *       process it spawned, a write another thread had handed to the kernel); a holder that must not
 *       be outlived by its work has to make that work die with it.
 *       {@code .lock} is never deleted: a waiter blocks on the file it opened, so if the file were
 *       deleted and recreated, a newcomer would lock the new file while someone holds the old one, and
 *       two "exclusive" holders would run together. Do not delete it, and never open it yourself:
 *       closing <em>any</em> channel to it in this JVM drops the JVM's lock (so do
 *       {@code Files.setLastModifiedTime} and other calls that open a file to change it). A locker
 *       whose {@code .lock} was deleted or replaced fails with {@link java.nio.file.FileSystemException}
 *       rather than lock a new file.
 *   <li><b>Other users.</b> {@code .lock} and {@code .lock.owner} sit in a directory that other users
 *       may write, so the library assumes anything can be planted there: it never opens either through
 *       a symbolic link (a link at {@code .lock} is refused, whatever it names), never opens a FIFO or
 *       another special file as {@code .lock}, never opens {@code .lock.owner} at all (see
 *       <b>Who holds it</b>), and no call waits for anything planted there beyond its timeout. A new
 *       {@code .lock} is readable only by those who may write it: whoever can open it can take a
 *       shared lock and keep exclusive holders out. Group and others get read-write access only
 *       where the umask allows it and where they could replace {@code .lock} anyway (they may write
 *       the directory, which is not sticky); so in {@code /tmp} or another sticky directory,
 *       {@code .lock} is its creator's alone. The library always opens {@code .lock} read-write, so
 *       this costs no user who could use the lock before. Users who share a lock need a common
 *       group-writable, non-sticky directory (setgid, with umask 002). An existing {@code .lock}
 *       keeps its mode. Anyone who may open {@code .lock} can hold the lock as long as he likes: each
 *       user of a shared lock can keep the others out (their timeouts bound the wait).
 *   <li><b>Timeouts</b> run on a monotonic clock. A timeout of zero or less tries once, without
 *       waiting for another holder. A waiter wakes within microseconds of the holder's release (it
 *       blocks in the kernel; nothing polls).
 *   <li><b>Reentrant, same mode.</b> Acquiring again while this instance holds the lock adds a hold
 *       at once (an exclusive holder may also "acquire" shared: the hold stays exclusive, as a writer of
 *       {@link java.util.concurrent.locks.ReentrantReadWriteLock} may take its read lock). Each
 *       successful acquisition needs one release. There is no upgrade: asking for exclusive while
 *       holding shared throws {@link IllegalStateException} (two upgraders would wait for each other
 *       forever).
 *   <li><b>Interrupts.</b> An interrupted thread does not acquire: a thread interrupted before or
 *       while it waits stops waiting at once, keeps its interrupt status, holds nothing, and gets
 *       {@code false} from the boolean methods or {@link InterruptedIOException} from the handle
 *       methods. An interrupt of a thread that holds the lock never releases it. (An interrupt
 *       during I/O on a {@link java.nio.channels.FileChannel} closes it, and closing any channel to
 *       the file drops the JVM's lock: so while anyone in the JVM holds the lock, no thread touches the
 *       lock file's channel at all. A waiter blocks in {@code fcntl} on its own thread only while the
 *       JVM holds nothing on the file, where an interrupt costs only the channel, which is reopened.)
 *   <li><b>Fairness.</b> In one JVM, once an exclusive request waits, new shared requests wait
 *       behind it, so a stream of readers cannot starve a writer. Between processes, {@code fcntl}
 *       grants in no promised order: a waiting process gets the lock when it is free at the moment it
 *       asks, and a busy reader in another process can keep a writer waiting until its timeout.
 *   <li><b>Who holds it.</b> Once a process has held the lock for 10 ms (shorter holds cost no file
 *       I/O) it writes its owner record: {@code .lock.owner}, a symbolic link whose text is the record
 *       ({@code ls -l} shows {@code .lock.owner -> 4242@build-7 exclusive 2026-11-25T18:00:00.123Z}).
 *       A link is made under a fresh name and renamed over whatever is at {@code .lock.owner}, which
 *       is replaced, never written through; it is read with {@code readlink}, which never blocks. The
 *       release removes it. {@link #owner()} reads it. It is advice for people and messages, never
 *       used for exclusion; where the file system has no symbolic links there is none.
 *   <li><b>Network file systems</b> (NFS, SMB/CIFS, sshfs, 9p, ...): kernel locks there may not
 *       exclude other hosts. The constructor logs a warning once per directory, or refuses the
 *       directory with {@link LockOptions.NetworkFileSystems#REFUSE}.
 *   <li><b>Child processes</b> do not inherit the lock: a child started with {@link ProcessBuilder}
 *       holds nothing, and the lock stays with this JVM until it is released or the JVM exits.
 *   <li><b>Resources.</b> One daemon thread serves every lock file of the JVM (deadlines of waits,
 *       owner records). A lock file in use holds one file descriptor; a few unused ones (at most 8,
 *       for at most 2 s) keep theirs, so that a loop locking one directory does not reopen it.
 *       Directories locked once and left hold nothing.
 * </ul>
 */
public final class DirectoryLocker implements Locker {
  /** The wait of {@link #acquireExclusiveLock()} and {@link #acquireSharedLock()}, as in the original. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
  /** The name of the lock file in the directory. Never delete it. */
  public static final String LOCK_FILE = ".lock";
  /** A kernel lock held stays held: a hold is added to it without a check. */
  private static final Holds.Reentry<LockFileState> NO_CHECK = (held, mode) -> { };

  private final Path lockDir;
  private final Path lockFile;
  private final Object key;

  /** This instance's holds: counted, no upgrade, a generation per grant of the lock file. */
  private final Holds<LockFileState> holds;

  /**
   * A locker for {@code lockDir}, warning once if it is on a network file system.
   *
   * @param lockDir the directory to lock; created with its parents if missing
   * @throws NotDirectoryException if {@code lockDir} (or an ancestor) exists and is not a directory
   * @throws IOException if the directory or its {@code .lock} file cannot be created
   * @throws IllegalArgumentException if the path is empty
   */
  public DirectoryLocker(Path lockDir) throws IOException {
    this(lockDir, LockOptions.defaults());
  }

  /**
   * A locker for {@code lockDir}, with options.
   *
   * @param lockDir the directory to lock; created with its parents if missing
   * @param options what to do on a network file system
   * @throws NetworkFileSystemException if the directory is on a network file system and the options
   *     refuse that; nothing is created then
   * @throws NotDirectoryException if {@code lockDir} (or an ancestor) exists and is not a directory
   * @throws IOException if the directory or its {@code .lock} file cannot be created
   * @throws IllegalArgumentException if the path is empty
   */
  public DirectoryLocker(Path lockDir, LockOptions options) throws IOException {
    PathArguments.check(lockDir, "lockDir");
    Objects.requireNonNull(options, "options");
    checkNearestExisting(lockDir, options);
    // the link rule (the kernel's protected_symlinks) on every link of the path, before anything is
    // created: a link another user planted in a sticky directory must not make this process create or
    // lock files elsewhere
    SafeFiles.resolve(lockDir, true);
    Directories.createMissing(lockDir);
    if (!Files.isDirectory(lockDir)) {
      throw new NotDirectoryException(lockDir.toString());
    }
    this.lockDir = lockDir;
    this.lockFile = lockDir.resolve(LOCK_FILE);
    this.key = LockFiles.createOrCheck(lockFile);
    this.holds = new Holds<>("directory", lockDir.toString());
  }

  /** Checks, before anything is created, that the directory can be made and is not refused. */
  private static void checkNearestExisting(Path lockDir, LockOptions options) throws IOException {
    Path existing = lockDir.toAbsolutePath();
    while (existing != null && !Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
      existing = existing.getParent();
    }
    if (existing == null) {
      return;
    }
    if (!Files.isDirectory(existing)) {
      throw new NotDirectoryException(existing.toString());
    }
    String type = NetworkFileSystemTypes.typeOf(existing);
    if (type == null) {
      if (options.networkFileSystems() == LockOptions.NetworkFileSystems.REFUSE) {
        throw new FileSystemException(existing.toString(), null,
            "cannot tell whether it is on a network file system (the mount table could not be read);"
                + " refused, as LockOptions.NetworkFileSystems.REFUSE asks");
      }
      return;
    }
    if (!NetworkFileSystemTypes.isNetwork(type)) {
      return;
    }
    if (options.networkFileSystems() == LockOptions.NetworkFileSystems.REFUSE) {
      throw new NetworkFileSystemException(lockDir.toString(), type);
    }
    NetworkFileSystemTypes.warnOnce(lockDir, type);
  }

  /** @return the locked directory, as given */
  public Path lockDir() {
    return lockDir;
  }

  /** @return the lock file, {@code lockDir/.lock} (never delete it, never open it) */
  public Path lockFile() {
    return lockFile;
  }

  /**
   * Waits up to 5 seconds for the exclusive lock.
   *
   * @return whether this instance now holds it; false on timeout or interrupt (the interrupt status
   *     is kept)
   * @throws IllegalStateException if this instance holds the shared lock (no upgrade)
   * @throws UncheckedIOException if the lock file cannot be locked for a reason other than contention
   */
  public boolean acquireExclusiveLock() {
    return acquireExclusiveLock(DEFAULT_TIMEOUT);
  }

  /**
   * Waits up to {@code timeout} for the exclusive lock; zero or less tries once.
   *
   * @return whether this instance now holds it; false on timeout or interrupt (the interrupt status
   *     is kept)
   * @throws IllegalStateException if this instance holds the shared lock (no upgrade)
   * @throws UncheckedIOException if the lock file cannot be locked for a reason other than contention
   */
  public boolean acquireExclusiveLock(Duration timeout) {
    return acquireQuietly(LockMode.EXCLUSIVE, timeout);
  }

  /**
   * Waits up to 5 seconds for the shared lock.
   *
   * @return whether this instance now holds it; false on timeout or interrupt (status kept)
   * @throws UncheckedIOException if the lock file cannot be locked for a reason other than contention
   */
  public boolean acquireSharedLock() {
    return acquireSharedLock(DEFAULT_TIMEOUT);
  }

  /**
   * Waits up to {@code timeout} for the shared lock; zero or less tries once. If this instance holds
   * the exclusive lock, adds a hold of it.
   *
   * @return whether this instance now holds it; false on timeout or interrupt (status kept)
   * @throws UncheckedIOException if the lock file cannot be locked for a reason other than contention
   */
  public boolean acquireSharedLock(Duration timeout) {
    return acquireQuietly(LockMode.SHARED, timeout);
  }

  /**
   * Gives back one hold of this instance; the lock is released when the last hold is. Safe when
   * nothing is held (does nothing). When it returns after the last hold, other processes can get the
   * lock. Never interrupted: a pending interrupt stays pending.
   */
  public void releaseLock() {
    release(-1);
  }

  /**
   * Waits up to {@code timeout} for the exclusive lock.
   *
   * @return the hold; {@link DirectoryLock#close()} releases it
   * @throws LockTimeoutException if the lock was not obtained in time; names the holder if known
   * @throws InterruptedIOException if the thread was interrupted before or while waiting (status kept;
   *     nothing held)
   * @throws IllegalStateException if this instance holds the shared lock (no upgrade)
   * @throws IOException if the lock file cannot be locked for a reason other than contention
   */
  @Override
  public DirectoryLock lockExclusive(Duration timeout) throws IOException {
    return lock(LockMode.EXCLUSIVE, timeout);
  }

  /**
   * Waits up to {@code timeout} for the shared lock.
   *
   * @return the hold; {@link DirectoryLock#close()} releases it
   * @throws LockTimeoutException if the lock was not obtained in time; names the holder if known
   * @throws InterruptedIOException if the thread was interrupted before or while waiting (status kept)
   * @throws IOException if the lock file cannot be locked for a reason other than contention
   */
  @Override
  public DirectoryLock lockShared(Duration timeout) throws IOException {
    return lock(LockMode.SHARED, timeout);
  }

  /**
   * The holder as its owner record names it: this JVM's hold if a locker in this JVM holds the lock,
   * else what {@code .lock.owner} says. Advice only (the holder may be gone a moment later); a record
   * left by a process of this host that no longer runs is ignored. Never touches {@code .lock}, never
   * opens {@code .lock.owner} (it reads the link with {@code readlink}): it never blocks, whatever is
   * there. Anything there that is not a record (a file, a FIFO, a directory, a link whose text is not
   * a record) is no record.
   *
   * @return the holder, or empty if none is known
   * @throws IOException if the name cannot be looked up (the directory is not searchable, say)
   */
  @Override
  public Optional<LockOwner> owner() throws IOException {
    LockFileState lf = LockFileTable.peek(key);
    if (lf != null) {
      Optional<LockOwner> mine = lf.heldRecord();
      if (mine.isPresent()) {
        return mine;
      }
    }
    // a record naming this process, which does not hold the lock, is left over from an earlier hold
    return OwnerRecords.read(OwnerRecords.recordOf(lockFile))
        .filter(o -> !OwnerRecords.isDeadHolder(o))
        .filter(o -> !(o.pid() == OwnerRecords.pid() && o.host().equals(OwnerRecords.host())));
  }

  /** @return the mode this instance holds, if it holds the lock */
  public Optional<LockMode> heldMode() {
    return holds.mode();
  }

  @Override
  public String toString() {
    return "DirectoryLocker[" + lockDir + "]";
  }

  // ---------------------------------------------------------------------------------------------

  private boolean acquireQuietly(LockMode mode, Duration timeout) {
    try {
      return holds.acquire(mode, timeout, NO_CHECK, this::grant) >= 0;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private DirectoryLock lock(LockMode mode, Duration timeout) throws IOException {
    long gen = holds.hold(mode, timeout, NO_CHECK, this::grant, this::owner,
        holder -> new LockTimeoutException(lockDir, mode, timeout, holder));
    return new DirectoryLock(this, mode, gen);
  }

  /** The first hold of this instance: the JVM's lock on the file, shared with its other lockers. */
  private LockFileState grant(LockMode mode, long deadline, boolean tryOnce) throws IOException, InterruptedException {
    LockFileState lf = LockFileTable.retain(key, lockFile);
    boolean granted = false;
    try {
      granted = lf.acquire(lockFile, mode, deadline, tryOnce);
    } finally {
      if (!granted) {
        LockFileTable.release(lf);
      }
    }
    return granted ? lf : null;
  }

  /**
   * Gives back one hold.
   *
   * @param gen the generation the hold belongs to, or -1 for "the current one"
   * @return whether a hold was given back
   */
  boolean release(long gen) {
    return holds.release(gen, (lf, mode) -> {
      try {
        lf.release(mode);
      } finally {
        LockFileTable.release(lf);
      }
    });
  }

  /** @return whether this instance still holds the hold of generation {@code gen} */
  boolean holds(long gen) {
    return holds.current(gen) != null;
  }
}
