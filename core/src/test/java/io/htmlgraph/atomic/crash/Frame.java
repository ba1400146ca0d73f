package io.htmlgraph.atomic.crash;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import java.util.zip.CRC32;

/**
 * The framed record the crash tests write and check: a record that knows whether it is whole.
 *
 * <pre>
 *   magic "HGAF" (4) | generation (8) | payload length (4) | payload | CRC32 of all before (4)
 * </pre>
 *
 * A torn file (a prefix, zero-filled blocks, a mix of two versions, an empty file) fails the length
 * check or the CRC. The payload is derived from the generation, so a mix of two versions differs from
 * both.
 */
final class Frame {
  static final int HEADER = 16;
  static final int TRAILER = 4;
  private static final int MAGIC = 0x48474146; // "HGAF"

  private Frame() {}

  /** @return a record of {@code generation} whose payload has a random length in [0, maxPayload] */
  static byte[] encode(long generation, SplittableRandom sizes, int maxPayload) {
    int length = sizes.nextInt(maxPayload + 1);
    ByteBuffer b = ByteBuffer.allocate(HEADER + length + TRAILER);
    b.putInt(MAGIC).putLong(generation).putInt(length);
    b.put(payload(generation, length));
    CRC32 crc = new CRC32();
    crc.update(b.array(), 0, HEADER + length);
    b.putInt((int) crc.getValue());
    return b.array();
  }

  /** A 4 KiB block drawn from the generation, tiled: cheap to make, different in every generation. */
  private static byte[] payload(long generation, int length) {
    byte[] block = new byte[Math.min(length, 4096)];
    new SplittableRandom(generation * 0x9E3779B97F4A7C15L).nextBytes(block);
    byte[] payload = new byte[length];
    for (int off = 0; off < length; off += block.length) {
      System.arraycopy(block, 0, payload, off, Math.min(block.length, length - off));
    }
    return payload;
  }

  /**
   * @return the generation of a whole record
   * @throws IllegalStateException describing why the bytes are not one whole record
   */
  static long check(byte[] bytes) {
    if (bytes.length < HEADER + TRAILER) {
      throw new IllegalStateException("torn: " + bytes.length + " bytes, shorter than an empty record");
    }
    ByteBuffer b = ByteBuffer.wrap(bytes);
    int magic = b.getInt();
    long generation = b.getLong();
    int length = b.getInt();
    if (magic != MAGIC) {
      throw new IllegalStateException(String.format("torn: magic %08x", magic));
    }
    if (length < 0 || (long) HEADER + length + TRAILER != bytes.length) {
      throw new IllegalStateException("torn: header says " + length + " payload bytes, file has "
          + bytes.length + " bytes (generation " + generation + ")");
    }
    CRC32 crc = new CRC32();
    crc.update(bytes, 0, HEADER + length);
    int expected = ByteBuffer.wrap(bytes, HEADER + length, TRAILER).getInt();
    if ((int) crc.getValue() != expected) {
      throw new IllegalStateException("torn: CRC mismatch in generation " + generation);
    }
    return generation;
  }
}
