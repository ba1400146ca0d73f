package io.htmlgraph.atomic.testing.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/**
 * A file channel that records what is written, truncated and synced. Reads and locks go straight to
 * the real channel; a shared memory mapping is refused, since writes through it could not be seen.
 */
final class RecordingFileChannel extends FileChannel {
  private static final int COPY_BUFFER = 64 * 1024;

  private final FileChannel delegate;
  private final Journal journal;
  private final FaultHook faults;
  private final int inode;
  private final boolean directory;
  private final String display;
  private final boolean append;

  RecordingFileChannel(FileChannel delegate, Journal journal, FaultHook faults, int inode, boolean directory,
      String display, boolean append) {
    this.delegate = delegate;
    this.journal = journal;
    this.faults = faults;
    this.inode = inode;
    this.directory = directory;
    this.display = display;
    this.append = append;
  }

  private void recordWrite(long offset, ByteBuffer written, int n) {
    if (n <= 0 || inode < 0) {
      return;
    }
    byte[] bytes = new byte[n];
    written.get(bytes);
    journal.record(new Op.Write(inode, offset, bytes, display));
  }

  @Override public int read(ByteBuffer dst) throws IOException { return delegate.read(dst); }
  @Override public long read(ByteBuffer[] dsts, int offset, int length) throws IOException { return delegate.read(dsts, offset, length); }
  @Override public int read(ByteBuffer dst, long position) throws IOException { return delegate.read(dst, position); }

  @Override
  public int write(ByteBuffer src) throws IOException {
    ByteBuffer part = allowed(src);
    ByteBuffer view = part.duplicate();
    long offset = append ? delegate.size() : delegate.position();
    int n = delegate.write(part);
    src.position(src.position() + n);
    recordWrite(offset, view, n);
    return n;
  }

  /** The part of {@code src} the fault hook lets through: all of it, unless a disk is made to fill up. */
  private ByteBuffer allowed(ByteBuffer src) throws IOException {
    ByteBuffer part = src.duplicate();
    if (src.hasRemaining()) {
      int may = faults.beforeWrite(display, src.remaining());
      part.limit(part.position() + Math.min(may, src.remaining()));
    }
    return part;
  }

  @Override
  public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
    long total = 0;
    for (int i = offset; i < offset + length; i++) {
      int want = srcs[i].remaining();
      int n = write(srcs[i]);
      total += n;
      if (n < want) {
        break;
      }
    }
    return total;
  }

  @Override
  public int write(ByteBuffer src, long position) throws IOException {
    ByteBuffer part = allowed(src);
    ByteBuffer view = part.duplicate();
    int n = delegate.write(part, position);
    src.position(src.position() + n);
    recordWrite(position, view, n);
    return n;
  }

  @Override public long position() throws IOException { return delegate.position(); }

  @Override
  public FileChannel position(long newPosition) throws IOException {
    delegate.position(newPosition);
    return this;
  }

  @Override public long size() throws IOException { return delegate.size(); }

  @Override
  public FileChannel truncate(long size) throws IOException {
    long before = delegate.size();
    delegate.truncate(size);
    if (size < before && inode >= 0) {
      journal.record(new Op.Truncate(inode, size, display));
    }
    return this;
  }

  @Override
  public void force(boolean metaData) throws IOException {
    faults.beforeSync(display, directory);
    delegate.force(metaData);
    if (inode >= 0) {
      journal.record(new Op.Sync(inode, directory, display));
    }
  }

  @Override
  public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
    // through the target's write, so that a recording target records what it receives
    ByteBuffer buf = ByteBuffer.allocate((int) Math.min(COPY_BUFFER, Math.max(1, count)));
    long done = 0;
    while (done < count) {
      buf.clear();
      buf.limit((int) Math.min(buf.capacity(), count - done));
      int n = delegate.read(buf, position + done);
      if (n <= 0) {
        break;
      }
      buf.flip();
      while (buf.hasRemaining()) {
        target.write(buf);
      }
      done += n;
    }
    return done;
  }

  @Override
  public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate((int) Math.min(COPY_BUFFER, Math.max(1, count)));
    long done = 0;
    while (done < count) {
      buf.clear();
      buf.limit((int) Math.min(buf.capacity(), count - done));
      int n = src.read(buf);
      if (n <= 0) {
        break;
      }
      buf.flip();
      while (buf.hasRemaining()) {
        done += write(buf, position + done);
      }
    }
    return done;
  }

  @Override
  public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
    if (mode != MapMode.READ_ONLY) {
      throw new UnsupportedOperationException("writes through a memory mapping cannot be recorded by the crash simulator");
    }
    return delegate.map(mode, position, size);
  }

  @Override public FileLock lock(long position, long size, boolean shared) throws IOException { return delegate.lock(position, size, shared); }
  @Override public FileLock tryLock(long position, long size, boolean shared) throws IOException { return delegate.tryLock(position, size, shared); }

  @Override
  protected void implCloseChannel() throws IOException {
    delegate.close();
    faults.afterClose(display);
  }
}
