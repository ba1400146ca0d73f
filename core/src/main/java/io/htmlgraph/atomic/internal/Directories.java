package io.htmlgraph.atomic.internal;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The directory that holds a file, and the creation of missing directories that says which it made
 * (a new directory's entry is durable only once its parent is synced: the callers sync those).
 * Links on the way are resolved by {@link SafeFiles}.
 */
public final class Directories {
  private Directories() {}

  /** @return the directory holding {@code file} (the working directory for a bare name) */
  public static Path parentOf(Path file) {
    Path parent = file.getParent();
    return parent != null ? parent : file.toAbsolutePath().getParent();
  }

  /**
   * @param created directories a call created, outermost first (as {@link #createMissing} gives them)
   * @return the directories whose entries their creation changed (the parent of each), deepest first:
   *     the order in which to sync them, so that an entry becomes durable only after what it leads to
   */
  public static List<Path> parentsOf(List<Path> created) {
    List<Path> parents = new ArrayList<>(created.size());
    for (int i = created.size() - 1; i >= 0; i--) {
      parents.add(parentOf(created.get(i)));
    }
    return parents;
  }

  /**
   * Creates {@code dir} and its missing ancestors.
   *
   * @return the directories this call created, outermost first (empty if {@code dir} existed)
   */
  public static List<Path> createMissing(Path dir) throws IOException {
    List<Path> missing = new ArrayList<>();
    Path current = dir.toAbsolutePath();
    while (current != null && !Files.exists(current, LinkOption.NOFOLLOW_LINKS)) {
      missing.add(0, current);
      current = current.getParent();
    }
    if (current != null && !isDirectory(current)) {
      throw new FileSystemException(current.toString(), null, "not a directory");
    }
    List<Path> created = new ArrayList<>(missing.size());
    for (Path d : missing) {
      try {
        Files.createDirectory(d);
        created.add(d);
      } catch (FileAlreadyExistsException raced) {
        if (!isDirectory(d)) {
          throw raced;
        }
      }
    }
    return created;
  }

  /**
   * Whether {@code d} is a directory, a link to one counting only if the link rule allows following
   * it: the caller resolved the path before, and a link planted since (at a name that was missing
   * then) must not take the directories made next, and the file written in them, elsewhere.
   *
   * @throws io.htmlgraph.atomic.UnsafeLinkException if {@code d} is a link the rule forbids following
   */
  private static boolean isDirectory(Path d) throws IOException {
    if (Files.isSymbolicLink(d)) {
      SafeFiles.resolve(d, true);
    }
    return Files.isDirectory(d);
  }
}
