package io.htmlgraph.atomic;

import java.nio.file.FileSystemException;

/**
 * A {@link DirectoryLocker} was refused a directory on a network file system (NFS, SMB/CIFS, sshfs,
 * 9p, ...), because {@link LockOptions.NetworkFileSystems#REFUSE} asked for it: kernel locks there
 * may not exclude processes on other hosts, or may not exist at all.
 */
public final class NetworkFileSystemException extends FileSystemException {
  private static final long serialVersionUID = 1L;

  private final String type;

  /**
   * @param dir the directory
   * @param type its file store type, as {@link java.nio.file.FileStore#type()} names it
   */
  public NetworkFileSystemException(String dir, String type) {
    super(dir, null, "on a network file system (" + type + "): kernel locks may not exclude other hosts");
    this.type = type;
  }

  /** @return the file store type, e.g. {@code nfs4} */
  public String type() {
    return type;
  }
}
