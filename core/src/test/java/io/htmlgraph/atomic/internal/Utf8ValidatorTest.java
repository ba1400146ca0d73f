package io.htmlgraph.atomic.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The validator accepts exactly what the JDK's strict UTF-8 decoder accepts: a seeded differential
 * test over random text, mutated at random, read in chunks of random size so that sequences fall
 * across every kind of buffer boundary.
 */
class Utf8ValidatorTest {
  @TempDir Path dir;

  /** The JDK's verdict on the whole input: the reference. */
  private static boolean jdkAccepts(byte[] b) {
    try {
      StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b));
      return true;
    } catch (CharacterCodingException e) {
      return false;
    }
  }

  /** Hands out the bytes in chunks of 1 to {@code maxChunk} bytes, as a short-reading channel would. */
  private static final class Chunked implements ReadableByteChannel {
    private final byte[] data;
    private final Random random;
    private final int maxChunk;
    private int pos;

    Chunked(byte[] data, Random random, int maxChunk) {
      this.data = data;
      this.random = random;
      this.maxChunk = maxChunk;
    }

    @Override
    public int read(ByteBuffer dst) {
      if (pos == data.length) {
        return -1;
      }
      int n = Math.min(Math.min(dst.remaining(), data.length - pos), 1 + random.nextInt(maxChunk));
      dst.put(data, pos, n);
      pos += n;
      return n;
    }

    @Override
    public boolean isOpen() {
      return true;
    }

    @Override
    public void close() {}
  }

  // code points at the edges of each form, and the surrogates' neighbours
  private static final int[] EDGES = {0, 0x7F, 0x80, 0x7FF, 0x800, 0xFFF, 0x1000, 0xD7FF, 0xE000, 0xFEFF, 0xFFFD,
      0xFFFF, 0x10000, 0x3FFFF, 0x40000, 0xFFFFF, 0x100000, 0x10FFFF};

  // byte sequences the strict rule refuses (and one it accepts, for balance)
  private static final String[] ODD = {"c080", "c1bf", "e08080", "e09fbf", "eda080", "edbfbf", "f08f bfbf",
      "f4908080", "f5808080", "ff", "fe", "80", "bf", "c2", "e0a0", "f09080", "c2c2", "e0a0c2", "f0908041",
      "eda0 80edb080", "efbbbf"};

  private static void codePoint(ByteArrayOutputStream out, int cp) {
    out.writeBytes(new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8));
  }

  /** Random text: mostly ASCII in runs, with characters of every length and the edge code points. */
  private static byte[] text(Random r, int approxLength) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    while (out.size() < approxLength) {
      int kind = r.nextInt(10);
      if (kind < 5) {
        int run = 1 + r.nextInt(40);
        for (int k = 0; k < run; k++) {
          out.write(0x20 + r.nextInt(0x5F));
        }
      } else if (kind == 5) {
        codePoint(out, 0x80 + r.nextInt(0x800 - 0x80));
      } else if (kind == 6) {
        int cp;
        do {
          cp = 0x800 + r.nextInt(0x10000 - 0x800);
        } while (cp >= 0xD800 && cp <= 0xDFFF);
        codePoint(out, cp);
      } else if (kind == 7) {
        codePoint(out, 0x10000 + r.nextInt(0x110000 - 0x10000));
      } else {
        codePoint(out, EDGES[r.nextInt(EDGES.length)]);
      }
    }
    return out.toByteArray();
  }

  /** One random damage, or none: a byte changed, inserted or dropped, a cut, or an odd sequence put in. */
  private static byte[] mutate(Random r, byte[] b) {
    if (b.length == 0) {
      return b;
    }
    int at = r.nextInt(b.length);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    switch (r.nextInt(7)) {
      case 0 -> {
        return b;
      }
      case 1 -> {
        byte[] c = b.clone();
        c[at] = (byte) r.nextInt(256);
        return c;
      }
      case 2 -> {
        out.write(b, 0, at);
        out.write(0x80 + r.nextInt(128)); // a byte with its high bit: a lead or a continuation
        out.write(b, at, b.length - at);
      }
      case 3 -> {
        out.write(b, 0, at);
        out.write(b, at + 1, b.length - at - 1);
      }
      case 4 -> out.write(b, 0, at); // cut short
      default -> {
        out.write(b, 0, at);
        out.writeBytes(HexFormat.of().parseHex(ODD[r.nextInt(ODD.length)].replace(" ", "")));
        out.write(b, at, b.length - at);
      }
    }
    return out.toByteArray();
  }

  @Test
  void acceptsExactlyWhatTheJdksStrictDecoderAcceptsWhereverTheReadsEnd() throws IOException {
    int accepted = 0;
    int refused = 0;
    for (long seed = 1; seed <= 20_000; seed++) {
      Random r = new Random(seed);
      byte[] b = mutate(r, text(r, r.nextInt(120)));
      boolean expected = jdkAccepts(b);
      int capacity = 4 + r.nextInt(40);
      long chunkSeed = r.nextLong();
      int maxChunk = 1 + r.nextInt(capacity);
      for (boolean words : new boolean[] {true, false}) {
        boolean got = Utf8Validator.isValid(new Chunked(b, new Random(chunkSeed), maxChunk), capacity, words);
        assertThat(got).as("seed %d, capacity %d, %s, bytes %s", seed, capacity, words ? "words" : "bytes",
            HexFormat.of().formatHex(b)).isEqualTo(expected);
      }
      if (expected) {
        accepted++;
      } else {
        refused++;
      }
    }
    // the mix exercised both verdicts in earnest
    assertThat(accepted).isGreaterThan(5_000);
    assertThat(refused).isGreaterThan(5_000);
  }

  @Test
  void everyShortSequenceGetsTheJdksVerdict() throws IOException {
    // every one- and two-byte input, and every three-byte input starting with a lead byte of a long
    // form, each after ASCII and at every offset of an eight-byte word
    byte[] prefix = "abcdefgh".getBytes(StandardCharsets.US_ASCII);
    for (int b0 = 0; b0 < 256; b0++) {
      for (int b1 = 0; b1 < 256; b1++) {
        for (int b2 : new int[] {-1, 0x41, 0x80, 0x9F, 0xA0, 0xBF, 0xC0}) {
          byte[] seq = b2 < 0 ? new byte[] {(byte) b0, (byte) b1} : new byte[] {(byte) b0, (byte) b1, (byte) b2};
          int off = (b0 + b1) % 8;
          byte[] in = new byte[off + seq.length + 9];
          System.arraycopy(prefix, 0, in, 0, off);
          System.arraycopy(seq, 0, in, off, seq.length);
          java.util.Arrays.fill(in, off + seq.length, in.length, (byte) 'z');
          boolean expected = jdkAccepts(in);
          for (boolean words : new boolean[] {true, false}) {
            assertThat(Utf8Validator.isValid(new Chunked(in, new Random(b0 * 256L + b1), in.length), 64, words))
                .as("%s at offset %d, %s", HexFormat.of().formatHex(seq), off, words ? "words" : "bytes")
                .isEqualTo(expected);
          }
        }
      }
    }
  }

  @Test
  void smallFilesGetTheSameVerdictsAsLargeOnes() throws IOException {
    Random r = new Random(7);
    for (int k = 0; k < 200; k++) {
      byte[] b = mutate(r, text(r, r.nextInt(3_000)));
      Path f = Files.write(dir.resolve("small"), b);
      assertThat(Utf8Validator.isValid(f)).as("file %d: %s", k, HexFormat.of().formatHex(b)).isEqualTo(jdkAccepts(b));
    }
  }

  @Test
  void filesLargerThanTheBufferWithSequencesAcrossItsEdges() throws IOException {
    Random r = new Random(42);
    for (int k = 0; k < 12; k++) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      // ASCII up to a few bytes short of a 64 KiB boundary, then a character of every length
      out.writeBytes(text(r, 0));
      while (out.size() < 65_536 * (1 + k % 3) - 1 - k % 4) {
        out.write('x');
      }
      for (int cp : new int[] {0xE9, 0x2713, 0x1F600, 0x10FFFF}) {
        codePoint(out, cp);
      }
      out.writeBytes(text(r, 3_000));
      byte[] b = k % 2 == 0 ? out.toByteArray() : mutate(r, out.toByteArray());
      Path f = Files.write(dir.resolve("f" + k), b);
      assertThat(Utf8Validator.isValid(f)).as("file %d of %d bytes", k, b.length).isEqualTo(jdkAccepts(b));
    }
  }
}
