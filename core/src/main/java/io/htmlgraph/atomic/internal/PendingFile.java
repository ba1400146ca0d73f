package io.htmlgraph.atomic.internal;

import io.htmlgraph.atomic.CommittedNotDurableException;
import io.htmlgraph.atomic.Durability;
import io.htmlgraph.atomic.SymlinkPolicy;
import io.htmlgraph.atomic.WriteOptions;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A new version of a file, written to a temp file and then committed over the target: the one
 * implementation of the commit protocol behind every writer of the library.
 *
 * <p>The protocol, and the failure each step prevents:
 * <ol>
 *   <li>The temp is created with {@code O_CREAT|O_EXCL} ({@code CREATE_NEW}) in the target's
 *       directory, so that it can never be a file or link someone planted, and so that the final
 *       {@code rename(2)} stays inside one file system, where it is atomic.
 *   <li>The writer takes an OS lock on its temp: proof of life, so that a sweep of orphaned temps in
 *       another process never deletes it. (A sweep in this JVM asks {@link LiveTemps} instead.)
 *   <li>At commit the data is synced ({@code fdatasync}) before the rename. Without it, a power cut
 *       after the rename can leave the target empty: the rename reaches the journal before the delayed
 *       allocation of the data (the zero-length files after a crash that ext4 users met in 2009; Ts'o's
 *       answer was that applications must fsync before rename).
 *   <li>{@code rename(2)} ({@code ATOMIC_MOVE} only: the JDK's {@code REPLACE_EXISTING} fallback deletes
 *       the target first, leaving a moment with no file at all) replaces the target in one step.
 *   <li>The directory is synced ({@code fsync}); until then the rename lives in the page cache only
 *       and a power cut can bring the old version back after the commit returned.
 * </ol>
 * A failure before the rename discards the temp and leaves the target untouched. A failed directory
 * sync after it is reported as {@link CommittedNotDurableException}. No sync is ever retried.
 *
 * <p>Not thread-safe: one writer, one thread at a time (the public classes say so too).
 */
public final class PendingFile {
  private static final Set<OpenOption> CREATE = Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
  private static final int MAX_NAME_ATTEMPTS = 100;

  private enum State { OPEN, FAILED, SYNCED, COMMITTED, DISCARDED }

  private final Path target;
  private final Path dest;
  private final Path destDir;
  private final WriteOptions options;
  private final FileMetadata metadataSource; // whose owner/mode/xattrs the new file gets, or null
  private final Path metadataSourcePath;
  private final boolean copyTimes;
  private final List<Path> createdDirs;
  private final boolean staged; // temp on another file system: copied beside the target at commit

  private Path temp;
  private FileChannel channel;
  private Path landing; // the temp beside the target when staged
  private Path published; // the temp that became the target
  private IOException closeFailure; // closing the temp after its rename failed
  private State state = State.OPEN;
  private Throwable failure;

  private PendingFile(Path target, Path dest, Path destDir, WriteOptions options,
      FileMetadata metadataSource, Path metadataSourcePath, boolean copyTimes, List<Path> createdDirs, boolean staged) {
    this.target = target;
    this.dest = dest;
    this.destDir = destDir;
    this.options = options;
    this.metadataSource = metadataSource;
    this.metadataSourcePath = metadataSourcePath;
    this.copyTimes = copyTimes;
    this.createdDirs = createdDirs;
    this.staged = staged;
  }

  /**
   * Opens a new version of {@code target}: checks it, creates missing parent directories and the temp.
   *
   * @throws IllegalArgumentException on an empty path or a path that names no file
   * @throws FileSystemException if the target is a directory or not a regular file
   * @throws java.nio.file.FileAlreadyExistsException with no-clobber, if the target exists
   */
  public static PendingFile open(Path target, WriteOptions options) throws IOException {
    return open(target, options, null, false);
  }

