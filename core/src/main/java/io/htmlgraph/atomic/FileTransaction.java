package io.htmlgraph.atomic;

import io.htmlgraph.atomic.internal.SafeFiles;
import io.htmlgraph.atomic.internal.DirectorySync;
import io.htmlgraph.atomic.internal.OwnerRecords;
import io.htmlgraph.atomic.internal.Directories;
import io.htmlgraph.atomic.internal.PathArguments;
import io.htmlgraph.atomic.internal.TransactionLog;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Several files under one root changed together: after any crash, and for every reader that goes
 * through {@link #read}, either every change of a commit or none of them, never a mix.
 *
 * <pre>{@code
 * try (FileTransaction tx = FileTransaction.begin(root)) {
 *   tx.write(Path.of("sessions/s-42.json"), sessionJson);
 *   tx.writeIf(Path.of("index.json"), indexVersion, newIndex);   // only if nobody changed it since
 *   tx.delete(Path.of("sessions/s-17.json"));
 *   tx.commit();                     // all or nothing; durable when it returns
 * }                                  // close() without commit(): nothing changes
 *
 * Index index = FileTransaction.read(root, r -> Index.parse(Files.readString(r.resolve("index.json"))));
 * }</pre>
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li><b>All or nothing.</b> When {@link #commit()} returns, every change is visible and survives a
 *       power cut. If the process dies or the power fails at any moment before, the next
 *       {@link #begin}, {@link #read} or {@link #recover} on the root leaves every change or none.
 *   <li><b>Isolation.</b> The locker's exclusive lock is held from {@code begin} to {@link #close()}:
 *       one transaction per root at a time, and readers that hold the shared lock of the same locker
 *       ({@link #read} does) never see a commit half done.
 *   <li><b>Conditional writes.</b> {@link #writeIf} is checked at commit, under the lock; a file at
 *       another version fails the whole commit with {@link VersionConflictException}, and nothing
 *       changes.
 *   <li><b>Metadata.</b> A replaced file keeps its mode, owner, group, POSIX ACL and xattrs; a new file gets
 *       what an ordinary creation gives under the umask; files in new directories get them created.
 *   <li><b>Scale.</b> Content is streamed to disk at each {@code write}; a transaction keeps a few
 *       hundred bytes per file in memory and no open descriptor, so 10,000 files are fine.
 * </ul>
 *
 * <h2>Paths</h2>
 * Files are given relative to the root, or absolute under it. A path that leads outside the root
 * ({@code ..}, or a symbolic link among its names that points out), names the same file as an earlier
 * change of the transaction, or names the staging directory {@code ROOT/.txn} or the lock's files
 * ({@code ROOT/.lock}, {@code ROOT/.lock.owner}) is refused with {@link IllegalArgumentException}
 * before anything is staged. Writing through a link inside the root writes the file it names and
 * keeps the link; deleting a link deletes the link.
 *
 * <h2>On disk</h2>
 * The root holds the lock file of the default locker ({@code .lock}) and the staging directory
 * {@code .txn/}, where content waits until the commit; {@code docs/transactions.md} describes the
 * protocol (an intent record that recovery rolls forward) and what a crash at each step leaves.
 *
 * <h2>Limits</h2>
 * <ul>
 *   <li>Readers that do not take the shared lock see the files change one by one during a commit.
 *   <li>One root is one file system: a directory below the root that is a mount point is refused.
 *   <li>Local file systems only: on NFS and other network file systems the locks and syncs this
 *       relies on may not hold between hosts.
 *   <li>Programs that write files under the root without the lock are not isolated from
 *       transactions; in particular recovery (after a crash, before the next {@code begin}) redoes
 *       the interrupted commit over whatever they wrote meanwhile.
 * </ul>
 *
 * <p>Not thread-safe: one thread stages and commits.
 */
public final class FileTransaction implements AutoCloseable {
  /** Rounds of "release shared, recover, retake" before {@link #read} gives up. */
  private static final int READ_ROUNDS = 3;

  private enum State { OPEN, COMMITTED, FAILED, CLOSED }

  private final Path root;
  private final HeldLock lock;
  private final TransactionLog log;
  private State state = State.OPEN;

  private FileTransaction(Path root, HeldLock lock, TransactionLog log) {
    this.root = root;
    this.lock = lock;
    this.log = log;
  }

  /**
   * Begins a transaction on {@code root}, taking the exclusive lock of {@code new DirectoryLocker(root)}
   * (waiting up to {@link DirectoryLocker#DEFAULT_TIMEOUT}), and finishing first a commit that a crash
   * interrupted.
   *
   * @param root the directory whose files the transaction changes (created if missing, durably)
   * @return the transaction, holding the lock until {@link #close()}
   * @throws LockTimeoutException if the lock was not obtained in time
   * @throws CommitIncompleteException if an interrupted commit was found and cannot be finished
   * @throws IOException if the root cannot be used
   */
  public static FileTransaction begin(Path root) throws IOException {
    checkRoot(root);
    createRoot(root); // before the locker, which would create it without syncing
    return begin(root, new DirectoryLocker(root), DirectoryLocker.DEFAULT_TIMEOUT);
  }

  /**
   * Begins a transaction on {@code root} under {@code locker}'s exclusive lock. Every process that
   * changes or reads the root's files transactionally must use the same lock: a
   * {@link DirectoryLocker} on the root (the default), or a lock of another {@link Locker} (a
   * {@code ZooKeeperLocker} across hosts), for which readers use
   * {@link #read(Path, Locker, Duration, IOFunction)}. The holds of a {@link DirectoryLocker} belong to
   * the instance: threads that share one instance share its lock and do not exclude each other, so give
   * each thread its own (as {@link #begin(Path)} does).
   *
   * @param root the directory whose files the transaction changes (created if missing, durably)
   * @param locker the lock that guards the root
   * @param timeout how long to wait for it
   * @return the transaction, holding the lock until {@link #close()}
   * @throws LockTimeoutException if the lock was not obtained in time
   * @throws CommitIncompleteException if an interrupted commit was found and cannot be finished
   * @throws IOException if the root cannot be used
   */
  public static FileTransaction begin(Path root, Locker locker, Duration timeout) throws IOException {
    checkRoot(root);
    Objects.requireNonNull(locker, "locker");
    Objects.requireNonNull(timeout, "timeout");
    createRoot(root);
    HeldLock lock = locker.lockExclusive(timeout);
    try {
      return new FileTransaction(root, lock, TransactionLog.open(root, lock, lockFiles(locker)));
    } catch (Throwable t) {
      lock.close();
      throw t;
    }
  }

  /**
   * Creates the missing directories of {@code root}, durably: a commit that returned must not be lost
   * with a root whose own entry a power cut undid. The parents of the directories created are synced,
   * deepest first.
   */
  /**
   * Checks the caller's root: not null or empty, and no link on its path that the link rule (the
   * kernel's protected_symlinks) forbids: a link another user planted in a sticky directory must not
   * make a transaction write elsewhere.
   */
  private static void checkRoot(Path root) throws IOException {
    PathArguments.check(root, "root");
    SafeFiles.resolve(root, true);
  }

  private static void createRoot(Path root) throws IOException {
    List<Path> created = Directories.createMissing(root);
    if (!Files.isDirectory(root)) {
      throw new NotDirectoryException(root.toString());
    }
    for (Path dir : Directories.parentsOf(created)) {
      DirectorySync.sync(dir);
    }
  }

  private static List<Path> lockFiles(Locker locker) {
    if (locker instanceof DirectoryLocker d) {
      return List.of(d.lockFile(), OwnerRecords.recordOf(d.lockFile()));
    }
    return List.of();
  }

  /** @return the root, as given to {@code begin} */
  public Path root() {
    return root;
  }

  /**
   * Stages a new content for {@code file}: written to disk now, published at {@link #commit()}.
   *
   * @param file the file, relative to the root or absolute under it; missing directories are created
   *     at commit
   * @param data its new content (not kept: it is written to a staged file before this returns)
   * @return this transaction
   * @throws IllegalArgumentException if the path leads outside the root, names a file this
   *     transaction already changes, or names the staging directory or a lock file; nothing is staged
   * @throws java.nio.file.FileSystemException if the file is a directory or not a regular file, or a
   *     name on its way is a file; nothing is staged
   * @throws java.nio.file.AtomicMoveNotSupportedException if its directory is on another file system
   *     than the root; nothing is staged
   * @throws IllegalStateException after {@link #commit()} or {@link #close()}
   * @throws IOException if staging fails (a full disk): the transaction then refuses to commit
   */
  public FileTransaction write(Path file, byte[] data) throws IOException {
    Objects.requireNonNull(data, "data");
    ensureOpen();
    log.write(file, null, TransactionLog.bytes(data));
    return this;
  }

  /**
   * As {@link #write(Path, byte[])}, with {@code text} in UTF-8.
   *
   * @throws java.nio.charset.CharacterCodingException if the text holds a lone surrogate; nothing is
   *     staged
   */
  public FileTransaction write(Path file, String text) throws IOException {
    Objects.requireNonNull(text, "text");
    return write(file, utf8(text));
  }

  /**
   * As {@link #write(Path, byte[])}, with the content read from {@code content} to its end (the stream
   * is not closed). Memory stays constant whatever the size.
   */
  public FileTransaction write(Path file, InputStream content) throws IOException {
    Objects.requireNonNull(content, "content");
    ensureOpen();
    log.write(file, null, TransactionLog.stream(content));
    return this;
  }

  /**
   * Stages a new content for {@code file}, to be published only if the file is still at
   * {@code expected} when the transaction commits (checked under the lock).
   *
   * @param expected the version the file must have; {@link FileVersion#absent()}: it must not exist
   * @return this transaction
   * @throws IOException as {@link #write(Path, byte[])}; a conflict is found at {@link #commit()}
   */
  public FileTransaction writeIf(Path file, FileVersion expected, byte[] data) throws IOException {
    Objects.requireNonNull(expected, "expected");
    Objects.requireNonNull(data, "data");
    ensureOpen();
    log.write(file, expected, TransactionLog.bytes(data));
    return this;
  }

  /**
   * Stages the deletion of {@code file} (of the link itself, if it is a symbolic link). Deleting a
   * file that does not exist at commit does nothing.
   *
   * @return this transaction
   * @throws IllegalArgumentException as {@link #write(Path, byte[])}
   * @throws java.nio.file.FileSystemException if it is a directory; nothing is staged
   * @throws IllegalStateException after {@link #commit()} or {@link #close()}
   */
  public FileTransaction delete(Path file) throws IOException {
    ensureOpen();
    log.delete(file);
    return this;
  }

  /**
   * Publishes every staged change, all or nothing; when it returns, every change is visible and
   * survives a power cut. A transaction commits once.
   *
   * @throws VersionConflictException if a file of {@link #writeIf} is at another version: nothing
   *     changed
   * @throws LockLostException if the lock was lost before anything was published (a lock that can be
   *     lost, such as ZooKeeper's): nothing changed
   * @throws CommitIncompleteException if the commit failed where it could not put everything back:
   *     {@link CommitIncompleteException#committed()} tells whether recovery will make every change
   *     (true) or leave every file old or every file new (false, in doubt)
   * @throws IllegalStateException if already committed, or closed
   * @throws IOException any other failure (a full disk, a failed sync, an earlier write of this
   *     transaction that failed): nothing changed, and nothing staged is left
   */
  public void commit() throws IOException {
    ensureOpen();
    state = State.FAILED;
    log.commit();
    state = State.COMMITTED;
  }

  /**
   * Ends the transaction and releases the lock. Without a {@link #commit()}, nothing changes: the
   * staged files are removed. Idempotent.
   *
   * @throws IOException declared by the contract (DESIGN.md) so that callers may handle it; today a
   *     staged file that cannot be removed is logged and left for the next {@code begin} or
   *     {@code recover} on the root, and close() does not throw
   */
  @Override
  public void close() throws IOException {
    if (state == State.CLOSED) {
      return;
    }
    state = State.CLOSED;
    try {
      log.discard();
    } finally {
      lock.close();
    }
  }

  private void ensureOpen() {
    switch (state) {
      case OPEN -> { }
      case COMMITTED -> throw new IllegalStateException("the transaction on " + root + " is committed; begin another");
      case FAILED -> throw new IllegalStateException("the commit of the transaction on " + root + " failed; begin another");
      case CLOSED -> throw new IllegalStateException("the transaction on " + root + " is closed");
    }
  }

  private static byte[] utf8(String text) throws IOException {
    ByteBuffer b = StandardCharsets.UTF_8.newEncoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT)
        .encode(CharBuffer.wrap(text));
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }

  // ---------------------------------------------------------------------------------------------
  // Recovery and reads

  /**
   * Finishes a commit that a crash (or a failure after its commit point) interrupted, under the
   * exclusive lock of {@code new DirectoryLocker(root)}: every change it staged is made, durably. Also
   * removes what an unfinished transaction left in the staging directory.
   *
   * @param root the transaction root
   * @return true if there was an interrupted commit, now finished; false if there was none (or the
   *     root does not exist)
   * @throws LockTimeoutException if the lock was not obtained within {@link DirectoryLocker#DEFAULT_TIMEOUT}
   * @throws CommitIncompleteException if the interrupted commit cannot be finished (the root stays as
   *     it is, and recovery can be tried again)
   */
  public static boolean recover(Path root) throws IOException {
    checkRoot(root);
    if (!Files.isDirectory(root)) {
      return false;
    }
    return recover(root, new DirectoryLocker(root), DirectoryLocker.DEFAULT_TIMEOUT);
  }

  /**
   * As {@link #recover(Path)}, under {@code locker}'s exclusive lock.
   *
   * @throws NoSuchFileException if the root does not exist
   */
  public static boolean recover(Path root, Locker locker, Duration timeout) throws IOException {
    checkRoot(root);
    Objects.requireNonNull(locker, "locker");
    Objects.requireNonNull(timeout, "timeout");
    if (!Files.isDirectory(root)) {
      throw new NoSuchFileException(root.toString(), null, "no such directory");
    }
    try (HeldLock lock = locker.lockExclusive(timeout)) {
      return TransactionLog.recover(root, lock, lockFiles(locker));
    }
  }

  /**
   * Runs {@code reader} on a consistent view of the root: under the shared lock of
   * {@code new DirectoryLocker(root)}, which no commit holds, after finishing any commit a crash
   * interrupted (the shared lock cannot be upgraded: it is released, the commit is finished under the
   * exclusive lock, and the shared lock is taken again). The reader reads files under the root it is
   * given; everything it sees belongs to one committed state.
   *
   * @param root the transaction root
   * @param reader what to read; it must not change the root's files
   * @return what the reader returned
   * @throws NoSuchFileException if the root does not exist
   * @throws LockTimeoutException if a lock was not obtained within {@link DirectoryLocker#DEFAULT_TIMEOUT}
   * @throws IOException what the reader threw, or a failed recovery
   */
  public static <T> T read(Path root, IOFunction<Path, T> reader) throws IOException {
    checkRoot(root);
    if (!Files.isDirectory(root)) {
      throw new NoSuchFileException(root.toString(), null, "no such directory");
    }
    return read(root, new DirectoryLocker(root), DirectoryLocker.DEFAULT_TIMEOUT, reader);
  }

  /** As {@link #read(Path, IOFunction)}, under {@code locker}'s locks, waiting up to {@code timeout}. */
  public static <T> T read(Path root, Locker locker, Duration timeout, IOFunction<Path, T> reader) throws IOException {
    checkRoot(root);
    Objects.requireNonNull(locker, "locker");
    Objects.requireNonNull(timeout, "timeout");
    Objects.requireNonNull(reader, "reader");
    for (int round = 1; ; round++) {
      try (HeldLock shared = locker.lockShared(timeout)) {
        if (!TransactionLog.hasRecord(root)) {
          return reader.apply(root);
        }
      }
      if (round == READ_ROUNDS) {
        throw new IOException("an interrupted commit in " + root + " was found again after " + READ_ROUNDS
            + " recoveries; are other processes changing the root without its lock?");
      }
      try (HeldLock exclusive = locker.lockExclusive(timeout)) {
        TransactionLog.recover(root, exclusive, lockFiles(locker));
      }
    }
  }
}
