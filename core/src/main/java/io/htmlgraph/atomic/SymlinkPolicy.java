package io.htmlgraph.atomic;

/** What a write does when the target path is a symbolic link. */
public enum SymlinkPolicy {
  /**
   * The default: the file the link points to (after following every link in the chain) is replaced
   * atomically and the link stays, as an ordinary {@code open(2)} through the link would update it. A
   * dangling link gets its file created where it points.
   */
  FOLLOW,

  /** The link itself is replaced by a regular file; the file it pointed to is left alone. */
  REPLACE_LINK
}
