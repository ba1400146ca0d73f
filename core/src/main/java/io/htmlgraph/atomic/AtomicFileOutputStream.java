package io.htmlgraph.atomic;

import io.htmlgraph.atomic.internal.PendingFile;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A binary stream that replaces a file atomically: bytes go to a temp file beside the target, and
 * {@link #commit()} makes them the target in one step, durably by default ({@link WriteOptions}).
 * Memory stays constant whatever the size: an 8 KiB buffer, and larger writes go straight to the
 * file.
 *
 * <p>The idiom is try-with-resources, where {@link #close()} discards anything not committed:
 * <pre>{@code
 * try (AtomicFileOutputStream out = new AtomicFileOutputStream(target)) {
 *   source.transferTo(out);
 *   out.commit();            // without this line, the target is untouched
 * }
 * }</pre>
 * or the lambda form, which commits when the body returns and rolls back when it throws:
 * <pre>{@code
 * AtomicFileOutputStream.atomicWrite(target, out -> out.write(bytes));
 * }</pre>
 *
 * <p>{@link #flush()} hands the buffered bytes to the operating system and never syncs: the one sync
 * happens at commit. After any failed write the stream refuses to commit, since the temp no longer
 * holds what the caller meant. Not thread-safe.
 */
public final class AtomicFileOutputStream extends OutputStream {
  private static final int BUFFER_SIZE = 8192;

  private final PendingFile file;
  private byte[] buffer;
  private int count;

  /**
   * Opens a new version of {@code target} with the default options (full durability).
   *
   * @param target the file to replace or create
   * @throws UnsafeLinkException if a symbolic link on the way is another user's in a sticky
   *     world-writable directory (see {@link SymlinkPolicy#FOLLOW}); nothing is created
   * @throws IOException if the temp cannot be created, the target is a directory or not a regular
   *     file, or a missing parent cannot be created; nothing is left behind
   * @throws IllegalArgumentException if the path is empty or names no file
   */
  public AtomicFileOutputStream(Path target) throws IOException {
    this(target, WriteOptions.defaults());
  }

  /**
   * Opens a new version of {@code target}.
   *
   * @param target the file to replace or create
   * @param options durability, temp directory, permissions, symlinks, no-clobber
   * @throws java.nio.file.FileAlreadyExistsException with no-clobber, if the target exists
   * @throws IOException as {@link #AtomicFileOutputStream(Path)}
   */
  public AtomicFileOutputStream(Path target, WriteOptions options) throws IOException {
    this.file = PendingFile.open(target, options);
  }

  @Override
  public void write(int b) throws IOException {
    file.ensureOpen();
    if (buffer == null) {
      buffer = new byte[BUFFER_SIZE];
    } else if (count == buffer.length) {
      drain();
    }
    buffer[count++] = (byte) b;
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    Objects.checkFromIndexSize(off, len, b.length);
    file.ensureOpen();
    if (len >= BUFFER_SIZE) {
      drain();
      file.write(ByteBuffer.wrap(b, off, len));
      return;
    }
    if (buffer == null) {
      buffer = new byte[BUFFER_SIZE];
    } else if (len > buffer.length - count) {
      drain();
    }
    System.arraycopy(b, off, buffer, count, len);
    count += len;
  }

  /** Hands buffered bytes to the operating system. Does not sync and does not commit. */
  @Override
  public void flush() throws IOException {
    drain();
  }

  private void drain() throws IOException {
    if (count > 0) {
      int n = count;
      count = 0;
      file.write(ByteBuffer.wrap(buffer, 0, n));
    }
  }

  /**
   * Makes the written bytes the content of the target, atomically and as durably as the options ask.
   *
   * @throws CommittedNotDurableException if the target holds the new content but a directory sync
   *     failed (at {@link Durability#FULL})
   * @throws java.nio.file.FileAlreadyExistsException with no-clobber, if the target appeared meanwhile
   * @throws IOException any other failure: the target is untouched and the temp removed
   * @throws IllegalStateException if already committed or closed
   */
  public void commit() throws IOException {
    if (file.isOpen()) {
      try {
        drain();
      } catch (IOException e) {
        file.abort(e);
        throw e;
      }
    }
    file.commit();
  }

  /** Discards the temp file. Idempotent; a no-op after {@link #commit()}. Never throws. */
  public void abort() {
    count = 0;
    file.abort();
  }

  /** As {@link #abort()}, but a failure to discard is attached to {@code primary} as suppressed. */
  void abort(Throwable primary) {
    count = 0;
    file.abort(primary);
  }

  /** Without a prior {@link #commit()}, the same as {@link #abort()}: closing never commits. */
  @Override
  public void close() {
    abort();
  }

  /** @return the path given as the target */
  public Path target() {
    return file.target();
  }

  /**
   * The temp file that receives the bytes until the commit, beside the target or in the options'
   * {@code tempDir}.
   *
   * <p><b>Warning: never open this file, not even to read it.</b> What keeps a sweep in another
   * process from deleting the live temp is an OS lock ({@code fcntl}) the writer holds on it, and such
   * a lock belongs to the whole JVM: closing <em>any</em> channel or stream to the same file in this
   * JVM drops it, silently, while the writer goes on ({@code Files.readAllBytes}, a copy, and even
   * {@code Files.setLastModifiedTime}, which the JDK does through an open file on Linux). A sweep in
   * another process may then take the temp, and the commit fails. Renaming or deleting it breaks the
   * write the same way. Use the path for its name and directory (logs, tests); read the target after
   * {@link #commit()}.
   *
   * @return the temp file that receives the bytes until the commit
   */
  public Path tempPath() {
    return file.tempPath();
  }

  /** @return whether {@link #commit()} succeeded (possibly with {@link CommittedNotDurableException}) */
  public boolean isCommitted() {
    return file.isCommitted();
  }

  void ensureOpen() throws IOException {
    file.ensureOpen();
  }

  boolean isOpenForWrite() {
    return file.isOpen();
  }

  void markFailed(Throwable cause) {
    file.markFailed(cause);
  }

  /**
   * Writes {@code target} through {@code body} and commits when the body returns; when it throws, the
   * temp is discarded, the target is untouched and the exception is rethrown unchanged.
   *
   * @param target the file to replace or create
   * @param body writes the content
   * @throws IOException from the body, or as {@link #commit()}
   */
  public static void atomicWrite(Path target, IOConsumer<? super AtomicFileOutputStream> body) throws IOException {
    atomicWrite(target, WriteOptions.defaults(), body);
  }

  /**
   * As {@link #atomicWrite(Path, IOConsumer)}, with options.
   *
   * @param target the file to replace or create
   * @param options durability, temp directory, permissions, symlinks, no-clobber
   * @param body writes the content
   * @throws IOException from the body, or as {@link #commit()}
   */
  public static void atomicWrite(Path target, WriteOptions options, IOConsumer<? super AtomicFileOutputStream> body)
      throws IOException {
    Objects.requireNonNull(body, "body");
    AtomicFileOutputStream out = new AtomicFileOutputStream(target, options);
    commitAfter(out, out, body, AtomicFileOutputStream::commit);
  }

  /**
   * The lambda form of both writers: runs {@code body} on {@code writer}, which writes through
   * {@code out}, then commits with {@code commit} unless the body did. When the body or the commit
   * throws (checked or unchecked), the temp is discarded and the exception rethrown as it is.
   */
  static <W> void commitAfter(W writer, AtomicFileOutputStream out, IOConsumer<? super W> body,
      IOConsumer<? super W> commit) throws IOException {
    try {
      body.accept(writer);
      if (!out.isCommitted()) {
        commit.accept(writer);
      }
    } catch (Throwable t) {
      out.abort(t); // a failed cleanup travels with t as suppressed, t itself is rethrown as it is
      throw t;
    }
  }
}
