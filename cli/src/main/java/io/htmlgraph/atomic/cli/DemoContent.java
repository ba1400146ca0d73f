package io.htmlgraph.atomic.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The documents the demo's writers save: version {@code v} is 4096 lines of 64 bytes (256 KiB), each
 * line carrying the version and its own number, so that a target holding anything but one whole
 * version, a cut-off one, a mix of two, or nothing, is recognised as torn.
 */
final class DemoContent {
  static final int LINE = 64;
  static final int LINES = 4096;
  static final int SIZE = LINE * LINES;
  private static final int DIGITS = 16;

  enum State { INTACT, TORN, EMPTY }

  private DemoContent() {}

  static byte[] version(long v) {
    byte[] b = new byte[SIZE];
    Arrays.fill(b, (byte) '.');
    byte[] ver = String.format("%0" + DIGITS + "d", v).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    for (int i = 0; i < LINES; i++) {
      int at = i * LINE;
      System.arraycopy(ver, 0, b, at, DIGITS);
      b[at + DIGITS] = ' ';
      int n = i;
      for (int d = 5; d >= 0; d--) {
        b[at + DIGITS + 1 + d] = (byte) ('0' + n % 10);
        n /= 10;
      }
      b[at + DIGITS + 7] = ' ';
      b[at + LINE - 1] = '\n';
    }
    return b;
  }

  /** @return whether {@code file} holds exactly one whole version, something else, or nothing */
  static State inspect(Path file) throws IOException {
    byte[] b;
    try {
      if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
        return State.EMPTY;
      }
      b = Files.readAllBytes(file);
    } catch (NoSuchFileException gone) {
      return State.EMPTY;
    }
    if (b.length == 0) {
      return State.EMPTY;
    }
    if (b.length != SIZE) {
      return State.TORN;
    }
    long v = 0;
    for (int i = 0; i < DIGITS; i++) {
      if (b[i] < '0' || b[i] > '9') {
        return State.TORN;
      }
      v = v * 10 + (b[i] - '0');
    }
    return Arrays.equals(b, version(v)) ? State.INTACT : State.TORN;
  }
}
