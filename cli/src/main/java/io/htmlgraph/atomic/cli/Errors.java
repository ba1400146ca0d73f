package io.htmlgraph.atomic.cli;

import io.htmlgraph.atomic.CommittedNotDurableException;
import java.io.EOFException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.NotLinkException;
import java.nio.file.Path;

/**
 * Turns an exception into the one line the user reads: the file, then the cause. Never a Java class
 * name or a bare "null": an exception without a message of its own is described by what it means,
 * and one this program did not expect says so and points to {@code --verbose}.
 */
final class Errors {
  private Errors() {}

  static String describe(Throwable e) {
    if (e instanceof CliException) {
      return e.getMessage();
    }
    if (e instanceof UncheckedIOException u && u.getCause() != null) {
      return describe(u.getCause());
    }
    if (e instanceof CommittedNotDurableException c) {
      return c.target() + ": written, but not made durable: " + describe(c.getCause());
    }
    if (e instanceof FileSystemException f) {
      String files = f.getFile() == null ? "" : f.getOtherFile() == null ? f.getFile() : f.getFile() + " -> " + f.getOtherFile();
      String cause = cause(f);
      return files.isEmpty() ? cause : files + ": " + cause;
    }
    if (e instanceof CharacterCodingException) {
      return "not valid text in the expected encoding (UTF-8)";
    }
    if (e instanceof OutOfMemoryError) {
      return "out of memory (the input is larger than this command holds in memory)";
    }
    if (e instanceof StackOverflowError) {
      return "out of stack space (the input is nested too deeply)";
    }
    if (e instanceof ClosedByInterruptException || e instanceof InterruptedIOException
        || e instanceof InterruptedException) {
      return "interrupted";
    }
    if (e instanceof ClosedChannelException) {
      return "the file was closed while in use";
    }
    if (e instanceof EOFException && blank(e.getMessage())) {
      return "ended before it was complete";
    }
    String msg = e.getMessage();
    Throwable cause = e.getCause();
    if (cause != null && cause != e && (blank(msg) || msg.equals(cause.toString()))) {
      // a wrapper that only repeats its cause (new IOException(cause)): the cause is the story
      return describe(cause);
    }
    if (!expected(e)) {
      // a bug, or a failure no one foresaw: its message is the JDK's, not ours
      return "unexpected error" + (blank(msg) ? "" : " (" + msg + ")") + "; run again with --verbose for the details";
    }
    return blank(msg) ? "failed; run again with --verbose for the details" : msg;
  }

  /**
   * @return the error of a write of {@code target} that failed on its temp file, told about the
   *     target, or null if {@code e} is about another file. The user never named the temp, and
   *     {@code write /proc/self/status} answered only
   *     "/proc/self/.tmp-1795996487581269-zuuo41ji.tmp: no such file or directory".
   */
  static CliException aboutTemp(FileSystemException e, Path target, String verb) {
    String file = e.getFile();
    Path name = file == null ? null : Path.of(file).getFileName();
    if (name == null || !name.toString().startsWith(".tmp-") || name.equals(target.getFileName())) {
      return null;
    }
    Path dir = Path.of(file).getParent();
    return new CliException(target + ": not " + verb + ": its temp file in " + (dir == null ? "." : dir)
        + " failed: " + cause(e), e);
  }

  /** @return whether {@code e} is of a kind whose message is written for the user */
  private static boolean expected(Throwable e) {
    return e instanceof IOException || e instanceof IllegalArgumentException || e instanceof IllegalStateException
        || e instanceof UnsupportedOperationException;
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }

  private static String cause(FileSystemException f) {
    if (f.getReason() != null && !f.getReason().isBlank()) {
      return f.getReason();
    }
    if (f instanceof NoSuchFileException) {
      return "no such file or directory";
    }
    if (f instanceof FileAlreadyExistsException) {
      return "already exists";
    }
    if (f instanceof AccessDeniedException) {
      return "permission denied";
    }
    if (f instanceof NotDirectoryException) {
      return "not a directory";
    }
    if (f instanceof DirectoryNotEmptyException) {
      return "directory not empty";
    }
    if (f instanceof AtomicMoveNotSupportedException) {
      return "cannot be moved atomically (another file system)";
    }
    if (f instanceof NotLinkException) {
      return "not a symbolic link";
    }
    if (f instanceof FileSystemLoopException) {
      return "too many levels of symbolic links";
    }
    return "failed";
  }
}
