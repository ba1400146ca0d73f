package io.htmlgraph.atomic.internal;

import java.io.IOException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The lock file itself ({@code .lock}): how it is created, checked, identified and opened. The name
 * sits in a directory other users may write, so anything may be planted there; these rules hold
 * whatever {@code fs.protected_symlinks} and its siblings say:
 *
 * <ul>
 *   <li>It is created with {@code O_CREAT|O_EXCL}, which fails on any existing name, a link
 *       included; an existing {@code .lock} is accepted only if {@code lstat} says it is a regular
 *       file (a link, even to a regular file, is refused).
 *   <li>It is opened only with {@code O_NOFOLLOW} (a link at the name makes the open fail) and
 *       read-write, which never blocks on a FIFO on Linux (a read-only open waits for a writer), and
 *       never with {@code O_CREAT} (the constructor created it; a missing one was deleted, and
 *       recreating it would let two holders run together). What was opened is checked on the handle:
 *       a FIFO, a socket or a terminal cannot seek ({@code lseek} fails with ESPIPE), a regular file
 *       can. Before the open, {@code lstat} checks that the name still names the file the locker was
 *       made for.
 *   <li>Its mode: a new {@code .lock} is readable only by those who may write it, and writable by
 *       group or others only where the umask allows it and where they could replace it anyway (they
 *       may write the directory, which is not sticky; for the group, the file's group is the
 *       directory's). Whoever can open it can take a shared {@code fcntl} lock and keep exclusive
 *       holders out: with {@code 0644} (umask 022) any reader of the file could.
 * </ul>
 *
 * <p>Limits: Java has no {@code fstat} on a channel, so the identity of the opened file is checked by
 * name just before the open; someone who can replace {@code .lock} (and so break any lock of this
 * kind) can swap it in that window of microseconds. Device nodes cannot be told from a regular file
 * by {@code lseek}; only root can make them, and a hard link to one needs the same file system (and,
 * with {@code fs.protected_hardlinks=1}, read-write access to the device). An open of a file that
 * another user holds a lease on waits for the lease to break ({@code fs.lease-break-time}, 45 s by
 * default): bounded, not forever.
 */
public final class LockFiles {
  private LockFiles() {}

  /**
   * Creates {@code lockFile} if it is missing, with the mode described above, or checks the existing
   * one. Opens no channel to an existing file (closing it would drop this JVM's lock on it).
   *
   * @return its identity, for {@link LockFileTable}
   * @throws FileSystemException if the name is a symbolic link or not a regular file (nothing changes)
   */
  public static Object createOrCheck(Path lockFile) throws IOException {
    BasicFileAttributes a;
    try {
      a = Files.readAttributes(lockFile, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException missing) {
      try {
        Set<PosixFilePermission> mode = modeFor(lockFile);
        if (mode != null) {
          Files.createFile(lockFile, PosixFilePermissions.asFileAttribute(mode));
        } else {
          Files.createFile(lockFile);
        }
      } catch (FileAlreadyExistsException raced) {
        // made by another locker a moment ago; O_CREAT|O_EXCL failed before anything was opened
      }
      a = Files.readAttributes(lockFile, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    }
    return keyOf(lockFile, check(lockFile, a));
  }

  /**
   * @return the attributes of {@code lockFile}, a regular file (never a link)
   * @throws FileSystemException if it is a link or not a regular file
   */
  static BasicFileAttributes check(Path lockFile) throws IOException {
    return check(lockFile, Files.readAttributes(lockFile, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS));
  }

  private static BasicFileAttributes check(Path lockFile, BasicFileAttributes a) throws IOException {
    if (a.isSymbolicLink()) {
      throw new FileSystemException(lockFile.toString(), null,
          "is a symbolic link; a lock file is never used through a link (remove it if you did not make it)");
    }
    if (!a.isRegularFile()) {
      throw new FileSystemException(lockFile.toString(), null, "exists and is not a regular file");
    }
    return a;
  }

  /**
   * @param lockFile an existing lock file
   * @return its identity (device and inode where the file system has them, else its real path)
   */
  public static Object keyOf(Path lockFile) throws IOException {
    return keyOf(lockFile, Files.readAttributes(lockFile, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS));
  }

  private static Object keyOf(Path lockFile, BasicFileAttributes a) throws IOException {
    Object key = a.fileKey();
    return key != null ? key : lockFile.toRealPath(LinkOption.NOFOLLOW_LINKS);
  }

  /**
   * Opens the lock file for locking: never through a link, never blocking, never creating it.
   *
   * @param key its identity when the locker was made
   * @throws FileSystemException if it was deleted or replaced since, is a link, or is not a regular
   *     file
   * @throws ClosedByInterruptException if the thread was interrupted (nothing is open then)
   */
  static FileChannel open(Path lockFile, Object key) throws IOException {
    BasicFileAttributes a;
    try {
      a = check(lockFile);
    } catch (NoSuchFileException gone) {
      throw new FileSystemException(lockFile.toString(), null, "was deleted since its locker was made; a lock file"
          + " must never be deleted (holders of the old one and of a new one would not exclude each other)");
    }
    if (!keyOf(lockFile, a).equals(key)) {
      throw new FileSystemException(lockFile.toString(), null, "was replaced since its locker was made; a lock file"
          + " must never be deleted or replaced (holders of the old one and of the new one would not exclude each"
          + " other); make a new DirectoryLocker");
    }
    FileChannel ch;
    try {
      ch = FileChannel.open(lockFile, StandardOpenOption.READ, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
    } catch (FileSystemException e) {
      throw e;
    } catch (IOException e) {
      // ELOOP with O_NOFOLLOW comes as a plain IOException: name the file
      FileSystemException named = new FileSystemException(lockFile.toString(), null, e.getMessage());
      named.initCause(e);
      throw named;
    }
    boolean ok = false;
    try {
      // The type, on the handle: lseek fails (ESPIPE) on a FIFO, a socket or a terminal swapped in
      // after the check above. (Closing this channel is safe: nothing is locked through it yet.)
      ch.position();
      ok = true;
      return ch;
    } catch (ClosedByInterruptException interrupted) {
      throw interrupted;
    } catch (IOException notSeekable) {
      throw new FileSystemException(lockFile.toString(), null, "is not a regular file (" + notSeekable.getMessage() + ")");
    } finally {
      if (!ok) {
        ch.close();
      }
    }
  }

  /**
   * The mode of a new lock file in {@code lockFile}'s directory, or null to leave it to the umask
   * (no POSIX permissions here, or the process's umask cannot be read).
   */
  static Set<PosixFilePermission> modeFor(Path lockFile) {
    Path dir = Directories.parentOf(lockFile);
    Map<String, Object> d;
    ProcessCredentials me;
    try {
      d = Files.readAttributes(dir, "unix:mode,gid");
      me = ProcessCredentials.read();
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException noUnix) {
      return null;
    }
    if (me == null) {
      return null;
    }
    int dirMode = (Integer) d.get("mode");
    int allowed = 0666 & ~me.umask();
    boolean sticky = (dirMode & 01000) != 0;
    boolean setgid = (dirMode & 02000) != 0;
    int mode = allowed & 0600;
    boolean groupMayReplace = !sticky && (dirMode & 0030) == 0030 && (setgid || me.fsgid() == (Integer) d.get("gid"));
    if (groupMayReplace && (allowed & 0020) != 0) {
      mode |= 0060;
    }
    boolean othersMayReplace = !sticky && (dirMode & 0003) == 0003;
    if (othersMayReplace && (allowed & 0002) != 0) {
      mode |= 0006;
    }
    Set<PosixFilePermission> perms = EnumSet.noneOf(PosixFilePermission.class);
    PosixFilePermission[] bits = {
        PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
        PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
        PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ};
    int[] values = {0002, 0004, 0020, 0040, 0200, 0400};
    for (int i = 0; i < bits.length; i++) {
      if ((mode & values[i]) != 0) {
        perms.add(bits[i]);
      }
    }
    return perms;
  }

  /** The umask and file-system group id of this process, from {@code /proc/self/status} (Linux). */
  record ProcessCredentials(int umask, int fsgid) {
    /** @return the credentials, or null where {@code /proc/self/status} lacks them */
    static ProcessCredentials read() throws IOException {
      Path status = Path.of("/proc/self/status");
      if (!Files.isRegularFile(status, LinkOption.NOFOLLOW_LINKS)) {
        return null;
      }
      Integer umask = null;
      Integer fsgid = null;
      List<String> lines = Files.readAllLines(status);
      for (String line : lines) {
        if (line.startsWith("Umask:")) {
          umask = Integer.parseInt(line.substring(6).trim(), 8);
        } else if (line.startsWith("Gid:")) {
          String[] ids = line.substring(4).trim().split("\\s+");
          fsgid = Integer.parseInt(ids[ids.length - 1]); // real, effective, saved, file-system
        }
      }
      return umask == null || fsgid == null ? null : new ProcessCredentials(umask, fsgid);
    }
  }
}
