package io.htmlgraph.atomic.internal;

import io.htmlgraph.atomic.CommitIncompleteException;
import io.htmlgraph.atomic.Fencing;
import io.htmlgraph.atomic.FileVersion;
import io.htmlgraph.atomic.HeldLock;
import io.htmlgraph.atomic.VersionConflictException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;

/**
 * The engine of {@link io.htmlgraph.atomic.FileTransaction}: files staged under one root, published
 * all or none with a roll-forward intent record, and the recovery that finishes an interrupted
 * commit.
 *
 * <p>Layout: the staging directory {@code ROOT/.txn/} holds the staged temps ({@code <txid>.<n>}),
 * the intent record ({@code intent}) and the fence file ({@code fence}). It lies on the root's file
 * system, its names never start with {@code .tmp-} (a sweep of orphaned temps never looks at them),
 * and one sync of it makes every temp's entry durable. When it is created, its entry is synced into
 * the root and the root's into its parent: the root may have been made a moment before (by the
 * {@code DirectoryLocker} that guards it), and a commit must not be lost with it.
 *
 * <p>The commit, and the failure each step prevents:
 * <ol>
 *   <li><b>Stage</b> (at each {@code write}): create the temp in the staging directory
 *       ({@code O_CREAT|O_EXCL}), give it the replaced file's owner, mode and xattrs and a fresh
 *       version mark, stream the content in while computing its CRC-32C, close it. Nothing is kept
 *       in memory but names, sizes and checksums, and no descriptor stays open, so a transaction of
 *       10,000 files costs neither heap nor descriptors per file.
 *   <li><b>Check</b> the expected versions of conditional writes, under the exclusive lock held
 *       since {@code begin}; then the fence ({@link Fencing#checkAndRecord}): a holder whose lock was
 *       lost (a ZooKeeper session that expired) writes no record, because a durable record is a
 *       publish (recovery would finish it under the next holder).
 *   <li><b>Write the intent record</b>: every temp with its size, checksum and target, every delete,
 *       and a final line with the count and the record's own checksum.
 *   <li><b>Sync the data</b> ({@code fdatasync}) of every temp and of the record, in parallel (the
 *       waits of concurrent syncs share journal commits, as in the group commit). Without it, a power
 *       cut after the renames could leave an empty or zero-filled file published.
 *   <li><b>Sync the staging directory</b> ({@code fsync}): the entries of the temps and of the record
 *       are durable. It runs in the same parallel batch as step 4, not after it: a record counts only
 *       when its end line and checksum and every temp's size and checksum match, so whatever subset of
 *       these syncs a crash lets through, recovery either finds everything it needs or discards the
 *       record; the order in which they reach the disk does not matter. The end of the batch is the
 *       commit point: from here on, recovery finishes the transaction. A record that does not match (a
 *       crash before this point) is discarded by recovery, which then publishes nothing.
 *   <li><b>Publish</b>: create missing directories, hard-link each temp into its target's directory
 *       under {@code .txn-<txid>.<n>}, then {@code rename(2)} each link onto its target (a rename
 *       within one directory is atomic on every file system; a rename straight from the staging
 *       directory would cross directories, and a crash could keep the removal of the source entry
 *       and lose the new one, losing the file); then delete the files to delete. The staging
 *       directory keeps its names of the temps, so no content can be lost before the next step.
 *       If the first link fails (a bind mount, a file system without hard links) nothing is
 *       published yet: the links are removed, the record is removed durably, and the commit fails
 *       with the root as it was.
 *   <li><b>Sync the directories</b> ({@code fsync}) of the targets, and the parents of the
 *       directories created, deepest first. Without it the renames could be lost after the record
 *       is gone.
 *   <li><b>Remove the record</b> and the staging directory's names of the temps, and sync the
 *       staging directory: when {@code commit()} returns, no record can come back after a power cut
 *       and replay the transaction over later writes.
 * </ol>
 *
 * <p>Recovery (under the exclusive lock: {@code begin}, {@code read} after it released its shared
 * lock, {@code recover}): a valid record whose temps are all there and intact is rolled forward:
 * steps 6 to 8 again, each idempotent (a link already made is reused, a target that already is its
 * temp's inode was renamed, a deleted file stays deleted). Anything else in the staging directory
 * (temps of a transaction that never reached its commit point, an incomplete record) is removed.
 *
 * <p>Failures, as the caller sees them: before step 5 completes, everything staged is removed and
 * the root is as before (the exception as it came); a failed sync in steps 4 and 5 after which the
 * record cannot be removed durably is in doubt ({@link CommitIncompleteException},
 * {@code committed() == false}); any failure after step 5 is {@link CommitIncompleteException} with
 * {@code committed() == true}: the record stays, and recovery makes every change.
 *
 * <p>Not thread-safe: one transaction, one thread.
 */
public final class TransactionLog {
  /** The staging directory's name under the root. */
  public static final String STAGING_DIR = ".txn";
  static final String RECORD = "intent";
  static final String FENCE = "fence";
  /** The prefix of a temp's hard link in its target's directory, between link and rename. */
  static final String LINK_PREFIX = ".txn-";
  private static final int PARALLELISM = GroupCommit.DEFAULT_PARALLELISM;
  private static final int COPY_BUFFER = 64 * 1024;