  /**
   * Like {@link #open(Path, WriteOptions)}, but the new file takes owner, mode, xattrs (and, with
   * {@code copyTimes}, the modification time) from {@code metadataFrom} rather than from the file it
   * replaces: a rename across file systems keeps the source's metadata, as {@code rename(2)} would.
   */
  public static PendingFile open(Path target, WriteOptions options, Path metadataFrom, boolean copyTimes)
      throws IOException {
    Paths2.checkFile(target, "target");
    Objects.requireNonNull(options, "options");
    Path dest = target;
    FileMetadata existing = FileMetadata.read(dest);
    if (options.symlinks() == SymlinkPolicy.FOLLOW) {
      for (int hops = 0; existing.kind() == FileMetadata.Kind.SYMLINK; hops++) {
        if (hops == Paths2.MAX_LINKS) {
          throw new FileSystemException(target.toString(), null, "too many levels of symbolic links");
        }
        dest = Paths2.readLink(dest);
        existing = FileMetadata.read(dest);
      }
    }
    switch (existing.kind()) {
      case DIRECTORY -> throw new FileSystemException(target.toString(), null, "is a directory");
      case OTHER -> throw new FileSystemException(target.toString(), null, "not a regular file");
      default -> { }
    }
    if (options.noClobber() && existing.exists()) {
      throw new FileAlreadyExistsException(target.toString(), null, "exists, and no-clobber was asked");
    }
    if (options.permissions().isPresent() && !FileMetadata.hasPosixView(dest)) {
      throw new UnsupportedOperationException("explicit permissions need a POSIX file system: " + dest);
    }
    FileMetadata source = metadataFrom != null ? FileMetadata.read(metadataFrom)
        : existing.kind() == FileMetadata.Kind.REGULAR ? existing : null;
    Path destDir = Paths2.parentOf(dest);
    Path tempDir = options.tempDir().orElse(null);
    boolean staged = false;
    if (tempDir != null) {
      Files.createDirectories(tempDir);
      if (!Files.isDirectory(tempDir)) {
        throw new FileSystemException(tempDir.toString(), null, "tempDir is not a directory");
      }
    }
    // an existing target proves its directory exists: one stat fewer on the common path
    List<Path> created = existing.exists() || Files.isDirectory(destDir) ? List.of() : Paths2.createDirectories(destDir);
    if (tempDir != null) {
      staged = !sameFileSystem(tempDir, destDir);
    }
    PendingFile f = new PendingFile(target, dest, destDir, options, source, metadataFrom, copyTimes,
        created, staged);
    f.begin(tempDir != null ? tempDir : destDir);
    return f;
  }

  private void begin(Path dir) throws IOException {
    Temp t = createTemp(dir);
    temp = t.path();
    channel = t.channel();
  }

  private record Temp(Path path, FileChannel channel) {}

  /** Creates, locks and registers a temp in {@code dir}, with the new file's metadata. */
  private Temp createTemp(Path dir) throws IOException {
    FileAttribute<?>[] attrs = options.permissions().isPresent()
        ? FileMetadata.creationAttributes(dir, options.permissions().get())
        : metadataSource != null ? metadataSource.creationAttributes(dir) : new FileAttribute<?>[0];
    for (int attempt = 1; ; attempt++) {
      Path candidate = dir.resolve(TempNames.next(TempNames.WRITER_PREFIX));
      if (!LiveTemps.register(candidate)) {
        continue; // a sweep in this JVM is looking at a file of that name
      }
      FileChannel ch = null;
      try {
        ch = FileChannel.open(candidate, CREATE, attrs);
      } catch (FileAlreadyExistsException taken) {
        if (attempt >= MAX_NAME_ATTEMPTS) {
          throw taken;
        }
        continue;
      } finally {
        if (ch == null) {
          LiveTemps.unregister(candidate);
        }
      }
      boolean ok = false;
      try {
        // One stat, after the lock: once this writer holds the lock no sweep can delete the temp, and
        // the stat tells whether one did so just before (the writer would then write into an unlinked
        // file whose rename fails). A name still there is this writer's own: names are random and
        // created with O_EXCL, so no one else recreates a swept one. The stat also gives the owner and
        // mode that the metadata copy compares against.
        FileMetadata created = proveLife(ch) ? FileMetadata.read(candidate) : null;
        if (created == null || !created.exists()) {
          // a sweep in another process holds it and is about to delete it, or it already did: draw
          // another name
          ch.close();
          LiveTemps.unregister(candidate);
          continue;
        }
        applyMetadata(candidate, created);
        ok = true;
        return new Temp(candidate, ch);
      } finally {
        if (!ok && ch.isOpen()) {
          closeQuietly(ch);
          deleteQuietly(candidate);
          LiveTemps.unregister(candidate);
        }
      }
    }
  }

