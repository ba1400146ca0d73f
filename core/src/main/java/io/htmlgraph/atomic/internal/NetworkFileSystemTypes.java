package io.htmlgraph.atomic.internal;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Recognises network file systems by their {@link java.nio.file.FileStore#type()}, where POSIX locks
 * may not exclude processes on other hosts: NFS forwards them to a lock daemon that a client may not
 * run (or that mounts with {@code nolock} turn into local-only locks), SMB/CIFS maps them onto
 * Windows byte-range locks, sshfs and most other FUSE network mounts keep them on the client.
 */
public final class NetworkFileSystemTypes {

  private static final Set<String> NETWORK = Set.of(
      "nfs", "nfs4", "nfsd", "cifs", "smb", "smb2", "smb3", "smbfs", "ncpfs", "9p", "afs", "coda",
      "davfs", "sshfs", "fuse.sshfs", "fuse.s3fs", "fuse.rclone", "fuse.gcsfuse", "fuse.goofys",
      "fuse.glusterfs", "glusterfs", "fuse.davfs2", "fuse.smbnetfs", "fuse.curlftpfs", "lustre", "gpfs",
      "vboxsf", "vmhgfs", "fuse.vmhgfs-fuse", "prl_fs");

  private static final Set<Path> WARNED = ConcurrentHashMap.newKeySet();

  /**
   * How long the type of a device is trusted once read. Reading it means reading the whole mount table
   * (about 0.1 ms, most of a {@code DirectoryLocker}'s construction); a device number is reused only
   * when a file system is unmounted and another one mounted, so a type a second old is still right but
   * for such a swap within that second.
   */
  private static final long TRUST_NANOS = 1_000_000_000L;

  private record Known(String type, long readAt) {}

  private static final ConcurrentHashMap<Object, Known> BY_DEVICE = new ConcurrentHashMap<>();

  private NetworkFileSystemTypes() {}

  /** @return whether a file store of this type is a network (or host-shared) file system */
  public static boolean isNetwork(String type) {
    if (type == null) {
      return false;
    }
    String t = type.toLowerCase(Locale.ROOT);
    return NETWORK.contains(t) || t.startsWith("nfs");
  }

  /**
   * The type of the file store that holds {@code dir}.
   *
   * <p>The JDK finds the store by reading {@code /proc/mounts}; when that read fails it reports
   * "Mount point not found", which hides the cause: a process out of file descriptors (EMFILE) got
   * that message instead of "Too many open files". So a failure is probed with an open of the
   * directory (as a directory stream, which never blocks), and the probe's error, if any, is thrown.
   *
   * @param dir an existing directory
   * @return its file store type, or null if the mount table cannot be read for another reason (no
   *     {@code /proc} in a container, say; logged)
   * @throws IOException the cause of the failure when it is not the mount table's (no file
   *     descriptor left, the directory gone or unreadable)
   */
  public static String typeOf(Path dir) throws IOException {
    Object dev = FileMetadata.hasUnixView(dir) ? Files.getAttribute(dir, "unix:dev") : null;
    long now = System.nanoTime();
    if (dev != null) {
      Known k = BY_DEVICE.get(dev);
      if (k != null && now - k.readAt() < TRUST_NANOS) {
        return k.type();
      }
    }
    try {
      String type = Files.getFileStore(dir).type();
      if (dev != null) {
        if (BY_DEVICE.size() > 256) {
          BY_DEVICE.clear(); // bounded: devices come and go
        }
        BY_DEVICE.put(dev, new Known(type, now));
      }
      return type;
    } catch (IOException storeUnknown) {
      try (DirectoryStream<Path> probe = Files.newDirectoryStream(dir)) {
        // the directory opens: the mount table itself is what failed
      } catch (IOException cause) {
        cause.addSuppressed(storeUnknown);
        throw cause;
      }
      Log.get().log(System.Logger.Level.WARNING,
          "cannot tell the file system type of {0} ({1}); assuming it is local", dir, storeUnknown.getMessage());
      return null;
    }
  }

  /**
   * Logs, once per directory in this JVM, that locks in {@code dir} may not exclude other hosts.
   *
   * @return whether this call logged (false if the directory was warned about before)
   */
  public static boolean warnOnce(Path dir, String type) {
    if (!WARNED.add(dir.toAbsolutePath().normalize())) {
      return false;
    }
    Log.get().log(System.Logger.Level.WARNING,
        "Lock directory {0} is on a network file system ({1}): its kernel locks may not exclude processes"
            + " on other hosts. Lock on a local file system, or refuse with"
            + " LockOptions.NetworkFileSystems.REFUSE.", dir, type);
    return true;
  }
}
