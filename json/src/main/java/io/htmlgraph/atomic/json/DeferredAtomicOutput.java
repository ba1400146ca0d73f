package io.htmlgraph.atomic.json;

import io.htmlgraph.atomic.AtomicFileOutputStream;
import io.htmlgraph.atomic.WriteOptions;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The output of {@link AtomicJson#write}: holds the first {@value #HOLD} bytes in memory and opens the
 * {@link AtomicFileOutputStream} only when more come, or at the commit. A value that fails to
 * serialize (a NaN, a getter that throws) within that much output therefore never touches the disk:
 * no temp is created and no missing parent directory either. Past that, bytes stream into the temp in
 * constant memory, and a failure discards the temp, so the target is untouched either way.
 *
 * <p>Remembers the first failure of the file itself, so that {@link AtomicJson} can rethrow the
 * original {@link IOException} that Jackson wrapped into an unchecked one.
 */
final class DeferredAtomicOutput extends OutputStream {
  static final int HOLD = 64 * 1024;

  private final Path target;
  private final WriteOptions options;
  private byte[] held = new byte[1024];
  private int count;
  private AtomicFileOutputStream out;
  private Throwable fileFailure;

  DeferredAtomicOutput(Path target, WriteOptions options) {
    this.target = target;
    this.options = options;
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    if (out == null && count + len <= HOLD) {
      if (count + len > held.length) {
        held = Arrays.copyOf(held, Math.min(HOLD, Math.max(count + len, held.length * 2)));
      }
      System.arraycopy(b, off, held, count, len);
      count += len;
      return;
    }
    try {
      open();
      out.write(b, off, len);
    } catch (IOException | RuntimeException | Error e) {
      fileFailure = fileFailure == null ? e : fileFailure;
      throw e;
    }
  }

  private void open() throws IOException {
    if (out == null) {
      out = new AtomicFileOutputStream(target, options);
      out.write(held, 0, count);
      held = null;
      count = 0;
    }
  }

  /** Jackson's {@code flush()} must not open the file early: held bytes stay held. */
  @Override
  public void flush() throws IOException {
    if (out != null) {
      out.flush();
    }
  }

  /** Opens the file if still deferred, then commits (see {@link AtomicFileOutputStream#commit()}). */
  void commit() throws IOException {
    open();
    out.commit();
  }

  /** Discards the temp if one was opened. Never throws. */
  void abort() {
    held = null;
    if (out != null) {
      out.abort();
    }
  }

  /** Same as {@link #abort()} unless committed. */
  @Override
  public void close() {
    abort();
  }

  /** @return the first failure of the file (open or write), or null if the file never failed */
  Throwable fileFailure() {
    return fileFailure;
  }
}
