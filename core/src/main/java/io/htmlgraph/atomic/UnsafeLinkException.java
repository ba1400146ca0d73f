package io.htmlgraph.atomic;

import java.nio.file.FileSystemException;

/**
 * A symbolic link the library refused to follow: it lies in a sticky world-writable directory (such
 * as {@code /tmp}) and belongs neither to the calling process's user nor to the directory's owner.
 * That is the rule the Linux kernel applies with {@code fs.protected_symlinks=1}; the library applies
 * it itself, whatever the sysctl says, because it resolves links on its own.
 *
 * <p>Without the rule another local user could plant {@code /tmp/report.txt -> /etc/shadow} and have a
 * program running as root replace the file the link points to. When this exception is thrown nothing
 * on disk has changed: no directory, no temp file, no target.
 *
 * <p>To write through such a link on purpose, resolve it yourself ({@code Files.readSymbolicLink}) and
 * pass the path it names: the decision is then visible in your code.
 */
public final class UnsafeLinkException extends FileSystemException {
  private static final long serialVersionUID = 1L;

  /**
   * @param link the link that was not followed
   * @param reason why, for the message
   */
  public UnsafeLinkException(String link, String reason) {
    super(link, null, reason);
  }
}