  private static boolean proveLife(FileChannel ch) throws IOException {
    try {
      FileLock lock = ch.tryLock();
      return lock != null;
    } catch (OverlappingFileLockException impossible) {
      return false;
    } catch (UnsupportedOperationException | IOException noLocks) {
      // a file system without locks (some FUSE and network ones): the age of the temp is then the
      // only protection against a sweep, as in the original
      Log.get().log(Level.DEBUG, "no lock on temp file: {0}", noLocks.toString());
      return true;
    }
  }

  private void applyMetadata(Path file, FileMetadata current) throws IOException {
    if (metadataSource != null) {
      boolean withMode = options.permissions().isEmpty();
      metadataSource.copyTo(file, current, metadataSourcePath != null ? metadataSourcePath : dest, withMode);
    }
    if (options.permissions().isPresent()) {
      FileMetadata.setPermissions(file, options.permissions().get());
    }
  }

  /** @return the path the caller gave */
  public Path target() {
    return target;
  }

  /** @return the temp file the content goes to */
  public Path tempPath() {
    return temp;
  }

  public boolean isCommitted() {
    return state == State.COMMITTED;
  }

  public boolean isOpen() {
    return state == State.OPEN;
  }

  /** Writes all of {@code src} to the temp, looping over short writes. */
  public void write(ByteBuffer src) throws IOException {
    ensureOpen();
    try {
      while (src.hasRemaining()) {
        channel.write(src);
      }
    } catch (IOException | RuntimeException | Error e) {
      markFailed(e);
      throw e;
    }
  }

  /** Copies {@code length} bytes from {@code in}, starting at {@code position}, into the temp. */
  public void transferFrom(FileChannel in, long position, long length) throws IOException {
    ensureOpen();
    try {
      long done = 0;
      while (done < length) {
        long n = in.transferTo(position + done, length - done, channel);
        if (n <= 0) {
          throw new IOException("source ended after " + done + " of " + length + " bytes");
        }
        done += n;
      }
    } catch (IOException | RuntimeException | Error e) {
      markFailed(e);
      throw e;
    }
  }

  /**
   * Marks this file as failed: a write did not complete, so the content is not what the caller meant
   * and {@link #commit()} will refuse.
   */
  public void markFailed(Throwable cause) {
    if (state == State.OPEN) {
      state = State.FAILED;
      failure = cause;
    }
  }

  /** @throws IOException unless the file is open for writing */
  public void ensureOpen() throws IOException {
    switch (state) {
      case OPEN -> { }
      case SYNCED -> throw new IOException("being committed, no more writes: " + target);
      case FAILED -> throw new IOException("an earlier write to " + temp + " failed; the new version of "
          + target + " is incomplete", failure);
      case COMMITTED -> throw new IOException("already committed: " + target);
      case DISCARDED -> throw new IOException("writer is closed: " + target);
    }
  }

  /**
   * Publishes the content as the target, atomically, with the durability the options ask.
   *
   * @throws CommittedNotDurableException if the target holds the new content but a directory sync
   *     failed
   * @throws IOException any other failure: the target is untouched and the temp removed
   */
  public void commit() throws IOException {
    syncData();
    publishSynced();
    if (options.durability() == Durability.FULL) {
      try {
        for (Path dir : directoriesToSync()) {
          FileSync.syncDirectory(dir);
        }
      } catch (IOException e) {
        if (closeFailure != null) {
          e.addSuppressed(closeFailure);
        }
        throw new CommittedNotDurableException(target, e);
      }
    }
    if (closeFailure != null) {
      throw new CommittedNotDurableException(target, "closing its temp file after the rename failed", closeFailure);
    }
  }

