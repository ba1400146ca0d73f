package io.htmlgraph.atomic;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A conditional write found its file at another version than the one it expected, so nothing was
 * written: {@link AtomicFileWriter#atomicWriteIf} left the file as it was, and a
 * {@link FileTransaction#commit()} that had a {@link FileTransaction#writeIf} on it changed none of
 * its files. Read the file again, and retry with its new version.
 */
public class VersionConflictException extends IOException {
  private static final long serialVersionUID = 1L;

  private final transient Path file;
  private final transient FileVersion expected;
  private final transient FileVersion actual;

  /**
   * @param file the file whose version was checked
   * @param expected the version the write asked for
   * @param actual the version found
   */
  public VersionConflictException(Path file, FileVersion expected, FileVersion actual) {
    super("version conflict: " + file + " is at " + actual + ", not at the expected " + expected
        + "; nothing was written");
    this.file = Objects.requireNonNull(file, "file");
    this.expected = Objects.requireNonNull(expected, "expected");
    this.actual = Objects.requireNonNull(actual, "actual");
  }

  /** @return the file whose version was checked, as the caller named it */
  public Path file() {
    return file;
  }

  /** @return the version the write asked for */
  public FileVersion expected() {
    return expected;
  }

  /** @return the version found when the write was about to happen */
  public FileVersion actual() {
    return actual;
  }
}
