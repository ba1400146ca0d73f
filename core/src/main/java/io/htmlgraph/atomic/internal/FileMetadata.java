package io.htmlgraph.atomic.internal;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What one stat of a file tells (kind, mode, owner, group), and how to give a temp file the metadata
 * of the file it replaces.
 *
 * <p>Renaming a temp over a file replaces the inode, and with it the mode, owner, group and extended
 * attributes: a config file that was 0640 root:app would silently become 0644 (or, as with
 * {@code Files.createTempFile}, 0600) owned by whoever wrote it. So the temp gets them before the
 * rename, and before any content is written, so that the temp is never readable by more people than
 * the file it replaces.
 *
 * <p>On Linux the JDK's {@code unix} attribute view reads mode, uid and gid in one {@code stat} without
 * looking up user names; other file systems fall back to the {@code posix} view, or to none.
 */
public final class FileMetadata {

  private static final int S_IFMT = 0170000;
  private static final int S_IFREG = 0100000;
  private static final int S_IFDIR = 0040000;
  private static final int S_IFLNK = 0120000;

  /** The kind of file a path names, without following a final link. */
  public enum Kind { ABSENT, REGULAR, DIRECTORY, SYMLINK, OTHER }

  private final Kind kind;
  private final int mode; // permission bits incl. setuid/setgid/sticky, or -1 when unknown
  private final int uid;
  private final int gid;
  private final PosixFileAttributes posix; // when the unix view is missing
  private final FileTime lastModified;
  private final Object fileKey; // device and inode, or null when unknown
  private final long size;
  private final long dev; // the device, or -1 when unknown

  private FileMetadata(Kind kind, int mode, int uid, int gid, PosixFileAttributes posix, FileTime lastModified,
      Object fileKey, long size, long dev) {
    this.size = size;
    this.dev = dev;
    this.kind = kind;
    this.mode = mode;
    this.uid = uid;
    this.gid = gid;
    this.posix = posix;
    this.lastModified = lastModified;
    this.fileKey = fileKey;
  }

  static boolean hasUnixView(Path p) {
    return p.getFileSystem().supportedFileAttributeViews().contains("unix");
  }

  static boolean hasPosixView(Path p) {
    return p.getFileSystem().supportedFileAttributeViews().contains("posix");
  }

  /** Reads what {@code p} names, not following a final symbolic link. One {@code lstat}. */
  public static FileMetadata read(Path p) throws IOException {
    try {
      if (hasUnixView(p)) {
        Map<String, Object> a = Files.readAttributes(p, "unix:mode,uid,gid,lastModifiedTime,fileKey,size,dev", LinkOption.NOFOLLOW_LINKS);
        int m = (Integer) a.get("mode");
        Kind kind = switch (m & S_IFMT) {
          case S_IFREG -> Kind.REGULAR;
          case S_IFDIR -> Kind.DIRECTORY;
          case S_IFLNK -> Kind.SYMLINK;
          default -> Kind.OTHER;
        };
        return new FileMetadata(kind, m & 07777, (Integer) a.get("uid"), (Integer) a.get("gid"), null,
            (FileTime) a.get("lastModifiedTime"), a.get("fileKey"), (Long) a.get("size"), (Long) a.get("dev"));
      }
      BasicFileAttributes a = hasPosixView(p)
          ? Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
          : Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      Kind kind = a.isRegularFile() ? Kind.REGULAR
          : a.isDirectory() ? Kind.DIRECTORY
          : a.isSymbolicLink() ? Kind.SYMLINK
          : Kind.OTHER;
      PosixFileAttributes posix = a instanceof PosixFileAttributes pa ? pa : null;
      int mode = posix == null ? -1 : toMode(posix.permissions());
      return new FileMetadata(kind, mode, -1, -1, posix, a.lastModifiedTime(), a.fileKey(), a.size(), -1);
    } catch (NoSuchFileException e) {
      return MISSING;
    }
  }

  private static final FileMetadata MISSING = new FileMetadata(Kind.ABSENT, -1, -1, -1, null, null, null, -1, -1);

  /** @return what {@link #read} gives for a missing file */
  public static FileMetadata absent() {
    return MISSING;
  }

  public Kind kind() {
    return kind;
  }

  /** @return the permission bits with setuid, setgid and sticky, or -1 when unknown */
  public int mode() {
    return mode;
  }

  /** @return the owner's uid, or -1 when unknown (no {@code unix} view) */
  public int uid() {
    return uid;
  }

  /** @return the group's gid, or -1 when unknown */
  public int gid() {
    return gid;
  }

  /** @return the device the file is on, or -1 when unknown */
  public long dev() {
    return dev;
  }

  /** @return the size in bytes (-1 when absent) */
  public long size() {
    return size;
  }

  /** @return the modification time, or null when absent */
  public FileTime lastModified() {
    return lastModified;
  }

  /** @return device and inode (equal for two names of one file), or null when unknown */
  public Object fileKey() {
    return fileKey;
  }

  public boolean exists() {
    return kind != Kind.ABSENT;
  }

