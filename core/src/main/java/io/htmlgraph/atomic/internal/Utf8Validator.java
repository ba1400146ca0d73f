package io.htmlgraph.atomic.internal;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Path;

/**
 * Tells whether a file is well-formed UTF-8, streaming it through one fixed buffer (constant memory,
 * whatever the file's size).
 *
 * <p>Exactly the strict rule of the JDK's UTF-8 decoder with {@code REPORT} on malformed input (the
 * Unicode Standard's table 3-7 of well-formed byte sequences), without decoding into characters:
 * <pre>
 *   00..7F
 *   C2..DF 80..BF
 *   E0     A0..BF 80..BF        (no overlong three-byte forms)
 *   E1..EC 80..BF 80..BF
 *   ED     80..9F 80..BF        (no surrogates, U+D800..U+DFFF)
 *   EE..EF 80..BF 80..BF
 *   F0     90..BF 80..BF 80..BF (no overlong four-byte forms)
 *   F1..F3 80..BF 80..BF 80..BF
 *   F4     80..8F 80..BF 80..BF (nothing above U+10FFFF)
 * </pre>
 * Anything else (a lone continuation byte, C0, C1, F5..FF, a sequence cut short by the next lead byte
 * or by the end of the file) makes the file invalid. A sequence split between two reads is completed
 * by the next read.
 *
 * <p>Text is mostly ASCII, so the buffer is scanned 32, then 8 bytes at a time ({@code long}s: no
 * byte of a word has its high bit set if {@code word & 0x8080808080808080} is zero). From the first
 * byte above 7F, each sequence is checked as one little-endian {@code int} (its code point computed
 * and compared with the limits above) until eight ASCII bytes come in a row. The decoder this
 * replaces filled a {@code char} buffer with every character: about a tenth of the speed of the read
 * itself on text with accents in every line.
 */
public final class Utf8Validator {
  private static final int BUFFER = 64 * 1024;
  private static final long HIGH_BITS = 0x8080808080808080L;

  private Utf8Validator() {}

