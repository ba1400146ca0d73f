package io.htmlgraph.atomic;

/** What a write does when the target path is a symbolic link. */
public enum SymlinkPolicy {
  /**
   * The default: the file the link points to (after following every link in the chain) is replaced
   * atomically and the link stays, as an ordinary {@code open(2)} through the link would update it. A
   * dangling link gets its file created where it points.
   *
   * <p>Every link is followed under the kernel's {@code protected_symlinks=1} rule, whatever the
   * sysctl says: a link in a sticky world-writable directory (such as {@code /tmp}) is followed only if
   * it belongs to the caller or to the directory's owner. Another user's link there is refused with
   * {@link UnsafeLinkException} before anything is created, so that a link planted by another user
   * cannot make a program running as root replace a file it points to. To write through such a link
   * deliberately, resolve it yourself and pass the path it names.
   */
  FOLLOW,

  /**
   * The link itself is replaced by a regular file; the file it pointed to is left alone. (Links among
   * the target's directories are still followed, under the same rule as {@link #FOLLOW}.)
   */
  REPLACE_LINK
}
