package io.htmlgraph.atomic.internal;

import java.time.Instant;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Names of temp files: {@code .{prefix}-{microseconds since the epoch}-{8 chars a-z0-9}.tmp}, the
 * pattern of the Python original. The writer's temps use the prefix {@code tmp}, so they match the
 * {@code .tmp-*} pattern that {@code cleanupOrphanedTempFiles} sweeps.
 *
 * <p>The name need not be unpredictable: temps are created with {@code O_CREAT|O_EXCL}, which fails
 * on any existing name (a planted symlink included), and the writer then draws another.
 */
public final class TempNames {
  /** The prefix of the writer's temp files. */
  public static final String WRITER_PREFIX = "tmp";

  private static final char[] ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789".toCharArray();

  private TempNames() {}

  /**
   * @param prefix the prefix, without the leading dot
   * @return a fresh name
   */
  public static String next(String prefix) {
    Instant now = Instant.now();
    long micros = now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    ThreadLocalRandom random = ThreadLocalRandom.current();
    StringBuilder sb = new StringBuilder(prefix.length() + 32);
    sb.append('.').append(prefix).append('-').append(micros).append('-');
    for (int i = 0; i < 8; i++) {
      sb.append(ALPHABET[random.nextInt(ALPHABET.length)]);
    }
    return sb.append(".tmp").toString();
  }

  /**
   * @param prefix a caller's prefix
   * @throws IllegalArgumentException if it is empty or holds a separator or a NUL
   */
  public static void checkPrefix(String prefix) {
    if (prefix.isEmpty()) {
      throw new IllegalArgumentException("prefix is empty");
    }
    if (prefix.indexOf('/') >= 0 || prefix.indexOf('\\') >= 0 || prefix.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("prefix must not contain a path separator or NUL: " + prefix);
    }
  }
}
