package io.htmlgraph.atomic.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * One state the disk may hold after a crash, written out as real files for a checker to inspect.
 *
 * <p>The files live in a fresh directory of the default file system, which is removed after the
 * checker returns: read what you need inside the checker.
 */
public final class CrashState {
  private final Path root;
  private final int crashPoint;
  private final int completedOperations;
  private final Set<String> marksPassed;
  private final String description;

  CrashState(Path root, int crashPoint, int completedOperations, Set<String> marksPassed, String description) {
    this.root = root;
    this.crashPoint = crashPoint;
    this.completedOperations = completedOperations;
    this.marksPassed = Set.copyOf(marksPassed);
    this.description = description;
  }

  /** @return the directory that holds what the workload's root would hold after this crash */
  public Path root() {
    return root;
  }

  /**
   * @param relativePath a path relative to the workload's root, such as {@code "data/settings.json"}
   * @return it, resolved against {@link #root()}
   */
  public Path resolve(String relativePath) {
    return root.resolve(relativePath);
  }

  /**
   * Reads a file of this state as UTF-8.
   *
   * @param relativePath the file, relative to the workload's root
   * @return its content, or empty if it does not exist (a dangling link counts as missing)
   * @throws IOException if it exists but cannot be read, e.g. it is a directory
   */
  public Optional<String> read(String relativePath) throws IOException {
    Path p = resolve(relativePath);
    if (!Files.exists(p)) {
      return Optional.empty();
    }
    return Optional.of(new String(Files.readAllBytes(p), StandardCharsets.UTF_8));
  }

  /**
   * @param relativePath a path relative to the workload's root
   * @return whether it exists in this state, without following a final link
   */
  public boolean exists(String relativePath) {
    return Files.exists(resolve(relativePath), LinkOption.NOFOLLOW_LINKS);
  }

  /**
   * Tells whether the workload had passed {@link CrashSimulator#mark(Path, String)} with this label
   * before the crash: for example, whether a save call had returned.
   *
   * @param label the label given to {@code mark}
   * @return whether every operation before the mark had completed at the crash
   */
  public boolean passed(String label) {
    return marksPassed.contains(Objects.requireNonNull(label, "label"));
  }

  /** @return the index of the crash point (0: before the workload's first operation) */
  public int crashPoint() {
    return crashPoint;
  }

  /** @return how many recorded operations had completed at the crash (a crash may fall inside one) */
  public int completedOperations() {
    return completedOperations;
  }

  /** @return where the crash fell and which unsynced changes survived it, for messages */
  public String description() {
    return description;
  }

  @Override
  public String toString() {
    return description;
  }
}