  /**
   * @return the error of closing the temp after its rename (the target then holds the new content, but
   *     the file system reported a problem, so it is not known to be durable), or null
   */
  public IOException closeFailure() {
    return closeFailure;
  }

  /*
   * The commit in three phases, for a group commit (WriteBatch) that syncs many files together and
   * each directory once: syncData() for every file, then publishSynced() for every file, then one
   * sync of each directory of directoriesToSync(). commit() above is the three in a row for one file.
   * The temp stays open (and so keeps its OS lock, the proof of life towards sweeps in other
   * processes) until publishSynced() has renamed it, and only then closes it.
   */

  /**
   * Phase 1 of the commit: syncs the temp's data ({@code fdatasync}) unless the durability is
   * {@link Durability#NONE}. A staged temp (on another file system) is synced when it is copied
   * beside the target in {@link #publishSynced()}. Safe to call from another thread than the writer's
   * (one thread at a time).
   *
   * @throws IOException if the sync fails: the temp is removed, the target untouched
   */
  public void syncData() throws IOException {
    switch (state) {
      case COMMITTED -> throw new IllegalStateException("already committed: " + target);
      case DISCARDED -> throw new IllegalStateException("writer is closed, nothing to commit: " + target);
      case FAILED -> {
        IOException refused = new IOException("not committed: an earlier write failed, the new version of "
            + target + " is incomplete; the target is untouched", failure);
        discard(refused);
        throw refused;
      }
      case OPEN, SYNCED -> { }
    }
    if (state == State.SYNCED) {
      return;
    }
    try {
      if (options.durability() != Durability.NONE && !staged) {
        channel.force(false);
      }
    } catch (Throwable t) {
      discard(t);
      throw t;
    }
    state = State.SYNCED;
  }

  /**
   * Phase 2 of the commit: renames the temp onto the target (or links it, with no-clobber), then
   * closes it. Syncs no directory. Requires {@link #syncData()} first.
   *
   * <p>The temp stays open, and so keeps its OS lock (its proof of life), until it has become the
   * target: closed before the rename, it would be an unlocked {@code .tmp-} file that a sweep in
   * another process may delete, and the rename would then fail (seen in LockedUpdateTortureTest). A
   * failure to close after the rename cannot undo the commit; it is kept in {@link #closeFailure()}
   * and reported by {@link #commit()} as {@link CommittedNotDurableException}.
   *
   * @throws IOException if the rename fails: the temp is removed, the target untouched
   */
  public void publishSynced() throws IOException {
    if (state != State.SYNCED) {
      throw new IllegalStateException("publishSynced before syncData: " + target + " is " + state);
    }
    try {
      Path ready = temp;
      if (staged) {
        // the staged temp is only a source now: close it (an error here still changes nothing)
        FileChannel staging = channel;
        channel = null;
        staging.close();
        ready = copyBeside();
      }
      if (copyTimes && metadataSource != null) {
        metadataSource.copyTimesTo(ready);
      }
      published = publish(ready);
    } catch (Throwable t) {
      discard(t);
      throw t;
    }
    FileChannel ch = channel;
    channel = null;
    try {
      ch.close();
    } catch (IOException e) {
      closeFailure = e;
    }
    state = State.COMMITTED;
    LiveTemps.unregister(temp);
    if (landing != null) {
      LiveTemps.unregister(landing);
    }
  }

  /**
   * Phase 3 of the commit, for the caller to do: the directories whose sync makes the published
   * rename durable (the target's, the temp's when it was elsewhere on the same file system, and the
   * parents of directories this write created, deepest first).
   *
   * @return the directories, in the order to sync them
   * @throws IllegalStateException unless {@link #publishSynced()} succeeded
   */
  public List<Path> directoriesToSync() {
    if (state != State.COMMITTED) {
      throw new IllegalStateException("not published: " + target);
    }
    List<Path> dirs = new ArrayList<>(2 + createdDirs.size());
    dirs.add(destDir);
    Path from = Paths2.parentOf(published);
    if (!from.equals(destDir)) {
      // the temp's entry left another directory of the same file system
      dirs.add(from);
    }
    for (int i = createdDirs.size() - 1; i >= 0; i--) {
      dirs.add(Paths2.parentOf(createdDirs.get(i)));
    }
    return dirs;
  }

