package io.htmlgraph.atomic.internal;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** Checks of caller's paths, and parent directories (links are resolved by {@link SafeFiles}). */
public final class Paths2 {
  private Paths2() {}

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

  /** @return the directory holding {@code file} (the working directory for a bare name) */
  public static Path parentOf(Path file) {
    Path parent = file.getParent();
    return parent != null ? parent : file.toAbsolutePath().getParent();
  }

  /**
   * Creates {@code dir} and its missing ancestors.
   *
   * @return the directories this call created, outermost first (empty if {@code dir} existed)
   */
  public static List<Path> createDirectories(Path dir) throws IOException {
    List<Path> missing = new ArrayList<>();
    Path current = dir.toAbsolutePath();
    while (current != null && !Files.exists(current, LinkOption.NOFOLLOW_LINKS)) {
      missing.add(0, current);
      current = current.getParent();
    }
    if (current != null && !Files.isDirectory(current)) {
      throw new FileSystemException(current.toString(), null, "not a directory");
    }
    List<Path> created = new ArrayList<>(missing.size());
    for (Path d : missing) {
      try {
        Files.createDirectory(d);
        created.add(d);
      } catch (FileAlreadyExistsException raced) {
        if (!Files.isDirectory(d)) {
          throw raced;
        }
      }
    }
    return created;
  }
}
