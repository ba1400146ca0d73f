package io.htmlgraph.atomic.internal;

import java.io.IOException;
import io.htmlgraph.atomic.UnsafeLinkException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/** Reads with retry and exponential backoff. The sleeper is injectable so tests need not sleep. */
public final class Retry {
  /** Waits; the real one sleeps the thread. */
  @FunctionalInterface
  public interface Sleeper {
    void sleep(Duration d) throws InterruptedException;
  }

  public static final Sleeper SLEEPER = d -> Thread.sleep(d.toMillis(), d.toNanosPart() % 1_000_000);

  private Retry() {}

  /**
   * Reads {@code path} whole, strictly decoded; retries I/O failures, never decoding errors, and never
   * a refusal that waiting cannot change: a link that breaks the link rule, a path that is not a
   * regular file (a FIFO is refused, not opened: see {@link SafeFiles#openForRead}), a file too large
   * for a String.
   *
   * @param attempts the number of attempts, at least 1
   * @param delay the wait after the first failed attempt; after attempt k it is {@code delay * 2^k}
   */
  public static String readString(Path path, int attempts, Duration delay, Charset charset, Sleeper sleeper)
      throws IOException {
    PathArguments.check(path, "path");
    Objects.requireNonNull(delay, "retryDelay");
    if (attempts < 1) {
      throw new IllegalArgumentException("maxRetries must be at least 1, was " + attempts);
    }
    if (delay.isNegative()) {
      throw new IllegalArgumentException("retryDelay must not be negative, was " + delay);
    }
    IOException last = null;
    for (int k = 0; k < attempts; k++) {
      try {
        return read(path, charset);
      } catch (CharacterCodingException | UnsafeLinkException | SafeFiles.NotRegularFileException | TooLarge refused) {
        throw refused;
      } catch (IOException e) {
        last = e;
      }
      if (k + 1 < attempts) {
        try {
          sleeper.sleep(backoff(delay, k));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          InterruptedIOException ie = new InterruptedIOException("interrupted while waiting to retry reading " + path);
          ie.addSuppressed(last);
          throw ie;
        }
      }
    }
    throw last;
  }

  /** The largest array the JVM reliably allocates (as in {@code Files.readAllBytes}). */
  private static final int MAX_SIZE = Integer.MAX_VALUE - 8;

  /** A file larger than a String can hold. */
  static final class TooLarge extends FileSystemException {
    private static final long serialVersionUID = 1L;

    TooLarge(String file, String reason) {
      super(file, null, reason);
    }
  }

  private static String read(Path path, Charset charset) throws IOException {
    try (FileChannel ch = SafeFiles.openForRead(path)) {
      long size = ch.size();
      if (size > MAX_SIZE) {
        throw new TooLarge(path.toString(), "too large to read whole (" + size + " bytes; at most " + MAX_SIZE + ")");
      }
      ByteBuffer buf = ByteBuffer.allocate((int) size);
      while (true) {
        if (!buf.hasRemaining()) {
          // the file grew since the size was read: read on until its end
          if (buf.capacity() == MAX_SIZE) {
            throw new TooLarge(path.toString(), "too large to read whole (more than " + MAX_SIZE + " bytes)");
          }
          int grown = (int) Math.min(MAX_SIZE, Math.max(8192L, buf.capacity() * 2L));
          ByteBuffer bigger = ByteBuffer.allocate(grown);
          buf.flip();
          bigger.put(buf);
          buf = bigger;
        }
        if (ch.read(buf) < 0) {
          break;
        }
      }
      buf.flip();
      return charset.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(buf)
          .toString();
    }
  }

  /** @return {@code delay * 2^k}, saturating instead of overflowing */
  public static Duration backoff(Duration delay, int k) {
    if (k >= 62) {
      return delay.isZero() ? Duration.ZERO : Duration.ofSeconds(Long.MAX_VALUE);
    }
    try {
      return delay.multipliedBy(1L << k);
    } catch (ArithmeticException overflow) {
      return Duration.ofSeconds(Long.MAX_VALUE);
    }
  }
}
