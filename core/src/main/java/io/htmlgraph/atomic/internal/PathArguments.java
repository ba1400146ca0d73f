package io.htmlgraph.atomic.internal;

import java.nio.file.Path;
import java.util.Objects;

/** Checks of the paths callers pass to the public API, with the failures the API documents. */
public final class PathArguments {
  private PathArguments() {}

  /**
   * @param p a caller's path
   * @param what its name in messages
   * @return {@code p}
   * @throws NullPointerException if {@code p} is null
   * @throws IllegalArgumentException if {@code p} is empty
   */
  public static Path check(Path p, String what) {
    Objects.requireNonNull(p, what);
    if (p.toString().isEmpty()) {
      throw new IllegalArgumentException(what + " is an empty path");
    }
    return p;
  }

  /**
   * @param file a caller's path that names a file
   * @param what its name in messages
   * @return {@code file}
   * @throws IllegalArgumentException if it is empty or a root, which cannot be a file
   */
  public static Path checkFile(Path file, String what) {
    check(file, what);
    if (file.getFileName() == null) {
      throw new IllegalArgumentException(what + " names no file: " + file);
    }
    return file;
  }
}