  /** Test-only breakages of the protocol, for the crash simulator's known-bad checks. */
  public enum Flaw {
    NONE,
    /** the record's data is never synced */
    NO_RECORD_SYNC,
    /** the record is removed (durably) before the targets' directories are synced */
    RECORD_REMOVED_BEFORE_DIRECTORY_SYNCS,
    /** the temps are published before the record is durable */
    RENAMES_BEFORE_RECORD_DURABLE,
    /** each temp is renamed from the staging directory straight onto its target */
    CROSS_DIRECTORY_RENAME
  }

  /** Points of a commit, for tests that stop a process there. */
  public enum Step { RECORD_WRITTEN, DURABLE, LINKED, RENAMED, PUBLISHED, SYNCED }

  /** A test's view into commits made on its thread. */
  public interface Hook {
    /** @return the breakage to build into commits on this thread */
    default Flaw flaw() {
      return Flaw.NONE;
    }

    /** Called when a commit on this thread reaches {@code step}. */
    default void reached(Step step) { }
  }

  private static final ThreadHook<Hook> HOOK = new ThreadHook<>();

  /** The content of a staged file. */
  public interface Content {
    /**
     * Writes the content to {@code ch} in full, adding every byte to {@code crc}.
     *
     * @return the number of bytes written
     */
    long writeTo(FileChannel ch, CRC32C crc) throws IOException;
  }

  /** What is staged for one file. */
  private record Staged(IntentRecord.Entry entry, Path given, FileVersion expected) {}

  /** The commit stopped before anything was published and put everything back. */
  private static final class RolledBack extends Exception {
    private static final long serialVersionUID = 1L;

    RolledBack(IOException cause) {
      super(cause);
    }

    IOException failure() {
      return (IOException) getCause();
    }
  }

  private static final ThreadPoolExecutor SYNCS = syncPool();

  private final Path root;
  private final Path rootReal;
  private final Path staging;
  private final HeldLock lock;
  private final List<Path> reserved;
  private final RootPaths paths;
  private final String txid;
  private final List<Staged> staged = new ArrayList<>();
  private final Set<String> claimed = new HashSet<>();
  private Throwable poisoned;
  private boolean finished;
  // the private directory replaces are copied in, kept from the first replace to the end of staging
  // (making and removing one per file cost a mkdir and an rmdir each)
  private PrivateDirs.Lease copies;

  private TransactionLog(Path root, Path rootReal, Path staging, HeldLock lock, List<Path> reserved) throws IOException {
    this.root = root;
    this.rootReal = rootReal;
    this.staging = staging;
    this.lock = lock;
    this.reserved = reserved;
    this.paths = new RootPaths(rootReal, reserved, staging);
    this.txid = newId();
  }

  /**
   * Runs {@code body} with {@code hook} seeing (and breaking, if it asks) every commit and recovery
   * made on this thread. For tests only.
   */
  public static <T> T withHook(Hook hook, ThreadHook.Body<T> body) throws IOException {
    return HOOK.with(hook, body);
  }

  private static Flaw flaw() {
    Hook h = HOOK.get();
    return h == null ? Flaw.NONE : h.flaw();
  }

