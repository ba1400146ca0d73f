package io.htmlgraph.atomic;

import java.nio.file.Path;
import java.util.zip.CRC32;

/** Run in a JVM with a small heap: streams {@code args[1]} MiB of a pattern into {@code args[0]}. */
public final class LargeStreamChild {
  private LargeStreamChild() {}

  public static void main(String[] args) throws Exception {
    Path target = Path.of(args[0]);
    long mib = Long.parseLong(args[1]);
    byte[] chunk = new byte[64 * 1024];
    CRC32 crc = new CRC32();
    try (AtomicFileOutputStream out = new AtomicFileOutputStream(target)) {
      for (long i = 0; i < mib * 16; i++) {
        for (int j = 0; j < chunk.length; j += 4096) {
          chunk[j] = (byte) i;
        }
        out.write(chunk);
        crc.update(chunk);
        out.write(1); // and single bytes through the buffer
        crc.update(1);
      }
      out.commit();
    }
    System.out.println("crc=" + crc.getValue() + " max-heap=" + Runtime.getRuntime().maxMemory());
  }
}
