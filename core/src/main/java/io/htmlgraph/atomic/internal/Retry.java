package io.htmlgraph.atomic.internal;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.file.Files;
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
   * Reads {@code path} whole, strictly decoded; retries I/O failures, never decoding errors.
   *
   * @param attempts the number of attempts, at least 1
   * @param delay the wait after the first failed attempt; after attempt k it is {@code delay * 2^k}
   */
  public static String readString(Path path, int attempts, Duration delay, Charset charset, Sleeper sleeper)
      throws IOException {
    Paths2.check(path, "path");
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
        return Files.readString(path, charset);
      } catch (CharacterCodingException notText) {
        throw notText;
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
