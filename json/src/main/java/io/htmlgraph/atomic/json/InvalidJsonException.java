package io.htmlgraph.atomic.json;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A file that {@link AtomicJson#read} could not read as the requested type: not JSON at all (a syntax
 * error, an empty or truncated file, bytes that are not UTF-8, more than one value), or JSON that does
 * not fit the type. Names the file and, where the parser knows it, the line and column.
 */
public final class InvalidJsonException extends IOException {
  private static final long serialVersionUID = 1L;

  private final transient Path file;
  private final long line;
  private final long column;

  InvalidJsonException(Path file, long line, long column, String reason, Throwable cause) {
    super(describe(file, line, column, reason), cause);
    this.file = Objects.requireNonNull(file, "file");
    this.line = line;
    this.column = column;
  }

  private static String describe(Path file, long line, long column, String reason) {
    StringBuilder sb = new StringBuilder().append(file);
    if (line > 0) {
      sb.append(':').append(line);
      if (column > 0) {
        sb.append(':').append(column);
      }
    }
    return sb.append(": ").append(reason).toString();
  }

  /** @return the file that was read */
  public Path file() {
    return file;
  }

  /** @return the 1-based line of the error, or -1 if unknown */
  public long line() {
    return line;
  }

  /**
   * @return the 1-based column of the error as the parser counts it (in bytes for UTF-8 input), or -1
   *     if unknown
   */
  public long column() {
    return column;
  }
}