  private static void reached(Step step) {
    Hook h = HOOK.get();
    if (h != null) {
      h.reached(step);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Opening

  /**
   * Opens a transaction on {@code root}, whose exclusive lock the caller holds: finishes an
   * interrupted commit first, creates the staging directory if missing.
   *
   * @param lockFiles the files of the caller's lock that lie under the root (never written)
   */
  public static TransactionLog open(Path root, HeldLock lock, List<Path> lockFiles) throws IOException {
    Path rootReal = root.toRealPath();
    if (!Files.isDirectory(rootReal)) {
      throw new FileSystemException(root.toString(), null, "the root of a transaction must be a directory");
    }
    List<Path> reserved = reserved(rootReal, lockFiles);
    recoverReal(rootReal, lock, reserved);
    Path staging = rootReal.resolve(STAGING_DIR);
    ensureStagingDirectory(rootReal, staging);
    return new TransactionLog(root, rootReal, staging, lock, reserved);
  }

  /** The staging directory, the root's lock file and owner record, and the caller's lock files. */
  private static List<Path> reserved(Path rootReal, List<Path> lockFiles) throws IOException {
    List<Path> r = new ArrayList<>();
    r.add(rootReal.resolve(STAGING_DIR));
    r.add(rootReal.resolve(".lock"));
    r.add(rootReal.resolve(".lock.owner"));
    for (Path f : lockFiles) {
      Path parent = Directories.parentOf(f);
      if (Files.isDirectory(parent)) {
        r.add(parent.toRealPath().resolve(f.getFileName().toString()));
      }
    }
    return r;
  }

  private static void ensureStagingDirectory(Path rootReal, Path staging) throws IOException {
    if (Files.isDirectory(staging, LinkOption.NOFOLLOW_LINKS)) {
      checkStaging(rootReal, staging);
      return;
    }
    if (Files.exists(staging, LinkOption.NOFOLLOW_LINKS)) {
      throw new FileSystemException(staging.toString(), null,
          "exists and is not a directory; the name is reserved for the staging directory of transactions");
    }
    // never writable by all, whatever the umask (see checkStaging)
    Files.createDirectory(staging, FileMetadata.creationAttributes(staging, STAGING_MODE));
    try {
      // a record in it counts only once the directory's own entry is durable
      DirectorySync.sync(rootReal);
      // The first transaction on a root is often on a root made a moment ago, by the DirectoryLocker
      // that guards it (which creates its directory and does not sync its parent): without this sync a
      // power cut after a commit returned could take the root away with every file of it (the crash
      // simulator finds that on a registry opened in a new directory).
      syncParentOf(rootReal);
    } catch (IOException e) {
      try {
        Files.delete(staging); // so that the next begin creates and syncs it again
      } catch (IOException again) {
        e.addSuppressed(again);
      }
      throw e;
    }
  }

  private static final Set<PosixFilePermission> STAGING_MODE = PosixFilePermissions.fromString("rwxrwxr-x");

  /**
   * Refuses a staging directory that someone other than the caller could fill: its temps become the
   * root's files at the commit, and its record tells recovery what to rename where, so whoever may add
   * a name in it could have the caller publish content of his choosing (a forged record with temps of
   * his own) or hang on a FIFO put at the record's name. In a sticky world-writable root (a transaction
   * root in {@code /tmp}) any user may create {@code .txn} first; it is used only if it belongs to the
   * caller, to the root's owner (the rule the kernel's {@code protected_*} sysctls apply there) or to
   * root (who is not the attacker here). A
   * staging directory writable by all is never used. Elsewhere only those who may write the root's
   * files anyway can have made it.
   *
   * @throws FileSystemException naming the directory, its owner and mode
   */
  static void checkStaging(Path rootReal, Path staging) throws IOException {
    FileMetadata s = FileMetadata.read(staging);
    if (s.uid() < 0) {
      return; // no owners on this file system
    }
    FileMetadata r = FileMetadata.read(rootReal);
    int me = SafeFiles.euid();
    boolean sharedRoot = (r.mode() & 01002) == 01002;
    String why = null;
    if ((s.mode() & 00002) != 0) {
      why = "is writable by all users (mode " + Integer.toOctalString(s.mode() & 07777) + ")";
    } else if (sharedRoot && s.uid() != me && s.uid() != r.uid() && s.uid() != 0) {
      why = "belongs to uid " + s.uid() + ", in the sticky world-writable root " + rootReal + " (owned by uid "
          + r.uid() + "): only a staging directory of the caller (uid " + me + "), of the root's owner or of root is used there";
    }
    if (why != null) {
      throw new FileSystemException(staging.toString(), null, "not used as the staging directory of transactions: it "
          + why + "; another user could have its content published or make recovery hang (remove it if it is not yours)");
    }
  }

  /**
   * Syncs the directory that holds {@code rootReal}'s entry. A parent this process may not open for
   * reading (search permission only, as {@code 0711} home directories have) is skipped: it cannot be
   * synced by anyone but its owner, and a root in it was made by someone who could write there.
   */
  private static void syncParentOf(Path rootReal) throws IOException {
    Path parent = rootReal.getParent();
    if (parent == null) {
      return;
    }
    try {
      DirectorySync.sync(parent);
    } catch (AccessDeniedException unreadable) {
      Log.get().log(Level.DEBUG, "cannot open {0} to sync the entry of the transaction root {1}: {2}", parent,
          rootReal, unreadable.toString());
    }
  }

  private static String newId() {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    char[] c = new char[10];
    for (int i = 0; i < c.length; i++) {
      int v = r.nextInt(36);
      c[i] = (char) (v < 10 ? '0' + v : 'a' + v - 10);
    }
    return new String(c);
  }

  // ---------------------------------------------------------------------------------------------
  // Staging

  /** @return content that writes {@code data} */
  public static Content bytes(byte[] data) {
    Objects.requireNonNull(data, "data");
    return (ch, crc) -> {
      crc.update(data);
      ByteBuffer b = ByteBuffer.wrap(data);
      while (b.hasRemaining()) {
        ch.write(b);
      }
      return data.length;
    };
  }

  /** @return content that copies {@code in} to its end (not closing it) */
  public static Content stream(InputStream in) {
    Objects.requireNonNull(in, "in");
    return (ch, crc) -> {
      byte[] buf = new byte[COPY_BUFFER];
      long total = 0;
      for (int n; (n = in.read(buf)) >= 0; ) {
        crc.update(buf, 0, n);
        ByteBuffer b = ByteBuffer.wrap(buf, 0, n);
        while (b.hasRemaining()) {
          ch.write(b);
        }
        total += n;
      }
      return total;
    };
  }

  /**
   * Stages a new content for {@code file}.
   *
   * @param expected the version the file must have at commit, or null
   * @throws IllegalArgumentException before anything is staged: a path outside the root, a reserved
   *     file, a file already in the transaction
   * @throws FileSystemException before anything is staged: the target is a directory or not a
   *     regular file
   * @throws IOException if the temp cannot be written; the transaction then refuses to commit
   */
  public void write(Path file, FileVersion expected, Content content) throws IOException {
    ensureOpen();
    Objects.requireNonNull(content, "content");
    RootPaths.Target t = paths.resolve(file, true);
    FileMetadata existing = FileMetadata.read(t.path());
    switch (existing.kind()) {
      case DIRECTORY -> throw new FileSystemException(file.toString(), null, "is a directory");
      case OTHER, SYMLINK -> throw new FileSystemException(file.toString(), null, "not a regular file");
      // another user's file planted in a sticky world-writable directory keeps its owner on a replace
      case REGULAR -> SafeFiles.checkReplaceable(FileMetadata.read(Directories.parentOf(t.path())), existing, file);
      default -> { }
    }
    claim(t, file);
    String temp = txid + "." + staged.size();
    Path tp = staging.resolve(temp);
    FileChannel ch;
    try {
      ch = existing.kind() == FileMetadata.Kind.REGULAR
          ? copyOfTarget(t.path(), existing, tp)
          : FileChannel.open(tp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE));
    } catch (IOException | RuntimeException e) {
      claimed.remove(t.relative());
      throw e;
    }
    try (ch) {
      // The version mark goes through the temp's path (the JDK opens and closes a descriptor of its
      // own). Harmless here: staged temps are never locked, since no sweep looks in the staging
      // directory.
      VersionMarks.stamp(tp);
      CRC32C crc = new CRC32C();
      long size = content.writeTo(ch, crc);
      staged.add(new Staged(new IntentRecord.Entry(temp, t.relative(), size, (int) crc.getValue()),
          expected != null ? file : null, expected));
    } catch (Throwable e) {
      deleteQuietly(tp);
      claimed.remove(t.relative());
      poisoned = e;
      releaseCopies(); // the transaction can only be discarded now
      throw e;
    }
  }

  /**
   * The staged temp of a replace, made as a copy of the file it replaces and then truncated:
   * {@code Files.copy} with {@code COPY_ATTRIBUTES} is the only way pure Java has to carry a POSIX ACL
   * and the other extended attributes the process may set, and a replace must never grant access the
   * old file did not (see {@link PendingFile} for the same steps and why each is there). The copy is
   * created with the old mode and gets its ACL a moment later: it is made in a private directory
   * ({@link PrivateDirs}) unless the staging directory is private or the old file grants nothing to
   * group and others. Where another user could swap the old file meanwhile (for a FIFO, or a link),
   * the copy is made from a private hard link to it. Then owner, group and mode are set as the old
   * file's, and the copy is truncated before it gets its name in the staging directory.
   *
   * @return the temp {@code tp}, open for writing, empty
   */
  private FileChannel copyOfTarget(Path target, FileMetadata existing, Path tp) throws IOException {
    boolean pinned = SafeFiles.othersMayReplace(FileMetadata.read(Directories.parentOf(target)), existing);
    FileMetadata stagingMeta = FileMetadata.read(staging);
    boolean direct = !pinned && (SafeFiles.isPrivate(stagingMeta)
        || (existing.mode() >= 0 && (existing.mode() & 0077) == 0));
    if (!direct && copies == null) {
      copies = PrivateDirs.acquire(staging, stagingMeta);
    }
    PrivateDirs.Lease lease = direct ? null : copies;
    Path work = direct ? staging : lease.path();
    Path copy = direct ? tp : work.resolve(tp.getFileName().toString());
    Path pin = null;
    boolean ok = false;
    try {
      Path from = target;
      if (pinned) {
        pin = work.resolve(tp.getFileName() + ".pin");
        try {
          Files.createLink(pin, target); // link(2) never follows a link swapped in
        } catch (FileSystemException e) {
          if (lease.parked() && Files.notExists(pin, LinkOption.NOFOLLOW_LINKS)) {
            // the kept private directory may lie on another mount of the device now: one beside the staging
            lease.unpark();
            releaseCopies();
            return copyOfTarget(target, existing, tp);
          }
          throw new FileSystemException(target.toString(), null, "not staged: other users may replace this file, and"
              + " no private hard link to it could be made to copy its ACL and attributes safely (" + e + ")");
        } catch (UnsupportedOperationException e) {
          throw new FileSystemException(target.toString(), null, "not staged: other users may replace this file, and"
              + " no private hard link to it could be made to copy its ACL and attributes safely (" + e + ")");
        }
        from = pin;
        if (FileMetadata.read(pin).kind() != FileMetadata.Kind.REGULAR) {
          throw new FileSystemException(target.toString(), null,
              "not staged: it was replaced meanwhile by something that is not a regular file");
        }
      }
      try {
        Files.copy(from, copy, StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
      } catch (AccessDeniedException e) {
        throw new AccessDeniedException(target.toString(), null, "not staged: it cannot be read, so its ACL and"
            + " extended attributes cannot be copied, and a replace must not grant access the old file did not ("
            + e.getMessage() + ")");
      }
      existing.copyTo(copy, FileMetadata.read(copy), target, true);
      // as a single replace does: no setuid or setgid but for root, none of the group bits of a group
      // the writer could not keep
      FileMetadata made = FileMetadata.read(copy);
      int want = FileMetadata.modeForReplace(existing.mode(), made.uid() == existing.uid(),
          made.gid() == existing.gid());
      if (existing.mode() >= 0 && made.mode() >= 0 && want != made.mode()) {
        Files.setAttribute(copy, "unix:mode", want, LinkOption.NOFOLLOW_LINKS);
      }
      FileChannel ch = FileChannel.open(copy, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING,
          LinkOption.NOFOLLOW_LINKS);
      try {
        if (!direct) {
          Files.move(copy, tp, StandardCopyOption.ATOMIC_MOVE);
        }
      } catch (AtomicMoveNotSupportedException otherMount) {
        ch.close();
        if (!lease.parked()) {
          throw otherMount;
        }
        lease.unpark(); // the kept private directory is on another mount: one beside the staging
        releaseCopies();
        return copyOfTarget(target, existing, tp);
      } catch (IOException | RuntimeException e) {
        ch.close();
        throw e;
      }
      ok = true;
      return ch;
    } finally {
      if (pin != null) {
        deleteQuietly(pin);
      }
      if (!ok) {
        deleteQuietly(copy);
      }
    }
  }

  /** Gives back the private directory of the copies, once staging is over. */
  private void releaseCopies() {
    if (copies != null) {
      copies.release();
      copies = null;
    }
  }

  /**
   * Stages the deletion of {@code file} (the link itself, if it is one). Deleting a missing file
   * does nothing at commit.
   *
   * @throws IllegalArgumentException as {@link #write}
   * @throws FileSystemException if {@code file} is a directory
   */
  public void delete(Path file) throws IOException {
    ensureOpen();
    RootPaths.Target t = paths.resolve(file, false);
    if (FileMetadata.read(t.path()).kind() == FileMetadata.Kind.DIRECTORY) {
      throw new FileSystemException(file.toString(), null, "is a directory; a transaction deletes files only");
    }
    claim(t, file);
    staged.add(new Staged(new IntentRecord.Entry(null, t.relative(), 0, 0), null, null));
  }

  private void claim(RootPaths.Target t, Path file) {
    if (!claimed.add(t.relative())) {
      throw new IllegalArgumentException("the transaction already changes this file (" + t.relative()
          + "): a file may be written or deleted once per transaction: " + file);
    }
  }

  private void ensureOpen() {
    if (finished) {
      throw new IllegalStateException("the transaction on " + root + " has been committed or closed");
    }
  }

  /** @return how many files are staged */
  public int size() {
    return staged.size();
  }

  // ---------------------------------------------------------------------------------------------
  // Commit

  /**
   * Publishes everything staged, all or nothing, durably. See the class comment for the steps.
   *
   * @throws VersionConflictException if a conditional write's file is at another version: nothing
   *     changed
   * @throws io.htmlgraph.atomic.LockLostException if the lock was lost: nothing changed
   * @throws CommitIncompleteException after the commit point, or in doubt
   * @throws IOException any other failure: nothing changed, nothing staged is left
   */
  public void commit() throws IOException {
    ensureOpen();
    finished = true;
    releaseCopies();
    if (poisoned != null) {
      discardStaged(null);
      throw new IOException("not committed: an earlier write of the transaction failed; nothing changed", poisoned);
    }
    if (staged.isEmpty()) {
      return;
    }
    Flaw flaw = flaw();
    Path record = staging.resolve(RECORD);
    List<IntentRecord.Entry> entries = new ArrayList<>(staged.size());
    for (Staged s : staged) {
      entries.add(s.entry());
    }
    boolean recordCreated = false;
    try {
      checkVersions();
      Fencing.checkAndRecord(lock, staging.resolve(FENCE));
      List<Path> toSync = new ArrayList<>(entries.size() + 1);
      for (IntentRecord.Entry e : entries) {
        if (e.isWrite()) {
          toSync.add(staging.resolve(e.temp()));
        }
      }
      if (flaw == Flaw.RENAMES_BEFORE_RECORD_DURABLE) {
        syncFiles(toSync, null);
        toSync.clear();
      }
      recordCreated = true;
      IntentRecord.write(record, entries);
      reached(Step.RECORD_WRITTEN);
      if (flaw == Flaw.RENAMES_BEFORE_RECORD_DURABLE) {
        link(rootReal, staging, entries, new ArrayList<>(), new ArrayList<>());
        renameAndDelete(rootReal, staging, entries);
      }
      if (flaw != Flaw.NO_RECORD_SYNC) {
        toSync.add(record);
      }
      // The data and the entries in one batch: the record counts only if it and every temp it names
      // are whole (checksums), so the order in which these reach the disk does not matter, and the
      // directory sync need not wait for the data syncs (one sync less on the commit's path).
      syncFiles(toSync, staging);
    } catch (IOException | RuntimeException | Error e) {
      undo(recordCreated, e);
      throw e;
    }
    reached(Step.DURABLE);
    try {
      rollForward(rootReal, staging, entries, false, flaw);
    } catch (RolledBack rb) {
      IOException cause = rb.failure();
      discardStaged(cause);
      throw cause;
    } catch (CommitIncompleteException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      throw new CommitIncompleteException(root, true, "publishing failed", e);
    }
  }

  private void checkVersions() throws IOException {
    for (Staged s : staged) {
      if (s.expected() != null) {
        FileVersion actual = FileVersion.of(rootReal.resolve(s.entry().target()));
        if (!actual.equals(s.expected())) {
          throw new VersionConflictException(s.given(), s.expected(), actual);
        }
      }
    }
  }

  /**
   * Puts everything back after a failure before the commit point: removes the record (durably, if
   * it was created) and the temps.
   *
   * @throws CommitIncompleteException (in doubt) if the record cannot be removed durably
   */
  private void undo(boolean recordCreated, Throwable failure) throws CommitIncompleteException {
    if (recordCreated) {
      try {
        Files.deleteIfExists(staging.resolve(RECORD));
        DirectorySync.sync(staging);
      } catch (IOException | RuntimeException e) {
        failure.addSuppressed(e);
        // the temps stay: a record that did reach the disk names them, and recovery needs them
        throw new CommitIncompleteException(root, false, "a sync of the staged files or of the intent record "
            + "failed, and the record could not be removed durably", failure);
      }
    }
    discardStaged(failure);
  }

  /** Removes every staged temp; a failure is attached to {@code primary} or logged. */
  private void discardStaged(Throwable primary) {
    for (Staged s : staged) {
      if (s.entry().isWrite()) {
        try {
          Files.deleteIfExists(staging.resolve(s.entry().temp()));
        } catch (IOException e) {
          if (primary != null) {
            primary.addSuppressed(e);
          } else {
            Log.get().log(Level.WARNING, "removing a staged file failed (the next transaction on the root removes it): {0}",
                e.toString());
          }
        }
      }
    }
    staged.clear();
  }

  /**
   * Ends the transaction without committing: removes what it staged. Idempotent; a no-op after
   * {@link #commit()}.
   */
  public void discard() {
    if (!finished) {
      finished = true;
      releaseCopies();
      discardStaged(null);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Publishing: shared by the commit and by recovery

  /**
   * Steps 6 to 8: links, renames, deletes, directory syncs, removal of the record.
   *
   * @param recovering whether this finishes a commit found on disk (every directory up to the root
   *     is then synced, since which of them a crashed commit created is not known)
   * @throws RolledBack if nothing could be published: the links and new directories are removed, and
   *     the record is removed durably
   */
  private static void rollForward(Path rootReal, Path staging, List<IntentRecord.Entry> entries, boolean recovering,
      Flaw flaw) throws IOException, RolledBack {
    List<Path> createdDirs = new ArrayList<>();
    List<Path> linksMade = new ArrayList<>();
    boolean published = false;
    if (flaw == Flaw.CROSS_DIRECTORY_RENAME) {
      for (IntentRecord.Entry e : entries) {
        Path target = rootReal.resolve(e.target());
        if (e.isWrite()) {
          createdDirs.addAll(Directories.createMissing(Directories.parentOf(target)));
          Files.move(staging.resolve(e.temp()), target, StandardCopyOption.ATOMIC_MOVE);
        } else {
          Files.deleteIfExists(target);
        }
      }
    } else if (flaw != Flaw.RENAMES_BEFORE_RECORD_DURABLE) {
      published = anyPublished(rootReal, staging, entries);
      try {
        link(rootReal, staging, entries, createdDirs, linksMade);
      } catch (IOException e) {
        if (published) {
          throw e;
        }
        throw rollBack(staging, linksMade, createdDirs, e);
      } catch (RuntimeException e) {
        if (published) {
          throw e;
        }
        throw rollBack(staging, linksMade, createdDirs, new IOException(e.toString(), e));
      }
      reached(Step.LINKED);
      renameAndDelete(rootReal, staging, entries);
    }
    reached(Step.PUBLISHED);
    if (flaw == Flaw.RECORD_REMOVED_BEFORE_DIRECTORY_SYNCS) {
      removeRecord(staging, entries);
      syncDirectories(rootReal, entries, createdDirs, recovering);
    } else {
      syncDirectories(rootReal, entries, createdDirs, recovering);
      reached(Step.SYNCED);
      removeRecord(staging, entries);
    }
  }

  /** @return whether some target already is its temp's inode: a rename of an earlier run happened */
  private static boolean anyPublished(Path rootReal, Path staging, List<IntentRecord.Entry> entries) throws IOException {
    for (IntentRecord.Entry e : entries) {
      if (e.isWrite() && sameFile(staging.resolve(e.temp()), rootReal.resolve(e.target()))) {
        return true;
      }
    }
    return false;
  }

  /** Creates missing directories and links every temp beside its target, unless already there. */
  private static void link(Path rootReal, Path staging, List<IntentRecord.Entry> entries, List<Path> createdDirs,
      List<Path> linksMade) throws IOException {
    for (IntentRecord.Entry e : entries) {
      if (!e.isWrite()) {
        continue;
      }
      Path temp = staging.resolve(e.temp());
      Path target = rootReal.resolve(e.target());
      Path link = target.resolveSibling(LINK_PREFIX + e.temp());
      if (sameFile(temp, target)) {
        continue; // renamed by an earlier run
      }
      createdDirs.addAll(Directories.createMissing(Directories.parentOf(target)));
      if (Files.exists(link, LinkOption.NOFOLLOW_LINKS)) {
        if (sameFile(temp, link)) {
          continue; // linked by an earlier run
        }
        Files.delete(link); // not ours: the name must be the temp's
      }
      Files.createLink(link, temp);
      linksMade.add(link);
    }
  }

  /** Renames every link onto its target, then deletes the files to delete. */
  private static void renameAndDelete(Path rootReal, Path staging, List<IntentRecord.Entry> entries) throws IOException {
    for (IntentRecord.Entry e : entries) {
      if (e.isWrite()) {
        Path target = rootReal.resolve(e.target());
        Path link = target.resolveSibling(LINK_PREFIX + e.temp());
        if (Files.exists(link, LinkOption.NOFOLLOW_LINKS)) {
          Files.move(link, target, StandardCopyOption.ATOMIC_MOVE);
          reached(Step.RENAMED);
        }
      }
    }
    for (IntentRecord.Entry e : entries) {
      if (!e.isWrite()) {
        Path target = rootReal.resolve(e.target());
        BasicFileAttributes a;
        try {
          a = Files.readAttributes(target, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException gone) {
          continue; // missing, or deleted by an earlier run
        }
        if (a.isDirectory()) {
          throw new FileSystemException(target.toString(), null, "became a directory; a transaction deletes files only");
        }
        Files.deleteIfExists(target);
      }
    }
  }

  /**
   * Syncs the directories whose entries the publish changed: each target's, then the parents of the
   * directories created, deepest first (when recovering: every directory from each target's up to
   * the root, since an earlier run may have created some without syncing their parents).
   */
  private static void syncDirectories(Path rootReal, List<IntentRecord.Entry> entries, List<Path> createdDirs,
      boolean recovering) throws IOException {
    Set<Path> dirs = new LinkedHashSet<>();
    for (IntentRecord.Entry e : entries) {
      Path dir = Directories.parentOf(rootReal.resolve(e.target()));
      if (recovering) {
        for (Path d = dir; d != null && d.startsWith(rootReal); d = d.getParent()) {
          dirs.add(d);
        }
      } else {
        dirs.add(dir);
      }
    }
    dirs.addAll(Directories.parentsOf(createdDirs));
    for (Path d : dirs) {
      if (Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)) { // a delete in a missing directory changed nothing
        DirectorySync.sync(d);
      }
    }
  }

  /** Removes the staging directory's names of the temps and the record, and syncs it. */
  private static void removeRecord(Path staging, List<IntentRecord.Entry> entries) throws IOException {
    for (IntentRecord.Entry e : entries) {
      if (e.isWrite()) {
        Files.deleteIfExists(staging.resolve(e.temp()));
      }
    }
    Files.deleteIfExists(staging.resolve(RECORD));
    DirectorySync.sync(staging);
  }

  /**
   * Undoes a publish that could not begin: removes the links made and the directories created (if
   * still empty), then the record, durably.
   *
   * @return the failure to throw, wrapped
   * @throws CommitIncompleteException (in doubt) if the record cannot be removed durably
   */
  private static RolledBack rollBack(Path staging, List<Path> linksMade, List<Path> createdDirs, IOException cause)
      throws CommitIncompleteException {
    try {
      for (Path link : linksMade) {
        Files.deleteIfExists(link);
      }
      for (int i = createdDirs.size() - 1; i >= 0; i--) {
        try {
          Files.delete(createdDirs.get(i));
        } catch (IOException notEmpty) {
          // someone else put a file there meanwhile: it stays
        }
      }
      Files.deleteIfExists(staging.resolve(RECORD));
      DirectorySync.sync(staging);
    } catch (IOException e) {
      cause.addSuppressed(e);
      throw new CommitIncompleteException(Directories.parentOf(staging), false,
          "publishing could not begin, and undoing it failed", cause);
    }
    return new RolledBack(cause);
  }

  private static boolean sameFile(Path a, Path b) throws IOException {
    Object ka;
    Object kb;
    try {
      ka = Files.readAttributes(a, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
      kb = Files.readAttributes(b, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
    } catch (NoSuchFileException missing) {
      return false;
    }
    return ka != null ? ka.equals(kb) : Files.isSameFile(a, b);
  }

  // ---------------------------------------------------------------------------------------------
  // Recovery

  /** @return whether {@code root} holds an intent record (a commit running, or interrupted) */
  public static boolean hasRecord(Path root) {
    return Files.exists(root.resolve(STAGING_DIR).resolve(RECORD), LinkOption.NOFOLLOW_LINKS);
  }

  /**
   * Finishes or discards what a commit left in {@code root}'s staging directory. The caller holds the
   * exclusive lock.
   *
   * @param lockFiles the files of the caller's lock under the root
   * @return true if a valid record was found and its transaction finished
   * @throws CommitIncompleteException if the record is valid but publishing fails again
   */
  public static boolean recover(Path root, HeldLock lock, List<Path> lockFiles) throws IOException {
    Path rootReal = root.toRealPath();
    return recoverReal(rootReal, lock, reserved(rootReal, lockFiles));
  }

  private static boolean recoverReal(Path rootReal, HeldLock lock, List<Path> reserved) throws IOException {
    Path staging = rootReal.resolve(STAGING_DIR);
    if (!Files.isDirectory(staging, LinkOption.NOFOLLOW_LINKS)) {
      return false;
    }
    checkStaging(rootReal, staging);
    Path record = staging.resolve(RECORD);
    boolean recordFound = Files.exists(record, LinkOption.NOFOLLOW_LINKS);
    List<IntentRecord.Entry> entries = recordFound ? IntentRecord.read(record) : null;
    if (entries != null && tempsIntact(staging, entries)) {
      checkTargets(rootReal, reserved, staging, entries);
      Fencing.checkAndRecord(lock, staging.resolve(FENCE));
      try {
        rollForward(rootReal, staging, entries, true, flaw());
        Log.get().log(Level.DEBUG, "finished an interrupted transaction of {0} files in {1}", entries.size(), rootReal);
        return true;
      } catch (RolledBack rb) {
        Log.get().log(Level.WARNING, "an interrupted transaction in {0} could not be published and was undone: {1}",
            rootReal, rb.failure().toString());
      } catch (CommitIncompleteException e) {
        throw e;
      } catch (IOException | RuntimeException e) {
        throw new CommitIncompleteException(rootReal, true, "finishing an interrupted transaction failed", e);
      }
    }
    // nothing to publish: a record that never became durable (or none), or leftovers of staging
    boolean removed = false;
    if (recordFound) {
      Files.deleteIfExists(record);
      removed = true;
    }
    removed |= removeLeftovers(staging);
    if (removed) {
      DirectorySync.sync(staging);
    }
    return false;
  }

  /**
   * Whether every temp the record names is there with its size and checksum. One that is missing or
   * differs means the crash came before the commit point (the temps are synced before it and kept
   * until the record is removed) or after every change was made durable (the removal of the temps'
   * names precedes the record's): either way nothing more is to be published.
   */
  private static boolean tempsIntact(Path staging, List<IntentRecord.Entry> entries) throws IOException {
    byte[] buf = new byte[COPY_BUFFER];
    for (IntentRecord.Entry e : entries) {
      if (!e.isWrite()) {
        continue;
      }
      Path temp = staging.resolve(e.temp());
      if (FileMetadata.read(temp).kind() != FileMetadata.Kind.REGULAR) {
        return false; // missing, or not one of ours (never opened: a FIFO would block)
      }
      CRC32C crc = new CRC32C();
      long size = 0;
      try (InputStream in = Files.newInputStream(temp, LinkOption.NOFOLLOW_LINKS)) {
        for (int n; (n = in.read(buf)) >= 0; ) {
          crc.update(buf, 0, n);
          size += n;
        }
      } catch (NoSuchFileException missing) {
        return false;
      }
      if (size != e.size() || (int) crc.getValue() != e.crc()) {
        return false;
      }
    }
    return true;
  }

  /**
   * Refuses to recover a record whose targets now resolve elsewhere than the names it recorded (a
   * link planted on the way after the crash): recovery never writes outside the root.
   */
  private static void checkTargets(Path rootReal, List<Path> reserved, Path staging, List<IntentRecord.Entry> entries)
      throws IOException {
    RootPaths paths = new RootPaths(rootReal, reserved, staging);
    for (IntentRecord.Entry e : entries) {
      Path expected = rootReal.resolve(e.target());
      Path actual;
      try {
        actual = paths.resolve(expected, false).path();
      } catch (IllegalArgumentException outside) {
        throw new FileSystemException(expected.toString(), null,
            "an interrupted transaction names this file, which now resolves outside the root; not recovering: "
                + outside.getMessage());
      }
      if (!actual.equals(expected)) {
        throw new FileSystemException(expected.toString(), actual.toString(),
            "an interrupted transaction names this file, which now resolves elsewhere; not recovering");
      }
    }
  }

  /**
   * Removes what crashed stagings left: temps, stray temps of fence writes, and the private
   * directories replaces are copied in (the caller holds the exclusive lock: none is in use).
   */
  private static boolean removeLeftovers(Path staging) throws IOException {
    boolean removed = PrivateDirs.removeLeftoversOfStaging(staging) > 0;
    try (DirectoryStream<Path> names = Files.newDirectoryStream(staging)) {
      for (Path p : names) {
        String n = p.getFileName().toString();
        if ((IntentRecord.isTempName(n) || n.startsWith(Sweeper.PREFIX))
            && Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
          Files.deleteIfExists(p);
          removed = true;
        }
      }
    } catch (DirectoryIteratorException e) {
      throw e.getCause();
    }
    return removed;
  }

  // ---------------------------------------------------------------------------------------------
  // Parallel data syncs

  private static ThreadPoolExecutor syncPool() {
    ThreadPoolExecutor pool = new ThreadPoolExecutor(PARALLELISM, PARALLELISM, 5, TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(), r -> {
          Thread t = new Thread(r, "htmlgraph-atomic-transaction-sync");
          t.setDaemon(true);
          return t;
        });
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }

  /**
   * Syncs the data of every file ({@code fdatasync}) and the entries of {@code directory}
   * ({@code fsync}), in parallel, each through a descriptor of its own that is closed at once: at
   * most {@link #PARALLELISM} are open.
   *
   * @param directory a directory to sync along with the files, or null
   * @throws IOException the first failure (the others suppressed on it), once every sync has ended
   */
  static void syncFiles(List<Path> files, Path directory) throws IOException {
    if (files.size() + (directory == null ? 0 : 1) <= 1) {
      for (Path f : files) {
        syncFile(f);
      }
      if (directory != null) {
        DirectorySync.sync(directory);
      }
      return;
    }
    List<Future<?>> futures = new ArrayList<>(PARALLELISM + 1);
    if (directory != null) {
      futures.add(SYNCS.submit(() -> {
        DirectorySync.sync(directory);
        return null;
      }));
    }
    int stripes = Math.min(PARALLELISM, files.size());
    for (int s = 0; s < stripes; s++) {
      int first = s;
      futures.add(SYNCS.submit(() -> {
        for (int i = first; i < files.size(); i += stripes) {
          syncFile(files.get(i));
        }
        return null;
      }));
    }
    Throwable failure = null;
    boolean interrupted = false;
    for (Future<?> f : futures) {
      while (true) {
        try {
          f.get();
          break;
        } catch (InterruptedException e) {
          // the syncs are short and their descriptors must be closed before the caller cleans up
          interrupted = true;
        } catch (ExecutionException e) {
          failure = add(failure, e.getCause());
          break;
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
      failure = add(failure, new InterruptedIOException("interrupted while syncing a transaction's files"));
    }
    if (failure instanceof IOException io) {
      throw io;
    }
    if (failure instanceof RuntimeException re) {
      throw re;
    }
    if (failure instanceof Error err) {
      throw err;
    }
    if (failure != null) {
      throw new IOException(failure);
    }
  }

  private static Throwable add(Throwable first, Throwable next) {
    if (first == null) {
      return next;
    }
    first.addSuppressed(next);
    return first;
  }

  private static void syncFile(Path file) throws IOException {
    // opened for writing, as Lucene's IOUtils.fsync does: some platforms ignore a sync through a
    // read-only descriptor
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.force(false);
    }
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException ignored) {
      // the next transaction on the root removes it
    }
  }
}
