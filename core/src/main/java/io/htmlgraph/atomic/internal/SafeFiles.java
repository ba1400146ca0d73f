package io.htmlgraph.atomic.internal;

import io.htmlgraph.atomic.UnsafeLinkException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The library's rules for paths in which another local user may have planted something: which
 * symbolic links it follows, and how it opens a file a caller named without following a link or
 * hanging on a FIFO. Every part of the library that resolves or opens such a path goes through here.
 *
 * <p><b>The link rule.</b> The library resolves links itself (to write through a link, to find where
 * a temp must go), so the kernel's {@code fs.protected_symlinks} never gets a say, and the sysctl may
 * be 0 anyway. The library therefore applies the kernel's rule ({@code may_follow_link} in
 * {@code fs/namei.c}) to every link it follows, in every component of the path: a link is followed
 * only if its directory is not both sticky and world-writable, or the link belongs to the process's
 * effective user, or it belongs to the directory's owner. Anything else is an
 * {@link UnsafeLinkException}, thrown before anything is created. Without the rule, another user
 * plants {@code /tmp/report.txt -> /etc/shadow} and a program running as root replaces
 * {@code /etc/shadow}.
 *
 * <p><b>Opening by name.</b> {@code open(2)} of a FIFO for reading blocks until a writer comes, and
 * Java has no {@code O_NONBLOCK} for files. So a file is checked with {@code lstat} first (a FIFO or
 * device is refused: "not a regular file"), opened with {@code O_NOFOLLOW} (a link swapped in after
 * the check is not followed), and the opened handle is checked again ({@code lseek} fails on a FIFO or
 * socket). Where another user could swap the name between the check and the open, the open is tried
 * with {@code O_RDWR} first, which never blocks on a FIFO on Linux.
 *
 * <p>Check-then-use on directory components is sound for the rule: in a sticky directory only a
 * link's owner can replace it, and a user who owns a directory on the path controls what lies below
 * it anyway (the kernel's rule does not protect that case either).
 */
public final class SafeFiles {
  /** Linux's limit on the links followed while resolving one path (MAXSYMLINKS). */
  static final int MAX_LINKS = 40;

  private static final int S_ISVTX = 01000;
  private static final int S_IWOTH = 00002;
  private static final int S_IWGRP = 00020;

  private SafeFiles() {}

  /** A file the library refused to open because it is not a regular file (a FIFO, device, socket). */
  public static final class NotRegularFileException extends FileSystemException {
    private static final long serialVersionUID = 1L;

    public NotRegularFileException(String file, String reason) {
      super(file, null, reason);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Who we are

  private static final class Euid {
    static final int VALUE = find();

    private static int find() {
      FileSystem fs = FileSystems.getDefault();
      if (!fs.supportedFileAttributeViews().contains("unix")) {
        return -1;
      }
      try {
        // /proc/self is the process's directory, owned by its effective uid: one stat, no file created
        return (Integer) Files.getAttribute(fs.getPath("/proc/self"), "unix:uid");
      } catch (IOException | RuntimeException noProc) {
        // no procfs mounted: a file this process creates belongs to its effective uid
        try {
          Path probe = Files.createTempFile(".euid-", ".tmp");
          try {
            return (Integer) Files.getAttribute(probe, "unix:uid", LinkOption.NOFOLLOW_LINKS);
          } finally {
            Files.deleteIfExists(probe);
          }
        } catch (IOException | RuntimeException e) {
          Log.get().log(System.Logger.Level.WARNING, "cannot tell this process's effective uid: {0}", e.toString());
          return -1;
        }
      }
    }
  }

  /** @return the process's effective uid (found once), or -1 where there is no {@code unix} view */
  public static int euid() {
    return Euid.VALUE;
  }

  // ---------------------------------------------------------------------------------------------
  // Resolution

  /** What a path names once every link on it has been followed as the kernel would. */
  public static final class Resolved {
    private final Path path;
    private final FileMetadata metadata;
    private FileMetadata parent; // read on first use when the walk did not
    private final boolean parentExists;

    Resolved(Path path, FileMetadata metadata, FileMetadata parent, boolean parentExists) {
      this.path = path;
      this.metadata = metadata;
      this.parent = parent;
      this.parentExists = parentExists;
    }

    /**
     * @return the path with no symbolic link among its existing directories (and none at its end
     *     unless the final link was not to be followed); relative if the caller's path was and no
     *     absolute link was met
     */
    public Path path() {
      return path;
    }

    /** @return the {@code lstat} of {@link #path()} (absent if it does not exist) */
    public FileMetadata metadata() {
      return metadata;
    }

    /** @return whether the directory of {@link #path()} exists */
    public boolean parentExists() {
      return parentExists;
    }

    /** @return the {@code lstat} of the directory of {@link #path()}, read once on first use */
    public FileMetadata parent() throws IOException {
      if (parent == null) {
        parent = FileMetadata.read(Directories.parentOf(path));
      }
      return parent;
    }
  }

  /**
   * Resolves {@code p} as {@code open(2)} would, applying the link rule to every link on the way:
   * one {@code lstat} per component, plus a {@code readlink} per link.
   *
   * @param p the caller's path
   * @param followFinal whether a link at the end is followed too (as for a write through a link), or
   *     named itself (as for {@code O_NOFOLLOW} or a rename)
   * @throws UnsafeLinkException if a link on the way breaks the rule
   * @throws FileSystemException if a component that must be a directory is not one, or the links
   *     loop ("too many levels of symbolic links")
   */
  public static Resolved resolve(Path p, boolean followFinal) throws IOException {
    ArrayDeque<Path> todo = new ArrayDeque<>();
    for (Path name : p) {
      todo.add(name);
    }
    Path empty = p.getFileSystem().getPath("");
    Path cur = p.isAbsolute() ? p.getRoot() : empty;
    FileMetadata curMeta = null; // lstat of cur, when read
    int missingDepth = 0; // components below the last existing directory (they will be created)
    int links = 0;
    while (!todo.isEmpty()) {
      Path name = todo.removeFirst();
      boolean last = todo.isEmpty();
      String n = name.toString();
      if (n.equals(".")) {
        continue;
      }
      if (n.equals("..")) {
        // cur has no link in it, so its lexical parent is its real parent
        cur = up(cur, empty);
        curMeta = null;
        if (missingDepth > 0) {
          missingDepth--;
        }
        continue;
      }
      Path next = cur.equals(empty) ? name : cur.resolve(name);
      if (missingDepth > 0) {
        cur = next;
        missingDepth++;
        if (last) {
          return new Resolved(cur, FileMetadata.absent(), null, false);
        }
        continue;
      }
      // a directory on the way needs only its kind (the cheapest stat the JDK has); owners are read for
      // links only, which are rare
      FileMetadata.Kind kind;
      FileMetadata m = null;
      if (last) {
        m = FileMetadata.read(next);
        kind = m.kind();
      } else {
        kind = kindOf(next);
      }
      if (kind == FileMetadata.Kind.SYMLINK && (!last || followFinal)) {
        if (m == null) {
          m = FileMetadata.read(next);
        }
        if (!last && isProcLink(next, m)) {
          // a /proc magic link (/proc/PID/root, /proc/PID/cwd, /proc/self/fd/N): the kernel jumps to
          // the object itself, which its text does not name (another mount namespace's root reads as
          // "/"). Keep it in the path and let the kernel follow it; procfs directories are never sticky
          // and world-writable, so the rule allows it, and the walk goes on checking what lies below.
          cur = next;
          curMeta = null;
          continue;
        }
        if (++links > MAX_LINKS) {
          throw new FileSystemException(p.toString(), null, "too many levels of symbolic links");
        }
        if (curMeta == null) {
          curMeta = FileMetadata.read(cur.equals(empty) ? p.getFileSystem().getPath(".") : cur);
        }
        checkLink(next, m, cur, curMeta, p);
        Path to = Files.readSymbolicLink(next);
        List<Path> names = new ArrayList<>();
        for (Path t : to) {
          names.add(t);
        }
        for (int i = names.size() - 1; i >= 0; i--) {
          todo.addFirst(names.get(i));
        }
        if (to.isAbsolute()) {
          cur = to.getRoot();
          curMeta = null;
        }
        continue;
      }
      if (last) {
        return new Resolved(next, m, curMeta, true);
      }
      switch (kind) {
        case DIRECTORY -> {
          cur = next;
          curMeta = null;
        }
        case ABSENT -> {
          cur = next;
          missingDepth = 1;
        }
        default -> throw new FileSystemException(p.toString(), null, next + " is not a directory");
      }
    }
    // the path ends in "." or "..", or a link to "/": it names the directory reached
    boolean exists = missingDepth == 0;
    Path at = cur.equals(empty) ? p.getFileSystem().getPath(".") : cur;
    return new Resolved(at, exists ? FileMetadata.read(at) : FileMetadata.absent(), null, exists);
  }

  /** The devices seen so far, and whether each is a proc file system (a few per machine). */
  private static final java.util.concurrent.ConcurrentHashMap<Long, Boolean> PROC_DEVICES =
      new java.util.concurrent.ConcurrentHashMap<>();

  /** Tells whether {@code link} lies on a proc file system, where links can be magic. */
  private static boolean isProcLink(Path link, FileMetadata m) throws IOException {
    if (m.dev() < 0) {
      return false;
    }
    Boolean proc = PROC_DEVICES.get(m.dev());
    if (proc == null) {
      // a file store lookup reads the mount table: once per device
      proc = "proc".equals(Files.getFileStore(Directories.parentOf(link)).type());
      PROC_DEVICES.put(m.dev(), proc);
    }
    return proc;
  }

  private static FileMetadata.Kind kindOf(Path p) throws IOException {
    try {
      BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      return a.isDirectory() ? FileMetadata.Kind.DIRECTORY
          : a.isSymbolicLink() ? FileMetadata.Kind.SYMLINK
          : a.isRegularFile() ? FileMetadata.Kind.REGULAR
          : FileMetadata.Kind.OTHER;
    } catch (NoSuchFileException e) {
      return FileMetadata.Kind.ABSENT;
    }
  }

  private static Path up(Path cur, Path empty) {
    if (cur.equals(empty)) {
      return cur.getFileSystem().getPath("..");
    }
    if (cur.getFileName() == null) {
      return cur; // "/.." is "/"
    }
    if (cur.getFileName().toString().equals("..")) {
      return cur.resolve("..");
    }
    Path parent = cur.getParent();
    return parent != null ? parent : empty;
  }

  /**
   * The kernel's {@code protected_symlinks} rule for following {@code link}.
   *
   * @throws UnsafeLinkException if the rule forbids following it
   */
  static void checkLink(Path link, FileMetadata linkMeta, Path dir, FileMetadata dirMeta, Path asked)
      throws UnsafeLinkException {
    if (linkMeta.uid() < 0 || dirMeta.uid() < 0) {
      return; // no owners on this file system (no unix view): nothing to compare
    }
    if ((dirMeta.mode() & (S_ISVTX | S_IWOTH)) != (S_ISVTX | S_IWOTH)) {
      return;
    }
    int me = euid();
    if (linkMeta.uid() == me || linkMeta.uid() == dirMeta.uid()) {
      return;
    }
    String where = dir.toString().isEmpty() ? "the working directory" : dir.toString();
    String asking = link.equals(asked) ? "" : " (on the way to " + asked + ")";
    throw new UnsafeLinkException(link.toString(), "not following a symbolic link" + asking
        + " owned by uid " + linkMeta.uid() + " in the sticky world-writable directory " + where
        + " (owned by uid " + dirMeta.uid() + "): only links of the caller (uid " + me
        + ") or of the directory's owner are followed there (the kernel's protected_symlinks rule)");
  }

  /**
   * Resolves {@code dir} (a directory the library will create files in) with the link rule and
   * checks it is a directory or absent.
   *
   * @throws FileSystemException if it exists and is not a directory
   */
  public static Resolved resolveDirectory(Path dir, String what) throws IOException {
    Resolved r = resolve(dir, true);
    FileMetadata.Kind k = r.metadata().kind();
    if (k != FileMetadata.Kind.DIRECTORY && k != FileMetadata.Kind.ABSENT) {
      throw new FileSystemException(dir.toString(), null, what + " is not a directory");
    }
    return r;
  }

  /**
   * The kernel's {@code protected_regular} rule ({@code fs.protected_regular=1}), applied whatever the
   * sysctl says: in a sticky world-writable directory, a regular file is replaced only if it belongs to
   * the caller or to the directory's owner. Another user's file there is a name that user planted
   * before the caller came: a replace keeps the replaced file's owner and mode, so the caller's data
   * would become that user's to read. (The kernel refuses {@code open(O_CREAT)} of such a file for the
   * same reason.)
   *
   * @param dir the {@code lstat} of the file's directory
   * @param file the {@code lstat} of the file about to be replaced
   * @param target the caller's path, for the message
   * @throws FileSystemException if the rule forbids the replace
   */
  public static void checkReplaceable(FileMetadata dir, FileMetadata file, Path target) throws FileSystemException {
    if (file.kind() != FileMetadata.Kind.REGULAR || dir.uid() < 0 || file.uid() < 0
        || (dir.mode() & (S_ISVTX | S_IWOTH)) != (S_ISVTX | S_IWOTH)) {
      return;
    }
    int me = euid();
    if (file.uid() == me || file.uid() == dir.uid()) {
      return;
    }
    throw new FileSystemException(target.toString(), null, "not replacing a file owned by uid " + file.uid()
        + " in a sticky world-writable directory (owned by uid " + dir.uid() + "): only files of the caller (uid "
        + me + ") or of the directory's owner are replaced there, as the kernel's protected_regular rule has it;"
        + " the replaced file's owner would be kept, and with it that user's access to the new content");
  }

  /**
   * Tells whether someone other than this process's user and root could replace the entry
   * {@code entry} in directory {@code dir} (rename another file over it, or unlink it and plant a
   * FIFO or link): the directory's owner can; anyone may in a directory writable by its group or by
   * all unless it is sticky, where only the entry's owner can. An ACL on the directory may grant write
   * access that its mode does not show: Java cannot read it.
   */
  public static boolean othersMayReplace(FileMetadata dir, FileMetadata entry) {
    if (dir.uid() < 0) {
      return false; // no owners known (no unix view): nothing to decide on
    }
    int me = euid();
    if (dir.uid() != me && dir.uid() != 0) {
      return true;
    }
    if ((dir.mode() & (S_IWGRP | S_IWOTH)) == 0) {
      return false;
    }
    if ((dir.mode() & S_ISVTX) != 0) {
      return entry.uid() != me && entry.uid() != 0;
    }
    return true;
  }

  /**
   * Tells whether no user other than this process's (and root) can reach the files of {@code dir}:
   * it belongs to this process's user (or root) and grants no search permission to group or others.
   * (An ACL granting search to a named user or group shows in the group bits, as its mask.)
   */
  public static boolean isPrivate(FileMetadata dir) {
    return dir.uid() >= 0 && (dir.uid() == euid() || dir.uid() == 0) && (dir.mode() & 00011) == 0;
  }

  // ---------------------------------------------------------------------------------------------
  // Opening

  private static final Set<OpenOption> READ = Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
  private static final Set<OpenOption> READ_WRITE = Set.of(StandardOpenOption.READ, StandardOpenOption.WRITE,
      LinkOption.NOFOLLOW_LINKS);

  /**
   * Opens a file a caller named, for reading: the link rule on the way, a regular file only, never
   * through a link, never hanging on a FIFO put there in the meantime.
   *
   * <p>Limit: where another user may replace the name (see {@link #othersMayReplace}) the open is
   * tried with {@code O_RDWR} first, which never blocks on a FIFO. When this process may not write the
   * file, it falls back to {@code O_RDONLY}, and a FIFO swapped in during the microseconds between the
   * check and the open would block it until a writer comes. (The {@code O_RDWR} open, closed without
   * writing, still shows as a close-after-write to inotify watchers.)
   *
   * @throws NoSuchFileException if it does not exist
   * @throws NotRegularFileException if it is a directory, FIFO, device or socket
   * @throws UnsafeLinkException if a link on the way breaks the link rule
   */
  public static FileChannel openForRead(Path p) throws IOException {
    Resolved r = resolve(p, true);
    checkRegular(r.metadata(), p);
    Path real = r.path();
    FileChannel ch = null;
    if (othersMayReplace(r.parent(), r.metadata())) {
      try {
        ch = FileChannel.open(real, READ_WRITE);
      } catch (FileSystemException notWritable) {
        // no write permission, a read-only file system, or a running executable: O_RDONLY it is
      }
    }
    if (ch == null) {
      ch = FileChannel.open(real, READ);
    }
    return checkHandle(ch, p);
  }

  /**
   * Opens {@code file} with the given options plus {@code O_NOFOLLOW}, and checks the handle is a
   * regular file (a FIFO or socket put at that name is closed and refused). For files another user
   * could plant at a known name, such as a lock file: open them with {@code READ} and {@code WRITE}
   * (never a blocking {@code O_RDONLY} of a FIFO).
   *
   * @throws NotRegularFileException if the name held a FIFO or socket
   */
  public static FileChannel openNoFollow(Path file, OpenOption... options) throws IOException {
    Set<OpenOption> opts = new HashSet<>(options.length + 1);
    Collections.addAll(opts, options);
    opts.add(LinkOption.NOFOLLOW_LINKS);
    return checkHandle(FileChannel.open(file, opts), file);
  }

  /** @throws NotRegularFileException unless {@code m} is a regular file (NoSuchFileException if absent) */
  static void checkRegular(FileMetadata m, Path p) throws IOException {
    switch (m.kind()) {
      case REGULAR -> { }
      case ABSENT -> throw new NoSuchFileException(p.toString());
      case DIRECTORY -> throw new NotRegularFileException(p.toString(), "is a directory, not a regular file");
      default -> throw new NotRegularFileException(p.toString(), "not a regular file");
    }
  }

  /**
   * The check on the opened handle: {@code lseek} fails ({@code ESPIPE}) on a FIFO or socket. Java
   * cannot {@code fstat} a channel; a device swapped in by a hard link (possible only where
   * {@code fs.protected_hardlinks} is 0) is not detected here.
   */
  private static FileChannel checkHandle(FileChannel ch, Path p) throws IOException {
    try {
      ch.position();
      return ch;
    } catch (IOException notSeekable) {
      try {
        ch.close();
      } catch (IOException ignored) {
        // refusing it anyway
      }
      throw new NotRegularFileException(p.toString(), "not a regular file (it was replaced while being opened)");
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Paths longer than the kernel takes

  /** PATH_MAX on Linux, the terminating NUL included. */
  static final int PATH_MAX = 4096;

  /**
   * Tells whether a name of up to {@code extra} bytes in {@code dir} would exceed PATH_MAX when passed
   * to the kernel.
   */
  static boolean tooLongFor(Path dir, int extra) {
    return dir.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length + extra >= PATH_MAX;
  }

  /**
   * A short name for {@code dir}: a symbolic link to it in {@code java.io.tmpdir}, owned by this
   * process's user (so the link rule, and the kernel's, allow it). The caller removes it when done.
   *
   * @throws FileSystemException if no such link can be made
   */
  static Path shortAlias(Path dir) throws IOException {
    Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
    Resolved r = resolveDirectory(tmp, "java.io.tmpdir");
    Path absolute = dir.toAbsolutePath();
    for (int attempt = 1; ; attempt++) {
      Path alias = r.path().resolve(TempNames.next("atomic-dir"));
      try {
        return Files.createSymbolicLink(alias, absolute);
      } catch (FileAlreadyExistsException taken) {
        if (attempt >= 100) {
          throw taken;
        }
      } catch (AccessDeniedException | UnsupportedOperationException e) {
        throw new FileSystemException(dir.toString(), null, "its path is too long for the kernel with a temp name"
            + " in it, and no short alias for it could be made in " + r.path() + ": " + e);
      }
    }
  }
}
