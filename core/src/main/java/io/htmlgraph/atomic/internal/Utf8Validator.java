package io.htmlgraph.atomic.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** Streams a file through a strict UTF-8 decoder in constant memory. */
public final class Utf8Validator {
  private static final int BUFFER = 64 * 1024;

  private Utf8Validator() {}

  /**
   * @return true only for an existing regular file (links followed under the link rule) that is valid
   *     UTF-8; a FIFO or device is never opened (see {@link SafeFiles#openForRead})
   */
  public static boolean isValid(Path path) {
    try (SeekableByteChannel ch = SafeFiles.openForRead(path)) {
      CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT);
      ByteBuffer in = ByteBuffer.allocate(BUFFER);
      CharBuffer out = CharBuffer.allocate(BUFFER);
      boolean eof = false;
      while (!eof) {
        eof = ch.read(in) < 0;
        in.flip();
        CoderResult r;
        do {
          out.clear();
          r = decoder.decode(in, out, eof);
          if (r.isError()) {
            return false;
          }
        } while (r.isOverflow());
        in.compact();
      }
      out.clear();
      return !decoder.flush(out).isError();
    } catch (IOException e) {
      return false;
    }
  }

}
