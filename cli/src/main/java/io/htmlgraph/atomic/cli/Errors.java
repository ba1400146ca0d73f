package io.htmlgraph.atomic.cli;

import io.htmlgraph.atomic.CommittedNotDurableException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/** Turns an exception into the one line the user reads: the file, then the cause. */
final class Errors {
  private Errors() {}

  static String describe(Throwable e) {
    if (e instanceof CliException) {
      return e.getMessage();
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
    String msg = e.getMessage();
    if (msg == null || msg.isBlank()) {
      return e.getClass().getSimpleName();
    }
    return msg;
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
    return f.getClass().getSimpleName();
  }
}
