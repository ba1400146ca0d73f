package io.htmlgraph.atomic;

import io.htmlgraph.atomic.internal.Directories;
import io.htmlgraph.atomic.internal.PathArguments;
import io.htmlgraph.atomic.internal.PendingFile;
import io.htmlgraph.atomic.internal.Retry;
import io.htmlgraph.atomic.internal.SafeFiles;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.Charset;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CodingErrorAction;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * A text writer that replaces a file atomically and, by default, durably: the text goes to a temp
 * file beside the target ({@code .tmp-…tmp}), and {@link #commit()} syncs it, renames it over the
 * target and syncs the directory. Readers, and a process that crashes at any moment, see the old
 * content or the new one, never a mix; once {@code commit()} returns the new content survives a power
 * cut.
 *
 * <pre>{@code
 * // streaming: close() without commit() discards
 * try (AtomicFileWriter w = new AtomicFileWriter(Path.of("data.txt"))) {
 *   w.write("Hello, World!");
 *   w.commit();
 * }
 * // one shot
 * AtomicFileWriter.atomicWrite(Path.of("data.txt"), "Hello, World!");
 * // the form of Python's "with": commits when the body returns, rolls back when it throws
 * AtomicFileWriter.atomicWrite(Path.of("data.txt"), w -> w.write("Hello, World!"));
 * }</pre>
 *
 * <p>Text is encoded with the charset of the {@link WriteOptions} (UTF-8 by default); a character the
 * charset cannot encode, or a lone surrogate, fails the write instead of becoming {@code ?}. A failed
 * write poisons the writer: {@code commit()} then refuses, and the target stays as it was.
 *
 * <p>{@link #flush()} hands text to the operating system and never syncs. Not thread-safe: one thread
 * writes and commits.
 */
public final class AtomicFileWriter extends Writer {
  private final AtomicFileOutputStream out;
  private final Writer encoder;

  /**
   * Opens a new version of {@code target}: full durability, UTF-8, temp beside the target.
   *
   * @param target the file to replace or create (missing parents are created)
   * @throws UnsafeLinkException if a symbolic link on the way is another user's in a sticky
   *     world-writable directory (see {@link SymlinkPolicy#FOLLOW}); nothing is created
   * @throws IOException if the temp cannot be created or the target is a directory or not a regular
   *     file; nothing is left behind
   * @throws IllegalArgumentException if the path is empty or names no file
   */
  public AtomicFileWriter(Path target) throws IOException {
    this(target, WriteOptions.defaults());
  }

  /**
   * Opens a new version of {@code target} whose content is first written in {@code tempDir}. If that
   * is on another file system, the content is copied into a temp beside the target at commit, so the
   * replacement is still atomic.
   *
   * @param target the file to replace or create
   * @param tempDir where the content is written first (created if missing)
   * @throws IOException as {@link #AtomicFileWriter(Path)}
   */
  public AtomicFileWriter(Path target, Path tempDir) throws IOException {
    this(target, WriteOptions.builder().tempDir(Objects.requireNonNull(tempDir, "tempDir")).build());
  }

  /**
   * Opens a new version of {@code target}.
   *
   * @param target the file to replace or create
   * @param options durability, temp directory, charset, permissions, symlinks, no-clobber
   * @throws java.nio.file.FileAlreadyExistsException with no-clobber, if the target exists
   * @throws IOException as {@link #AtomicFileWriter(Path)}
   */
  public AtomicFileWriter(Path target, WriteOptions options) throws IOException {
    this.out = new AtomicFileOutputStream(target, options);
    this.encoder = new OutputStreamWriter(new Shield(out), strictEncoder(options.charset()));
  }

  private static CharsetEncoder strictEncoder(Charset charset) {
    return charset.newEncoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
  }

  @Override
  public void write(int c) throws IOException {
    out.ensureOpen();
    try {
      encoder.write(c);
    } catch (IOException | RuntimeException e) {
      out.markFailed(e);
      throw e;
    }
  }

  @Override
  public void write(char[] cbuf, int off, int len) throws IOException {
    out.ensureOpen();
    try {
      encoder.write(cbuf, off, len);
    } catch (IOException | RuntimeException e) {
      out.markFailed(e);
      throw e;
    }
  }

  @Override
  public void write(String str, int off, int len) throws IOException {
    out.ensureOpen();
    try {
      encoder.write(str, off, len);
    } catch (IOException | RuntimeException e) {
      out.markFailed(e);
      throw e;
    }
  }

  /** Hands the text written so far to the operating system. Does not sync and does not commit. */
  @Override
  public void flush() throws IOException {
    out.ensureOpen();
    try {
      encoder.flush();
    } catch (IOException | RuntimeException e) {
      out.markFailed(e);
      throw e;
    }
  }

  /**
   * Makes the written text the content of the target, atomically and as durably as the options ask.
   *
   * @throws CommittedNotDurableException if the target holds the new content but a directory sync
   *     failed (at {@link Durability#FULL})
   * @throws java.nio.charset.CharacterCodingException if the text ends in a lone surrogate; the target
   *     is untouched
   * @throws IOException any other failure: the target is untouched and the temp removed
   * @throws IllegalStateException if already committed or closed
   */
  public void commit() throws IOException {
    if (!out.isCommitted() && out.isOpenForWrite()) {
      try {
        // close() of the encoder reports a dangling high surrogate that flush() would keep back
        encoder.close();
      } catch (IOException | RuntimeException e) {
        out.abort(e);
        throw e;
      }
    }
    out.commit();
  }

  /** Discards the temp file. Idempotent; a no-op after {@link #commit()}. Never throws. */
  public void abort() {
    out.abort();
  }

  /** Without a prior {@link #commit()}, the same as {@link #abort()}: closing never commits. */
  @Override
  public void close() {
    out.abort();
  }

  /** @return the path given as the target */
  public Path target() {
    return out.target();
  }

  /**
   * The temp file that receives the text until the commit, beside the target or in the options'
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
   * @return the temp file that receives the text until the commit
   */
  public Path tempPath() {
    return out.tempPath();
  }

  /** @return whether {@link #commit()} succeeded (possibly with {@link CommittedNotDurableException}) */
  public boolean isCommitted() {
    return out.isCommitted();
  }

  // ---------------------------------------------------------------------------------------------
  // One-shot and lambda forms

  /**
   * Replaces (or creates) {@code target} with {@code content} in UTF-8, atomically and durably.
   *
   * @throws IOException if the write fails; the target is then untouched (but see
   *     {@link CommittedNotDurableException})
   */
  public static void atomicWrite(Path target, String content) throws IOException {
    atomicWrite(target, content, WriteOptions.defaults());
  }

  /**
   * As {@link #atomicWrite(Path, String)}, in {@code charset}.
   *
   * @throws java.nio.charset.CharacterCodingException if {@code charset} cannot encode the content;
   *     nothing is written
   */
  public static void atomicWrite(Path target, String content, Charset charset) throws IOException {
    atomicWrite(target, content, WriteOptions.builder().charset(charset).build());
  }

  /**
   * As {@link #atomicWrite(Path, String)}, with options (the charset among them).
   *
   * @throws java.nio.charset.CharacterCodingException if the charset cannot encode the content;
   *     nothing is written
   */
  public static void atomicWrite(Path target, String content, WriteOptions options) throws IOException {
    Objects.requireNonNull(content, "content");
    Objects.requireNonNull(options, "options");
    ByteBuffer bytes = strictEncoder(options.charset()).encode(CharBuffer.wrap(content));
    write(target, bytes, options);
  }

  /** Replaces (or creates) {@code target} with {@code content}, atomically and durably. */
  public static void atomicWrite(Path target, byte[] content) throws IOException {
    atomicWrite(target, content, WriteOptions.defaults());
  }

  /** As {@link #atomicWrite(Path, byte[])}, with options. */
  public static void atomicWrite(Path target, byte[] content, WriteOptions options) throws IOException {
    Objects.requireNonNull(content, "content");
    write(target, ByteBuffer.wrap(content), options);
  }

  /**
   * Replaces (or creates) {@code target} with {@code content}, atomically and durably, only if it is
   * still at {@code expected}: optimistic concurrency without holding a lock while computing the new
   * content. See {@link #atomicWriteIf(Path, FileVersion, byte[], WriteOptions)}.
   */
  public static void atomicWriteIf(Path target, FileVersion expected, byte[] content) throws IOException {
    atomicWriteIf(target, expected, content, WriteOptions.defaults());
  }

  /**
   * Replaces (or creates) {@code target} with {@code content} only if it is still at
   * {@code expected}; otherwise writes nothing and throws {@link VersionConflictException}.
   *
   * <p>The check and the write happen under the exclusive lock of a {@link DirectoryLocker} on the
   * target's directory (the directory of the file a link leads to, with
   * {@link SymlinkPolicy#FOLLOW}), waiting up to {@link DirectoryLocker#DEFAULT_TIMEOUT}: every
   * {@code atomicWriteIf} on the file, in any thread or process, is checked against the others. That
   * lock file ({@code .lock}) is created in the directory. Writers that do not take the lock (a plain
   * {@link #atomicWrite}) are not excluded, but they still make a new version, so a conditional write
   * that follows them fails as it should. With {@link FileVersion#absent()} the write creates the file
   * only if it does not exist, atomically ({@code link(2)}), even against writers without the lock.
   *
   * <p>Files of a {@link FileTransaction} root are guarded by the root's lock: use
   * {@link FileTransaction#writeIf} for them.
   *
   * @param target the file
   * @param expected the version it must have, from {@link FileVersion#of} (or {@code absent()})
   * @param content the new content
   * @param options as for {@link #atomicWrite(Path, byte[], WriteOptions)}
   * @throws VersionConflictException if the file is at another version: nothing was written
   * @throws LockTimeoutException if the directory's lock was not obtained in time: nothing was written
   * @throws IOException as {@link #atomicWrite(Path, byte[], WriteOptions)}
   */
  public static void atomicWriteIf(Path target, FileVersion expected, byte[] content, WriteOptions options)
      throws IOException {
    Objects.requireNonNull(expected, "expected");
    Objects.requireNonNull(content, "content");
    Objects.requireNonNull(options, "options");
    PathArguments.checkFile(target, "target");
    Path dest = options.symlinks() == SymlinkPolicy.FOLLOW ? SafeFiles.resolve(target, true).path() : target;
    DirectoryLocker locker = new DirectoryLocker(Directories.parentOf(dest));
    try (DirectoryLock lock = locker.lockExclusive(DirectoryLocker.DEFAULT_TIMEOUT)) {
      FileVersion actual = FileVersion.of(target);
      if (!actual.equals(expected)) {
        throw new VersionConflictException(target, expected, actual);
      }
      WriteOptions o = expected.isAbsent() && !options.noClobber() ? options.toBuilder().noClobber().build() : options;
      try {
        write(target, ByteBuffer.wrap(content), o);
      } catch (FileAlreadyExistsException createdMeanwhile) {
        if (!expected.isAbsent() || options.noClobber()) {
          throw createdMeanwhile;
        }
        // a writer without the lock created it between the check and the link
        VersionConflictException conflict = new VersionConflictException(target, expected, FileVersion.of(target));
        conflict.addSuppressed(createdMeanwhile);
        throw conflict;
      }
    }
  }

  private static void write(Path target, ByteBuffer content, WriteOptions options) throws IOException {
    PendingFile file = PendingFile.open(target, options);
    try {
      file.write(content);
      file.commit();
    } catch (Throwable t) {
      file.abort(t);
      throw t;
    }
  }

  /**
   * The form of Python's {@code with AtomicFileWriter(target) as f}: runs {@code body} with a writer
   * and commits when it returns; when it throws (checked or unchecked), the temp is discarded, the
   * target is untouched and the exception is rethrown unchanged.
   */
  public static void atomicWrite(Path target, IOConsumer<? super AtomicFileWriter> body) throws IOException {
    atomicWrite(target, WriteOptions.defaults(), body);
  }

  /** As {@link #atomicWrite(Path, IOConsumer)}, with options. */
  public static void atomicWrite(Path target, WriteOptions options, IOConsumer<? super AtomicFileWriter> body)
      throws IOException {
    Objects.requireNonNull(body, "body");
    AtomicFileWriter w = new AtomicFileWriter(target, options);
    AtomicFileOutputStream.commitAfter(w, w.out, body, AtomicFileWriter::commit);
  }

  // ---------------------------------------------------------------------------------------------
  // Reads

  /**
   * Reads {@code path} as UTF-8, with 3 attempts, 100 ms after the first failure, 200 ms after the
   * second.
   *
   * @see #safeReadWithRetry(Path, int, Duration)
   */
  public static String safeReadWithRetry(Path path) throws IOException {
    return safeReadWithRetry(path, 3, Duration.ofMillis(100));
  }

  /**
   * Reads {@code path} as strict UTF-8, retrying I/O failures with exponential backoff: after failed
   * attempt {@code k} (counting from 0) it waits {@code retryDelay * 2^k}. A decoding error is thrown at
   * once (the bytes will not change by waiting), and after the last attempt the last error is
   * rethrown.
   *
   * <p>Links are followed under the rule of {@link SymlinkPolicy#FOLLOW}. A FIFO, device, socket or
   * directory is refused at once ({@link java.nio.file.FileSystemException} "not a regular file")
   * without being opened, so the call never waits for a writer of a FIFO; the open itself is
   * {@code O_NOFOLLOW} and its handle is checked again, against a swap in between. (Where another user
   * may rename entries in the directory and this process may not write the file, a FIFO swapped in at
   * the exact moment between the check and the open can still block it: Java has no non-blocking open
   * for reading.)
   *
   * @param maxRetries the number of attempts, at least 1
   * @param retryDelay the wait after the first failure, not negative
   * @throws java.nio.file.NoSuchFileException if the file is missing at every attempt
   * @throws java.nio.charset.CharacterCodingException if the file is not valid UTF-8
   * @throws UnsafeLinkException if a link on the way breaks the link rule (not retried)
   * @throws java.nio.file.FileSystemException if it is not a regular file, or is too large for a String
   *     (not retried)
   * @throws java.io.InterruptedIOException if interrupted while waiting (the interrupt is kept)
   * @throws IllegalArgumentException if {@code maxRetries < 1} or the delay is negative
   */
  public static String safeReadWithRetry(Path path, int maxRetries, Duration retryDelay) throws IOException {
    return Retry.readString(path, maxRetries, retryDelay, java.nio.charset.StandardCharsets.UTF_8, Retry.SLEEPER);
  }

  /** Forwards writes, but not close: the encoder's close must not discard the atomic stream. */
  private static final class Shield extends OutputStream {
    private final OutputStream out;

    Shield(OutputStream out) {
      this.out = out;
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
    }

    @Override
    public void flush() throws IOException {
      out.flush();
    }

    @Override
    public void close() {
      // the atomic stream is committed or aborted by the writer, never closed through the encoder
    }
  }
}
