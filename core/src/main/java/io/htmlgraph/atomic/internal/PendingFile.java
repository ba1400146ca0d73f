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
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
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
 *   <li>The target and the temp directory are resolved by {@link SafeFiles#resolve}: every symbolic
 *       link on the way is checked against the kernel's {@code protected_symlinks} rule before anything
 *       is created, so that another user's link in {@code /tmp} cannot make root write elsewhere.
 *   <li>The temp is created with {@code O_CREAT|O_EXCL} ({@code CREATE_NEW}) in the target's
 *       directory, so that it can never be a file or link someone planted, and so that the final
 *       {@code rename(2)} stays inside one file system, where it is atomic. A temp that replaces a file
 *       is a copy of it, its content truncated or overwritten, made where no one else can open it (see
 *       {@link #createCopy}): the only way to keep its ACL and extended attributes in pure Java.
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
 * <p>A temp on another file system (a {@code tempDir} there) is only a buffer: readable by its writer
 * alone, copied at commit into a temp beside the target through the channel that created it, never
 * reopened by its name. Where a name in the target's directory would make a path longer than
 * PATH_MAX, the work goes through a short alias of that directory (a link in {@code java.io.tmpdir},
 * removed afterwards).
 *
 * <p>Not thread-safe: one writer, one thread at a time (the public classes say so too).
 */
public final class PendingFile {
  // READ as well: a temp in another file system's temp directory is read back through this channel at
  // commit, never reopened by name (another user could have swapped the name for a link or a FIFO)
  private static final Set<OpenOption> CREATE = Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
      StandardOpenOption.WRITE);
  private static final Set<OpenOption> REOPEN_TRUNCATED = Set.of(StandardOpenOption.READ, StandardOpenOption.WRITE,
      StandardOpenOption.TRUNCATE_EXISTING, LinkOption.NOFOLLOW_LINKS);
  private static final Set<OpenOption> REOPEN = Set.of(StandardOpenOption.READ, StandardOpenOption.WRITE,
      LinkOption.NOFOLLOW_LINKS);
  private static final int MAX_NAME_ATTEMPTS = 100;
  /** From this size of the old content on, the copy is overwritten and cut at commit (see copyOnce). */
  static final long OVERWRITE_FROM = 1 << 20;
  // the longest name the library puts in a directory: a private directory, a slash and a name in it
  private static final int LONGEST_NAME = 80;

  private enum State { OPEN, FAILED, SYNCED, COMMITTED, DISCARDED }

  private final Path target;
  private final Path dest; // the name the rename replaces (through a short alias when the path is long)
  private final Path destDir; // its real directory: synced after the rename
  private final Path destOpsDir; // destDir, or a short alias of it
  private final Path tempRealDir; // where the temp goes when a temp directory on the same file system was asked
  private final Path tempOpsDir;
  private final WriteOptions options;
  private final FileMetadata source; // whose owner, mode, ACL and xattrs the new file gets, or null
  private final Path sourcePath; // its path, as the library uses it
  private final FileMetadata sourceDir; // its directory
  private final FileMetadata destDirMeta; // the target's directory, when the resolution read it
  private final boolean copyOf; // the new file starts with the source's content (a move across file systems)
  private final List<Path> createdDirs;
  private final boolean staged; // temp on another file system: copied beside the target at commit
  private final List<Path> aliases;

  private Path temp;
  private Object tempKey; // the temp's device and inode, to never delete a file that replaced it
  private FileChannel channel;
  private Path landing; // the temp beside the target when staged
  private Object landingKey;
  private Path published; // the temp that became the target
  private Path publishedDir; // its real directory
  private IOException closeFailure; // closing the temp after its rename failed
  // the temp's channel holds the old content beyond what was written: cut at the data sync
  private boolean overwrites;
  private long written; // the size of the new content so far
  private State state = State.OPEN;
  private Throwable failure;

  private PendingFile(Path target, Path dest, Path destDir, Path destOpsDir, Path tempRealDir, Path tempOpsDir,
      WriteOptions options, FileMetadata source, Path sourcePath, FileMetadata sourceDir,
      FileMetadata destDirMeta, boolean copyOf, List<Path> createdDirs, boolean staged, List<Path> aliases) {
    this.destDirMeta = destDirMeta;
    this.target = target;
    this.dest = dest;
    this.destDir = destDir;
    this.destOpsDir = destOpsDir;
    this.tempRealDir = tempRealDir;
    this.tempOpsDir = tempOpsDir;
    this.options = options;
    this.source = source;
    this.sourcePath = sourcePath;
    this.sourceDir = sourceDir;
    this.copyOf = copyOf;
    this.createdDirs = createdDirs;
    this.staged = staged;
    this.aliases = aliases;
  }

  /**
   * Opens a new version of {@code target}: resolves it (links followed as the options say, each under
   * the link rule of {@link SafeFiles}), checks it, then creates missing parent directories and the
   * temp. Every check comes before anything is created.
   *
   * @throws IllegalArgumentException on an empty path or a path that names no file
   * @throws FileSystemException if the target is a directory or not a regular file
   * @throws io.htmlgraph.atomic.UnsafeLinkException if a link on the way breaks the link rule
   * @throws java.nio.file.FileAlreadyExistsException with no-clobber, if the target exists
   */
  public static PendingFile open(Path target, WriteOptions options) throws IOException {
    PathArguments.checkFile(target, "target");
    Objects.requireNonNull(options, "options");
    return open(target, options, SafeFiles.resolve(target, options.symlinks() == SymlinkPolicy.FOLLOW), null);
  }

  /**
   * Like {@link #open(Path, WriteOptions)}, but the new file starts as a copy of {@code source} (a
   * regular file, possibly on another file system): its content, owner, mode, ACL, xattrs and times,
   * as {@code rename(2)} would keep them. Commit it as it is. For a move across file systems.
   *
   * @param source the file to copy, resolved by the caller (a regular file)
   */
  public static PendingFile openCopyOf(Path target, WriteOptions options, Path source) throws IOException {
    PathArguments.checkFile(target, "target");
    Objects.requireNonNull(options, "options");
    return open(target, options, SafeFiles.resolve(target, options.symlinks() == SymlinkPolicy.FOLLOW),
        Objects.requireNonNull(source, "source"));
  }

  /** Opens a new version of the already resolved {@code resolved}, the resolution of {@code target}. */
  static PendingFile open(Path target, WriteOptions options, SafeFiles.Resolved resolved, Path copyFrom)
      throws IOException {
    Path realDest = resolved.path();
    FileMetadata existing = resolved.metadata();
    switch (existing.kind()) {
      case DIRECTORY -> throw new FileSystemException(target.toString(), null, "is a directory");
      case OTHER -> throw new FileSystemException(target.toString(), null, "not a regular file");
      default -> { }
    }
    if (options.noClobber() && existing.exists()) {
      throw new FileAlreadyExistsException(target.toString(), null, "exists, and no-clobber was asked");
    }
    if (existing.kind() == FileMetadata.Kind.REGULAR) {
      SafeFiles.checkReplaceable(resolved.parent(), existing, target);
    }
    if (options.permissions().isPresent() && !FileMetadata.hasPosixView(realDest)) {
      throw new UnsupportedOperationException("explicit permissions need a POSIX file system: " + realDest);
    }
    SafeFiles.Resolved tempDirResolved = null;
    if (options.tempDir().isPresent()) {
      tempDirResolved = SafeFiles.resolveDirectory(options.tempDir().get(), "tempDir");
    }
    FileMetadata source;
    Path sourcePath;
    FileMetadata sourceDir;
    if (copyFrom != null) {
      source = FileMetadata.read(copyFrom);
      if (source.kind() != FileMetadata.Kind.REGULAR) {
        throw new FileSystemException(copyFrom.toString(), null, "not a regular file");
      }
      sourcePath = copyFrom;
      sourceDir = FileMetadata.read(Directories.parentOf(copyFrom));
    } else if (existing.kind() == FileMetadata.Kind.REGULAR) {
      source = existing;
      sourcePath = realDest;
      sourceDir = resolved.parent(); // one lstat, for the copy that keeps its ACL (createCopy)
    } else {
      source = null;
      sourcePath = null;
      sourceDir = null;
    }
    // every check is done: from here on, things are created
    Path destDir = Directories.parentOf(realDest);
    Path tempRealDir = null;
    boolean staged = false;
    if (tempDirResolved != null) {
      tempRealDir = tempDirResolved.path();
      if (!tempDirResolved.metadata().exists()) {
        Directories.createMissing(tempRealDir);
      }
    }
    List<Path> created;
    try {
      created = resolved.parentExists() ? List.of() : Directories.createMissing(destDir);
    } catch (FileSystemException e) {
      throw target.toString().equals(e.getFile()) ? e
          : about(target, "cannot be written: its directory " + destDir + " cannot be created", e, existingAncestor(destDir));
    }
    if (tempRealDir != null) {
      staged = !sameFileSystem(tempRealDir, destDir);
    }
    List<Path> aliases = new ArrayList<>(0);
    PendingFile f;
    try {
      Path destOpsDir = opsDir(destDir, aliases);
      Path tempOpsDir = tempRealDir == null ? null : opsDir(tempRealDir, aliases);
      Path dest = destOpsDir == destDir ? realDest : destOpsDir.resolve(realDest.getFileName());
      if (sourcePath == realDest) {
        sourcePath = dest;
      }
      f = new PendingFile(target, dest, destDir, destOpsDir, tempRealDir, tempOpsDir, options, source, sourcePath,
          sourceDir, copyFrom == null && source != null ? sourceDir : null, copyFrom != null, created, staged,
          aliases);
    } catch (IOException | RuntimeException | Error e) {
      removeAliases(aliases);
      throw e;
    }
    try {
      f.begin();
    } catch (IOException | RuntimeException | Error e) {
      removeAliases(aliases);
      throw e;
    }
    return f;
  }

  private static Path existingAncestor(Path dir) {
    Path p = dir.toAbsolutePath();
    while (p != null && !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
      p = p.getParent();
    }
    return p != null ? p : dir;
  }

  /**
   * The path to use for operations in {@code dir}: {@code dir} itself, or, when a name in it would make
   * a path longer than the kernel takes (PATH_MAX), a short alias: a link to it in java.io.tmpdir.
   */
  private static Path opsDir(Path dir, List<Path> aliases) throws IOException {
    if (!SafeFiles.tooLongFor(dir, LONGEST_NAME)) {
      return dir;
    }
    Path alias = SafeFiles.shortAlias(dir);
    aliases.add(alias);
    return alias;
  }

  private static void removeAliases(List<Path> aliases) {
    for (Path a : aliases) {
      try {
        Files.deleteIfExists(a);
      } catch (IOException e) {
        Log.get().log(Level.WARNING, "removing the short alias {0} failed: {1}", a, e.toString());
      }
    }
    aliases.clear();
  }

  private void begin() throws IOException {
    Path realDir = tempRealDir != null ? tempRealDir : destDir;
    Path opsDir = tempOpsDir != null ? tempOpsDir : destOpsDir;
    Temp t;
    try {
      t = staged ? createStagingTemp(opsDir) : createTemp(realDir, opsDir);
    } catch (FileSystemException e) {
      throw explain(e, realDir);
    }
    temp = t.path();
    tempKey = t.key();
    channel = t.channel();
    written = copyOf ? source.size() : 0;
  }

  private record Temp(Path path, FileChannel channel, Object key) {}

  /**
   * The temp in another file system's temp directory: only a buffer for the content, copied beside the
   * target at commit. Readable by this process's user alone; the file beside the target is the one that
   * gets the metadata.
   */
  private Temp createStagingTemp(Path dir) throws IOException {
    FileAttribute<?>[] attrs = FileMetadata.creationAttributes(dir, OWNER_ONLY);
    return createPlain(dir, attrs, false);
  }

  private static final Set<PosixFilePermission> OWNER_ONLY = Set.of(PosixFilePermission.OWNER_READ,
      PosixFilePermission.OWNER_WRITE);

  /** Creates, locks and registers the temp that will be renamed onto the target, with its metadata. */
  private Temp createTemp(Path realDir, Path opsDir) throws IOException {
    if (source != null && FileMetadata.hasUnixView(opsDir)) {
      return createCopy(realDir, opsDir);
    }
    FileAttribute<?>[] attrs = options.permissions().isPresent()
        ? FileMetadata.creationAttributes(opsDir, options.permissions().get())
        : source != null ? source.creationAttributes(opsDir) : new FileAttribute<?>[0];
    Temp t = createPlain(opsDir, attrs, true);
    if (copyOf) {
      // no unix view: copy the content by hand (the metadata went with applyMetadata)
      boolean ok = false;
      try (FileChannel in = FileChannel.open(sourcePath, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
        long size = in.size();
        transfer(in, 0, size, t.channel(), sourcePath);
        ok = true;
      } finally {
        if (!ok) {
          closeQuietly(t.channel());
          deleteIfOurs(t.path(), t.key());
          LiveTemps.unregister(t.path());
        }
      }
    }
    return t;
  }

  /** Creates ({@code O_EXCL}), locks and registers a temp in {@code dir}. */
  private Temp createPlain(Path dir, FileAttribute<?>[] attrs, boolean withMetadata) throws IOException {
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
        // The owner, mode, xattrs and version mark go on before the lock: the JDK sets a mode (with
        // NOFOLLOW_LINKS), an xattr or a time through a descriptor of its own, and closing it drops
        // every fcntl lock this process holds on the file, so done after the lock they would strip the
        // temp of its proof of life (a sweep in another process could then delete a live temp).
        FileMetadata created = FileMetadata.read(candidate);
        if (created.exists()) {
          if (withMetadata) {
            applyMetadata(candidate, created);
          }
          VersionMarks.stamp(candidate);
        }
        // After the lock, once this writer holds it no sweep can delete the temp; a stat tells whether
        // one did so just before (the writer would then write into an unlinked file whose rename
        // fails). A name still there is this writer's own: names are random and created with O_EXCL,
        // so no one else recreates a swept one.
        if (!created.exists() || !proveLife(ch) || !Files.exists(candidate, LinkOption.NOFOLLOW_LINKS)) {
          // a sweep in another process holds it and is about to delete it, or it already did: draw
          // another name
          ch.close();
          LiveTemps.unregister(candidate);
          continue;
        }
        ok = true;
        return new Temp(candidate, ch, created.fileKey());
      } catch (NoSuchFileException swept) {
        // a sweep in another process deleted it while its metadata was set: draw another name
        ch.close();
        LiveTemps.unregister(candidate);
        continue;
      } finally {
        if (!ok && ch.isOpen()) {
          closeQuietly(ch);
          deleteQuietly(candidate);
          LiveTemps.unregister(candidate);
        }
      }
    }
  }

  /**
   * The temp that replaces an existing file, as a copy of that file: {@code Files.copy} with
   * {@code COPY_ATTRIBUTES} is the only way pure Java has to carry a POSIX ACL
   * ({@code system.posix_acl_access}) and the other extended attributes the process may set
   * ({@code security.*} for root, {@code user.*}); the JDK's user-xattr view cannot even see an ACL.
   * Dropping the ACL would widen access: a file {@code 0640} with {@code group::---} and
   * {@code user:nobody:r--} would become readable by its group.
   *
   * <p>The steps, and the failure each prevents:
   * <ol>
   *   <li>The copy is made in a private directory ({@code 0700}, {@link PrivateDirs}) of this JVM for
   *       the target's directory, unless that directory itself is private. {@code Files.copy} creates
   *       its file with the old mode and sets the ACL last: in between, the mode's group bits (the
   *       ACL's mask) apply to the owning group, which the ACL may deny. Inside the private directory no
   *       other user can open the file during that moment (an open file stays open after the ACL
   *       lands). The private directory was made in the target's directory, so the copy inherits what
   *       a file made there would (its default ACL, an SELinux label); it is kept for the next
   *       replaces in {@code java.io.tmpdir} when that is on the same mount, else made and removed
   *       around the copy.
   *   <li>Where another user could replace the old file meanwhile (see
   *       {@link SafeFiles#othersMayReplace}), the copy is made from a hard link to it in the private
   *       directory, so that a link or FIFO swapped in cannot be followed or block the copy's
   *       {@code O_RDONLY} open.
   *   <li>The copy is reopened ({@code O_NOFOLLOW}) and truncated, its group, mode, setuid and setgid
   *       are corrected (see {@link #fixMetadata}), it is locked, and only then renamed into the
   *       directory under a fresh {@code .tmp-} name. An old content of {@link #OVERWRITE_FROM} bytes
   *       or more is not truncated but overwritten, and what remains of it is cut at the data sync:
   *       truncating a file to zero and writing it again is the pattern for which ext4
   *       ({@code auto_da_alloc}) and XFS start writing the file back at its close. Meanwhile the temp
   *       holds old bytes, readable by exactly who could read the old file (it has its mode and ACL).
   * </ol>
   * The price: the old content is copied once (its size in I/O and, for a moment, in free space; on
   * JDK 21 and later {@code Files.copy} uses {@code copy_file_range(2)}, which XFS and btrfs serve by
   * sharing extents). Pure Java has no way to carry the extended attributes without the content: the
   * JDK copies them only inside {@code Files.copy}, from a regular file with its data or from a
   * directory.
   */
  private Temp createCopy(Path realDir, Path opsDir) throws IOException {
    // The copy can be made in place, without a private subdirectory, where no one else could open it
    // while the JDK sets its attributes: in a directory no other user can enter, or when the old file
    // grants nothing to group and others (the copy is created with its mode, and without an ACL yet a
    // user the ACL names falls under "others"), unless that file must be pinned first.
    FileMetadata dirMeta = realDir.equals(destDir) && destDirMeta != null ? destDirMeta : FileMetadata.read(realDir);
    boolean direct = SafeFiles.isPrivate(dirMeta)
        || (source.mode() >= 0 && (source.mode() & 0077) == 0
            && !(sourceDir != null && SafeFiles.othersMayReplace(sourceDir, source)));
    for (int attempt = 1; ; attempt++) {
      Temp t = copyOnce(opsDir, direct, dirMeta);
      if (t != null) {
        return t;
      }
      if (attempt >= MAX_NAME_ATTEMPTS) {
        throw new FileSystemException(target.toString(), null, "cannot be written: no temp file could be kept in "
            + realDir + " (each was taken by a sweep of orphaned temps before it was locked)");
      }
    }
  }

  /** One attempt of {@link #createCopy}: null if the name was taken, or a sweep took the copy. */
  private Temp copyOnce(Path opsDir, boolean direct, FileMetadata dirMeta) throws IOException {
    PrivateDirs.Lease lease = direct ? null : PrivateDirs.acquire(opsDir, dirMeta);
    Path work = direct ? opsDir : lease.path();
    Path copy = work.resolve(TempNames.next(TempNames.WRITER_PREFIX));
    FileChannel ch = null;
    Path pin = null;
    boolean registered = false;
    boolean ok = false;
    try {
      FileMetadata from = source;
      Path copySource = sourcePath;
      boolean othersMayReplace = sourceDir != null && SafeFiles.othersMayReplace(sourceDir, source);
      if (othersMayReplace) {
        pin = work.resolve(TempNames.next(TempNames.WRITER_PREFIX));
        try {
          Files.createLink(pin, sourcePath);
          from = FileMetadata.read(pin);
          copySource = pin;
        } catch (FileSystemException | UnsupportedOperationException e) {
          // fs.protected_hardlinks refuses a link to a file this user may not both read and write (or to
          // a setuid file), and some file systems have no hard links: copy unpinned, verified below
          Log.get().log(Level.DEBUG, "no private link to {0}: {1}", sourcePath, e.toString());
          pin = null;
        }
      }
      if (from.kind() != FileMetadata.Kind.REGULAR) {
        throw replacedMeanwhile();
      }
      try {
        if (direct) {
          // the copy appears under its final name: its name is claimed first, so that a sweep in this
          // JVM never opens it (see LiveTemps)
          if (!LiveTemps.register(copy)) {
            return null;
          }
          registered = true;
          Files.copy(copySource, copy, StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
        } else {
          Files.copy(copySource, copy, StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
        }
      } catch (FileAlreadyExistsException taken) {
        return null;
      } catch (AccessDeniedException e) {
        throw new AccessDeniedException(target.toString(), null, "not written: " + sourcePath + " cannot be read,"
            + " so its ACL and extended attributes cannot be copied, and a replace must not grant access the"
            + " old file did not (" + e.getMessage() + ")");
      }
      if (pin != null) {
        Files.delete(pin);
        pin = null;
      } else if (othersMayReplace && !copiedFrom(copy, from)) {
        throw replacedMeanwhile();
      }
      // Owner, mode and a fresh version mark (the copy carries the old file's) go on before the lock:
      // the JDK sets a mode with NOFOLLOW_LINKS, and an xattr, through a descriptor of its own, and
      // closing it would drop this process's lock on the copy (its proof of life towards sweeps).
      FileMetadata made = FileMetadata.read(copy);
      if (direct && !made.exists()) {
        return null; // a sweep of this user's in another process removed it: draw again
      }
      if (made.kind() != FileMetadata.Kind.REGULAR) {
        throw replacedMeanwhile();
      }
      fixMetadata(copy, made, from);
      VersionMarks.stamp(copy);
      // A large old content is overwritten rather than truncated first: truncating a file to zero and
      // writing it again is the pattern for which ext4 (auto_da_alloc) and XFS start writing it back
      // when it is closed, which cost a 10 MB replace at NONE three times its writing on XFS here
      boolean overwrite = !copyOf && from.size() >= OVERWRITE_FROM;
      ch = FileChannel.open(copy, copyOf || overwrite ? REOPEN : REOPEN_TRUNCATED);
      overwrites = overwrite;
      boolean locked = proveLife(ch);
      if (direct && (!locked || !Files.exists(copy, LinkOption.NOFOLLOW_LINKS))) {
        // a sweep of this user's in another process holds it, or already removed it: draw again
        return null;
      }
      if (copyOf) {
        ch.position(ch.size());
      }
      Path name = copy;
      if (!direct) {
        do {
          name = opsDir.resolve(TempNames.next(TempNames.WRITER_PREFIX));
        } while (!LiveTemps.register(name)); // claimed by a sweep in this JVM: draw another
        try {
          // rename(2) alone: a fresh random name (microseconds and 8 random characters) is not taken,
          // and an entry planted there would be replaced, never written through
          Files.move(copy, name, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException otherMount) {
          LiveTemps.unregister(name);
          if (lease.parked()) {
            // the parked directory is on another mount than the target's now: copy beside the temp
            lease.unpark();
            return null;
          }
          throw otherMount;
        } catch (IOException | RuntimeException | Error e) {
          LiveTemps.unregister(name);
          throw e;
        }
      }
      ok = true;
      return new Temp(name, ch, made.fileKey());
    } finally {
      if (!ok) {
        if (ch != null) {
          closeQuietly(ch);
        }
        if (pin != null) {
          deleteQuietly(pin);
        }
        if (direct) {
          if (ch != null) {
            deleteQuietly(copy); // only once this writer had it open: it is its own
          }
          if (registered) {
            LiveTemps.unregister(copy);
          }
        } else {
          deleteQuietly(copy);
        }
      }
      if (lease != null) {
        lease.release();
      }
    }
  }

  private FileSystemException replacedMeanwhile() {
    return new FileSystemException(target.toString(), null, "not written: " + sourcePath
        + " was replaced meanwhile (another user may rename files in its directory)");
  }

  /**
   * Tells whether the unpinned copy {@code copy} was made from the file {@code from} described: a
   * regular file with its size and modification time (and, for root, its owner, group and mode; for
   * anyone else the JDK keeps neither, as its chown fails). A link or FIFO swapped in before the copy's
   * {@code lstat} is copied as what it is and fails here; a link swapped in between that
   * {@code lstat} and the open is followed by the JDK and gives the metadata of the file it points
   * to, which fails here unless that file matches in all of these. The remaining limit: a FIFO swapped
   * in at exactly that moment blocks the copy's {@code O_RDONLY} open.
   */
  private static boolean copiedFrom(Path copy, FileMetadata from) throws IOException {
    FileMetadata c = FileMetadata.read(copy);
    if (c.kind() != FileMetadata.Kind.REGULAR || c.size() != from.size()
        || !sameMicros(c.lastModified(), from.lastModified())) {
      return false;
    }
    // the JDK sets owner and group, then the mode, and gives up on both when the chown is refused
    return SafeFiles.euid() != 0
        || (c.uid() == from.uid() && c.gid() == from.gid() && c.mode() == from.mode());
  }

  /** JDK 17's {@code Files.copy} sets times with microsecond precision ({@code futimes}); JDK 25's in ns. */
  private static boolean sameMicros(java.nio.file.attribute.FileTime a, java.nio.file.attribute.FileTime b) {
    return a != null && b != null
        && a.to(java.util.concurrent.TimeUnit.MICROSECONDS) == b.to(java.util.concurrent.TimeUnit.MICROSECONDS);
  }

  /**
   * Corrects what {@code Files.copy} left on the copy, while it is still private. The copy sets owner
   * and group together, so a process that may not give the owner keeps neither: the group is set on
   * its own when permitted. Then the mode: setuid and setgid only for root (for any other process the
   * kernel clears them on its first write, and a setuid file owned by the writer where one owned by
   * someone else stood would grant the writer's rights), and never the group bits for a group other
   * than the old file's (the writer's own group was never granted them). Explicit permissions win.
   */
  private void fixMetadata(Path copy, FileMetadata made, FileMetadata from) throws IOException {
    boolean ownerKept = made.uid() == from.uid();
    boolean groupKept = made.gid() == from.gid();
    boolean changed = false;
    if (!groupKept) {
      groupKept = tryChown(copy, "unix:gid", from.gid());
      changed = groupKept;
    }
    int want = FileMetadata.modeForReplace(from.mode(), ownerKept, groupKept);
    if (options.permissions().isPresent()) {
      want = FileMetadata.toMode(options.permissions().get());
    }
    if (changed || want != made.mode()) {
      Files.setAttribute(copy, "unix:mode", want, LinkOption.NOFOLLOW_LINKS);
    }
  }

  private static boolean tryChown(Path file, String attribute, int id) throws IOException {
    try {
      Files.setAttribute(file, attribute, id, LinkOption.NOFOLLOW_LINKS);
      return true;
    } catch (FileSystemException notPermitted) {
      return false;
    }
  }

  /**
   * A failure to make the temp, told about the target: "/proc/version: cannot be replaced: a temp file
   * cannot be created in /proc (No such file or directory); it is on a proc file system, whose files
   * cannot be replaced by a rename" rather than an error about a temp name the caller never chose.
   */
  private FileSystemException explain(FileSystemException e, Path dir) {
    if (e instanceof io.htmlgraph.atomic.UnsafeLinkException || target.toString().equals(e.getFile())) {
      return e;
    }
    return about(target, "cannot be written: a temp file cannot be created in " + dir, e, dir);
  }

  /** {@code e}, reworded as a failure about {@code file}; same type where it tells something. */
  static FileSystemException about(Path file, String what, FileSystemException e, Path dir) {
    String reason = what + " (" + why(e) + ")" + pseudoFileSystem(dir);
    FileSystemException x = e instanceof AccessDeniedException
        ? new AccessDeniedException(file.toString(), null, reason)
        : new FileSystemException(file.toString(), null, reason);
    x.initCause(e);
    return x;
  }

  /** The JDK leaves the reason empty for the commonest errors. */
  private static String why(FileSystemException e) {
    if (e.getReason() != null) {
      return e.getReason();
    }
    if (e instanceof java.nio.file.NoSuchFileException) {
      return "No such file or directory";
    }
    if (e instanceof AccessDeniedException) {
      return "Permission denied";
    }
    if (e instanceof FileAlreadyExistsException) {
      return "File exists";
    }
    return e.getClass().getSimpleName();
  }

  private static final Set<String> PSEUDO = Set.of("proc", "sysfs", "cgroup", "cgroup2", "debugfs", "tracefs",
      "securityfs", "configfs", "devpts", "bpf", "efivarfs", "pstore", "fusectl", "mqueue", "binfmt_misc",
      "selinuxfs", "autofs");

  /** For a kernel pseudo file system (/proc, /sys): why nothing there can be replaced. */
  private static String pseudoFileSystem(Path dir) {
    try {
      String type = Files.getFileStore(dir).type();
      return PSEUDO.contains(type) ? "; " + dir + " is on a " + type + " file system, whose files are made by"
          + " the kernel and cannot be replaced by a rename" : "";
    } catch (IOException | RuntimeException unknown) {
      return ""; // only for the message
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
    if (source != null) {
      boolean withMode = options.permissions().isEmpty();
      source.copyTo(file, current, sourcePath, withMode);
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
        written += channel.write(src);
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
      transfer(in, position, length, channel, null);
      written += length;
    } catch (IOException | RuntimeException | Error e) {
      markFailed(e);
      throw e;
    }
  }

  private static void transfer(FileChannel in, long position, long length, FileChannel out, Path what)
      throws IOException {
    long done = 0;
    while (done < length) {
      long n = in.transferTo(position + done, length - done, out);
      if (n <= 0) {
        throw new IOException((what == null ? "source" : what.toString()) + " ended after " + done + " of "
            + length + " bytes");
      }
      done += n;
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
    // A Flight Recorder event (Jfr): null unless a recording takes it, and then no clock is read
    Object event = Jfr.beginCommit();
    long start = event == null ? 0 : System.nanoTime();
    long synced = 0;
    long renamed = 0;
    boolean sharedDirectorySync = false; // whether a directory sync served other writers too
    String outcome = "failed";
    try {
      syncData();
      synced = event == null ? 0 : System.nanoTime();
      publishSynced();
      renamed = event == null ? 0 : System.nanoTime();
      outcome = "not durable";
      if (options.durability() == Durability.FULL) {
        sharedDirectorySync = DirectorySync.syncPublished(directoriesToSync(), target, closeFailure);
      }
      if (closeFailure != null) {
        throw new CommittedNotDurableException(target, "closing its temp file after the rename failed", closeFailure);
      }
      outcome = "committed";
    } finally {
      if (event != null) {
        Jfr.endCommit(event, target, written, options.durability(), start, synced, renamed, System.nanoTime(),
            sharedDirectorySync, outcome);
      }
    }
  }

  /**
   * Where the temp was made by overwriting a large old content (see {@link #copyOnce}), cuts what
   * remains of it after the new content, before anything is synced or renamed.
   */
  private void cutOldContent() throws IOException {
    if (overwrites && channel.size() > channel.position()) {
      channel.truncate(channel.position());
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
   * The commit in three phases, for a group commit (GroupCommit) that syncs many files together and
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
      cutOldContent();
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
      Path ready = staged ? copyBeside() : temp;
      if (copyOf && !FileMetadata.hasUnixView(ready)) {
        // Files.copy kept the times on the unix route; by hand here, now that the content is complete
        source.copyTimesTo(ready);
      }
      published = publish(ready);
      publishedDir = published == temp && tempRealDir != null && !staged ? tempRealDir : destDir;
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
    removeAliases(aliases);
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
    if (!publishedDir.equals(destDir)) {
      // the temp's entry left another directory of the same file system
      dirs.add(publishedDir);
    }
    dirs.addAll(Directories.parentsOf(createdDirs));
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
      Path beside = copyBeside();
      Files.move(beside, dest, StandardCopyOption.ATOMIC_MOVE);
      return beside;
    }
  }

  /**
   * Copies the temp into a new temp beside the target (synced as asked), through the channel this
   * writer has held since it created the temp: never by reopening its name, which another user could
   * have swapped for a link (root would copy the file it points to) or a FIFO (the open would block
   * forever) in a shared temp directory. Then closes and removes the first temp, and leaves the copy
   * open in {@link #channel}, so that it keeps its lock until its rename.
   */
  private Path copyBeside() throws IOException {
    FileChannel staging = channel;
    Temp t;
    try {
      t = createTemp(destDir, destOpsDir);
    } catch (FileSystemException e) {
      throw explain(e, destDir);
    }
    landing = t.path();
    landingKey = t.key();
    channel = t.channel();
    transfer(staging, 0, staging.size(), channel, temp);
    cutOldContent();
    if (options.durability() != Durability.NONE) {
      channel.force(false);
    }
    staging.close();
    deleteIfOurs(temp, tempKey);
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
    try {
      if (temp != null) {
        deleteIfOurs(temp, tempKey);
      }
      if (landing != null) {
        deleteIfOurs(landing, landingKey);
      }
    } catch (IOException e) {
      report(primary, e);
    }
    for (Path p : new Path[] {temp, landing}) {
      if (p != null) {
        LiveTemps.unregister(p);
      }
    }
    removeAliases(aliases);
  }

  /**
   * Deletes the temp {@code p} if the name still holds the file this writer created (key
   * {@code key}): a name that another user replaced (possible in a shared temp directory) is theirs.
   */
  private static void deleteIfOurs(Path p, Object key) throws IOException {
    if (key != null) {
      FileMetadata now = FileMetadata.read(p);
      if (!now.exists()) {
        return;
      }
      if (!key.equals(now.fileKey())) {
        Log.get().log(Level.WARNING, "not removing {0}: it is no longer this writer''s temp file", p);
        return;
      }
    }
    Files.deleteIfExists(p);
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