  /** @return the temp that became the target */
  private Path publish(Path from) throws IOException {
    if (options.noClobber()) {
      // link(2) fails when the name exists: the atomic "create if absent" that rename cannot give
      Files.createLink(dest, from);
      try {
        Files.delete(from);
      } catch (IOException e) {
        // the target is in place; a second name of it is left, which a sweep removes
        Log.get().log(Level.WARNING, "committed {0}, but removing the temp name {1} failed: {2}", target, from, e.toString());
      }
      return from;
    }
    try {
      Files.move(from, dest, StandardCopyOption.ATOMIC_MOVE);
      return from;
    } catch (AtomicMoveNotSupportedException crossDevice) {
      if (from.equals(landing)) {
        throw crossDevice;
      }
      // a tempDir on a bind mount of the same device: not caught by the device check
      FileChannel first = channel;
      channel = null;
      first.close();
      Path beside = copyBeside();
      Files.move(beside, dest, StandardCopyOption.ATOMIC_MOVE);
      return beside;
    }
  }

  /**
   * Copies the closed temp into a new temp beside the target (synced as asked), removes the first,
   * and leaves the copy open in {@link #channel}, so that it keeps its lock until its rename.
   */
  private Path copyBeside() throws IOException {
    Temp t = createTemp(destDir);
    landing = t.path();
    channel = t.channel();
    try (FileChannel in = FileChannel.open(temp, StandardOpenOption.READ)) {
      long size = in.size();
      long done = 0;
      while (done < size) {
        long n = in.transferTo(done, size - done, channel);
        if (n <= 0) {
          throw new IOException("temp " + temp + " ended after " + done + " of " + size + " bytes");
        }
        done += n;
      }
      if (options.durability() != Durability.NONE) {
        channel.force(false);
      }
    }
    Files.delete(temp);
    LiveTemps.unregister(temp);
    return landing;
  }

  /** Discards the temp: idempotent, a no-op after a commit; failures are logged, never thrown. */
  public void abort() {
    abort(null);
  }

  /**
   * Discards the temp because of {@code primary}, which is on its way to the caller: a failure to
   * discard is attached to it as suppressed, so that the caller learns that a temp was left behind
   * (and the primary failure stays the one thrown). With {@code null}, as {@link #abort()}.
   */
  public void abort(Throwable primary) {
    if (state == State.OPEN || state == State.FAILED || state == State.SYNCED) {
      discard(primary);
    }
  }

  private void discard(Throwable primary) {
    state = State.DISCARDED;
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException e) {
        report(primary, e);
      }
      channel = null;
    }
    for (Path p : new Path[] {temp, landing}) {
      if (p != null) {
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          report(primary, e);
        }
        LiveTemps.unregister(p);
      }
    }
  }

  private static void report(Throwable primary, IOException cleanupFailure) {
    if (primary != null) {
      primary.addSuppressed(cleanupFailure);
    } else {
      Log.get().log(Level.WARNING, "discarding a temp file failed: {0}", cleanupFailure.toString());
    }
  }

  private static void closeQuietly(FileChannel ch) {
    try {
      ch.close();
    } catch (IOException ignored) {
      // the temp is being deleted
    }
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException ignored) {
      // best effort on a failure path; a sweep removes it later
    }
  }

  /** Whether a rename from {@code a} to {@code b} can stay inside one file system. */
  static boolean sameFileSystem(Path a, Path b) throws IOException {
    if (a.getFileSystem() != b.getFileSystem()) {
      return false;
    }
    if (FileMetadata.hasUnixView(a)) {
      Map<String, Object> da = Files.readAttributes(a, "unix:dev");
      Map<String, Object> db = Files.readAttributes(b, "unix:dev");
      return Objects.equals(da.get("dev"), db.get("dev"));
    }
    return Files.getFileStore(a).equals(Files.getFileStore(b));
  }
}