  /**
   * @return true only for an existing regular file (links followed under the link rule) that is valid
   *     UTF-8; a FIFO or device is never opened (see {@link SafeFiles#openForRead})
   */
  public static boolean isValid(Path path) {
    try (FileChannel ch = SafeFiles.openForRead(path)) {
      // a small file gets a small buffer: most files validated are a few kilobytes of configuration
      long size = ch.size();
      int capacity = (int) Math.min(BUFFER, Math.max(size + 1, 8 * 1024));
      // a file of one buffer is checked byte by byte: a fresh JVM (a command such as atomic validate)
      // would spend more on making the word views and running them interpreted than it saves
      return isValid(ch, capacity, size >= BUFFER);
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Reads {@code ch} to its end.
   *
   * @param capacity the buffer's size, at least 4 (one sequence)
   * @param words whether to scan a word at a time (else byte by byte)
   * @return whether every byte read forms well-formed UTF-8
   */
  static boolean isValid(ReadableByteChannel ch, int capacity, boolean words) throws IOException {
    byte[] a = new byte[Math.max(capacity, 4)];
    ByteBuffer buf = ByteBuffer.wrap(a);
    while (true) {
      boolean eof = ch.read(buf) < 0;
      int end = buf.position();
      int stop = words ? Words.check(a, end) : checkBytes(a, 0, end);
      if (stop < 0) {
        return false;
      }
      if (eof) {
        // bytes left over are a sequence cut short by the end of the file
        return stop == end;
      }
      // keep the start of a sequence the read cut in two; the next read completes it
      int left = end - stop;
      System.arraycopy(a, stop, a, 0, left);
      buf.position(left);
      buf.limit(a.length);
    }
  }

  /**
   * Checks {@code a[i..end)} byte by byte.
   *
   * @return as {@link Words#check}
   */
  static int checkBytes(byte[] a, int i, int end) {
    while (i < end) {
      int b = a[i];
      if (b >= 0) {
        i++;
        continue;
      }
      int lead = b & 0xFF;
      int len = lead < 0xC2 ? 0 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : lead < 0xF5 ? 4 : 0;
      if (len == 0) {
        return -1; // a continuation without its lead, C0, C1 (overlong forms of ASCII), F5..FF
      }
      if (i + len > end) {
        return i; // completed by the next read, or cut short by the end of the file
      }
      int b1 = a[i + 1] & 0xFF;
      int lo = lead == 0xE0 ? 0xA0 : lead == 0xF0 ? 0x90 : 0x80; // no overlong forms
      int hi = lead == 0xED ? 0x9F : lead == 0xF4 ? 0x8F : 0xBF; // no surrogates, nothing above U+10FFFF
      if (b1 < lo || b1 > hi || (len > 2 && !isContinuation(a[i + 2])) || (len > 3 && !isContinuation(a[i + 3]))) {
        return -1;
      }
      i += len;
    }
    return i;
  }



  /** The word-at-a-time scan, for files larger than one buffer (its views are made on first use). */
  static final class Words {
    // little-endian whatever the platform: the first byte of a word is its lowest
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INTS = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    private Words() {}

    /**
     * Checks {@code a[0..end)}.
     *
     * @return -1 on an ill-formed sequence; otherwise the index of a sequence not complete before
     *     {@code end} (to be continued by the next read), or {@code end} if everything was checked
     */
    static int check(byte[] a, int end) {
      int i = 0;
      while (true) {
        // ASCII, 32 and then 8 bytes at a time
        while (i + 32 <= end && ((word(a, i) | word(a, i + 8) | word(a, i + 16) | word(a, i + 24)) & HIGH_BITS) == 0) {
          i += 32;
        }
        while (i + 8 <= end && (word(a, i) & HIGH_BITS) == 0) {
          i += 8;
        }
        if (i + 8 <= end) {
          // straight to the first byte above 7F in that word
          i += Long.numberOfTrailingZeros(word(a, i) & HIGH_BITS) >>> 3;
        }
        // Sequences, and the ASCII between them, until eight ASCII bytes in a row: each checked as one
        // little-endian int (the lead in its low byte) while four bytes are left.
        int ascii = 0;
        while (i + 4 <= end) {
          int x = (int) INTS.get(a, i);
          if ((x & 0x80) == 0) {
            i++;
            if (++ascii == 8) {
              break;
            }
            continue;
          }
          ascii = 0;
          if ((x & 0xC0E0) == 0x80C0) { // 110xxxxx 10xxxxxx
            if ((x & 0x1E) == 0) {
              return -1; // C0, C1: an overlong form of ASCII
            }
            i += 2;
          } else if ((x & 0xC0C0F0) == 0x8080E0) { // 1110xxxx 10xxxxxx 10xxxxxx
            int cp = (x & 0x0F) << 12 | (x & 0x3F00) >> 2 | (x >> 16) & 0x3F;
            if (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF)) {
              return -1; // overlong, or a surrogate
            }
            i += 3;
          } else if ((x & 0xC0C0C0F8) == 0x808080F0) { // 11110xxx 10xxxxxx 10xxxxxx 10xxxxxx
            int cp = (x & 0x07) << 18 | (x & 0x3F00) << 4 | (x >> 10) & 0xFC0 | (x >>> 24) & 0x3F;
            if (cp < 0x10000 || cp > 0x10FFFF) {
              return -1; // overlong, or beyond Unicode (F4 90.., F5..F7)
            }
            i += 4;
          } else {
            return -1; // a continuation byte without its lead, F8..FF, or a sequence cut short
          }
        }
        if (i + 4 > end) {
          return checkBytes(a, i, end); // fewer than four bytes left
        }
      }
    }

    private static long word(byte[] a, int i) {
      return (long) LONGS.get(a, i);
    }
  }

  private static boolean isContinuation(byte b) {
    return (b & 0xC0) == 0x80;
  }
}
