package io.htmlgraph.atomic.cli;

/** An error whose message is already the one line the user reads (file, then cause). */
final class CliException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  CliException(String message) {
    super(message);
  }

  CliException(String message, Throwable cause) {
    super(message, cause);
  }
}