  /** @return the attribute to create a temp with, so that it is never more readable than this file */
  public FileAttribute<?>[] creationAttributes(Path dir) {
    return mode < 0 || !hasPosixView(dir)
        ? new FileAttribute<?>[0]
        : new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(toPermissions(mode))};
  }

  /** @return the attribute to create a file with these permissions (before the umask) */
  public static FileAttribute<?>[] creationAttributes(Path dir, Set<PosixFilePermission> perms) {
    return hasPosixView(dir)
        ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(perms)}
        : new FileAttribute<?>[0];
  }

  /**
   * Gives {@code temp} this file's owner, group, mode and user xattrs, as far as the process may set
   * them: {@code chown} to another user needs privileges, and without them the temp keeps the
   * writer's ownership (as any rewrite by that user would).
   *
   * @param current what {@link #read} just gave for {@code temp}: only what differs is set
   */
  public void copyTo(Path temp, FileMetadata current, Path source, boolean withMode) throws IOException {
    if (hasUnixView(temp) && uid >= 0 && current.uid >= 0) {
      boolean chowned = false;
      if (current.uid != uid) {
        chowned = tryChown(temp, "unix:uid", uid);
      }
      if (current.gid != gid) {
        chowned |= tryChown(temp, "unix:gid", gid);
      }
      // chown clears setuid and setgid, so the mode goes last
      if (withMode && (chowned || current.mode != mode)) {
        Files.setAttribute(temp, "unix:mode", mode, LinkOption.NOFOLLOW_LINKS);
      }
    } else if (posix != null) {
      PosixFileAttributeView view = Files.getFileAttributeView(temp, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
      try {
        view.setOwner(posix.owner());
        view.setGroup(posix.group());
      } catch (FileSystemException notPermitted) {
        Log.get().log(Level.DEBUG, "cannot give {0} the owner of {1}: {2}", temp, source, notPermitted.getMessage());
      }
      if (withMode) {
        view.setPermissions(posix.permissions());
      }
    }
    copyUserXattrs(source, temp);
  }

  /**
   * The mode a replace gives the new file, from the old file's: setuid and setgid only for root (for
   * any other process the kernel clears them on its first write, and a setuid file owned by the
   * writer where one owned by someone else stood would grant the writer's rights), no setuid where
   * the owner could not be kept, and no group bits for a group other than the old file's (the
   * writer's own group was never granted them).
   */
  public static int modeForReplace(int oldMode, boolean ownerKept, boolean groupKept) {
    int want = oldMode;
    if (SafeFiles.euid() != 0) {
      want &= ~06000;
    }
    if (!ownerKept) {
      want &= ~04000;
    }
    if (!groupKept) {
      want &= ~02070;
    }
    return want;
  }

  /** Gives {@code file} this file's modification time (once its content is complete). */
  public void copyTimesTo(Path file) throws IOException {
    if (lastModified != null) {
      Files.setLastModifiedTime(file, lastModified);
    }
  }

  /** Gives {@code file} exactly these permissions, whatever the umask. */
  public static void setPermissions(Path file, Set<PosixFilePermission> perms) throws IOException {
    if (hasUnixView(file)) {
      Files.setAttribute(file, "unix:mode", toMode(perms), LinkOption.NOFOLLOW_LINKS);
    } else {
      Files.setPosixFilePermissions(file, perms);
    }
  }

  /** @return whether the owner or group was changed */
  private static boolean tryChown(Path temp, String attribute, int id) throws IOException {
    try {
      Files.setAttribute(temp, attribute, id, LinkOption.NOFOLLOW_LINKS);
      return true;
    } catch (FileSystemException notPermitted) {
      Log.get().log(Level.DEBUG, "cannot set {0}={1} on {2}: {3}", attribute, id, temp, notPermitted.getMessage());
      return false;
    }
  }

  private static void copyUserXattrs(Path from, Path to) {
    if (!from.getFileSystem().supportedFileAttributeViews().contains("user")) {
      return;
    }
    try {
      UserDefinedFileAttributeView src = Files.getFileAttributeView(from, UserDefinedFileAttributeView.class);
      List<String> names = new ArrayList<>(src.list());
      // the version mark is the old file's; the new file gets a fresh one (VersionMarks)
      names.remove(VersionMarks.NAME);
      if (names.isEmpty()) {
        return;
      }
      UserDefinedFileAttributeView dst = Files.getFileAttributeView(to, UserDefinedFileAttributeView.class);
      for (String name : names) {
        ByteBuffer value = ByteBuffer.allocate(src.size(name));
        src.read(name, value);
        value.flip();
        dst.write(name, value);
      }
    } catch (IOException | UnsupportedOperationException e) {
      // tmpfs without user xattrs, or a file system that refuses them: nothing to keep
      Log.get().log(Level.DEBUG, "user xattrs of {0} not copied: {1}", from, e.getMessage());
    }
  }

  static int toMode(Set<PosixFilePermission> perms) {
    int m = 0;
    for (PosixFilePermission p : perms) {
      m |= 1 << (8 - p.ordinal());
    }
    return m;
  }

  static Set<PosixFilePermission> toPermissions(int mode) {
    Set<PosixFilePermission> s = EnumSet.noneOf(PosixFilePermission.class);
    for (PosixFilePermission p : PosixFilePermission.values()) {
      if ((mode & (1 << (8 - p.ordinal()))) != 0) {
        s.add(p);
      }
    }
    return s;
  }
}
