package io.htmlgraph.atomic.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The text form of a transaction's intent record: what each staged temp becomes and which files go.
 *
 * <pre>
 * htmlgraph-atomic intent 1
 * W 27 1c2a9e0f k3j9x0qa2b.0 config/app.json
 * D old/session-17.json
 * end 2 5e0c11a2
 * </pre>
 *
 * <p>A {@code W} line names a staged temp (its size and CRC-32C, its name in the staging directory) and
 * its target; a {@code D} line a file to delete. Targets are relative to the root, {@code /}-separated,
 * with every byte outside {@code [A-Za-z0-9._~+,=@-]} (and {@code /} between names) written as
 * {@code %XX}, so that a name with a space or a newline stays one field. The last line counts the
 * entries and carries the CRC-32C of every byte before it: a record is valid only if it is complete
 * (a crash while it was written leaves an incomplete one, which recovery discards). The sizes and
 * checksums of the temps let recovery check that every temp reached the disk before it trusts the
 * record.
 */
final class IntentRecord {
  static final String MAGIC = "htmlgraph-atomic intent 1";
  private static final int BUFFER = 64 * 1024;

  /** One line: a write ({@code temp != null}) or a delete. */
  record Entry(String temp, String target, long size, int crc) {
    boolean isWrite() {
      return temp != null;
    }
  }

  private IntentRecord() {}

  /**
   * Creates {@code file} ({@code O_EXCL}) and writes the record into it, unsynced.
   *
   * @throws IOException if it cannot be written in full; the caller removes it
   */
  static void write(Path file, List<Entry> entries) throws IOException {
    CRC32C crc = new CRC32C();
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      ByteBuffer buf = ByteBuffer.allocate(BUFFER);
      StringBuilder line = new StringBuilder(256);
      line.append(MAGIC).append('\n');
      for (Entry e : entries) {
        if (e.isWrite()) {
          line.append("W ").append(e.size()).append(' ').append(hex(e.crc())).append(' ').append(e.temp()).append(' ');
        } else {
          line.append("D ");
        }
        encode(e.target(), line);
        line.append('\n');
        if (line.length() > BUFFER / 4) {
          put(ch, buf, line, crc);
        }
      }
      put(ch, buf, line, crc);
      buf.flip();
      writeFully(ch, buf);
      buf.clear();
      byte[] end = ("end " + entries.size() + " " + hex((int) crc.getValue()) + "\n").getBytes(StandardCharsets.US_ASCII);
      writeFully(ch, ByteBuffer.wrap(end));
    }
  }

  private static void put(FileChannel ch, ByteBuffer buf, StringBuilder text, CRC32C crc) throws IOException {
    byte[] bytes = text.toString().getBytes(StandardCharsets.US_ASCII); // encode() left only ASCII
    text.setLength(0);
    crc.update(bytes);
    if (bytes.length > buf.remaining()) {
      buf.flip();
      writeFully(ch, buf);
      buf.clear();
    }
    if (bytes.length > buf.capacity()) {
      writeFully(ch, ByteBuffer.wrap(bytes));
    } else {
      buf.put(bytes);
    }
  }

  private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
    while (b.hasRemaining()) {
      ch.write(b);
    }
  }

  /**
   * Reads a record.
   *
   * @return its entries, or null if it is incomplete or damaged (no end line, a wrong count or
   *     checksum, a malformed line): the mark of a crash before the record was durable
   * @throws IOException if it cannot be read
   */
  static List<Entry> read(Path file) throws IOException {
    // never through a link, never a blocking open of a FIFO (the staging directory is the caller's,
    // see TransactionLog.checkStaging; this is the second line)
    FileMetadata m = FileMetadata.read(file);
    if (m.kind() != FileMetadata.Kind.REGULAR) {
      throw new FileSystemException(file.toString(), null, "the intent record of a transaction is not a regular file");
    }
    // about 50 bytes per file: read whole (10,000 files make half a megabyte)
    byte[] bytes;
    try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
      bytes = in.readAllBytes();
    }
    if (bytes.length == 0 || bytes[bytes.length - 1] != '\n') {
      return null; // cut short: even a record cut after its checksum must end with its newline
    }
    String text = new String(bytes, StandardCharsets.ISO_8859_1);
    String[] lines = text.substring(0, text.length() - 1).split("\n", -1);
    if (!MAGIC.equals(lines[0])) {
      return null;
    }
    List<Entry> entries = new ArrayList<>(lines.length);
    CRC32C crc = new CRC32C();
    update(crc, lines[0]);
    for (int i = 1; i < lines.length; i++) {
      String line = lines[i];
      if (line.startsWith("end ")) {
        String[] f = line.split(" ", -1);
        boolean valid = i == lines.length - 1 && f.length == 3 && f[1].equals(Integer.toString(entries.size()))
            && f[2].equals(hex((int) crc.getValue()));
        return valid ? entries : null;
      }
      Entry e = parse(line);
      if (e == null) {
        return null;
      }
      entries.add(e);
      update(crc, line);
    }
    return null; // no end line: torn
  }

  private static void update(CRC32C crc, String line) {
    crc.update(line.getBytes(StandardCharsets.ISO_8859_1));
    crc.update('\n');
  }

  private static Entry parse(String line) {
    String[] f = line.split(" ", -1);
    try {
      if (f.length == 5 && f[0].equals("W") && isTempName(f[3])) {
        String target = decode(f[4]);
        return target == null ? null : new Entry(f[3], target, Long.parseLong(f[1]), Integer.parseUnsignedInt(f[2], 16));
      }
      if (f.length == 2 && f[0].equals("D")) {
        String target = decode(f[1]);
        return target == null ? null : new Entry(null, target, 0, 0);
      }
    } catch (NumberFormatException e) {
      return null;
    }
    return null;
  }

  /** @return whether {@code name} has the form of a staged temp's name: {@code [a-z0-9]+.[0-9]+} */
  static boolean isTempName(String name) {
    int dot = name.indexOf('.');
    if (dot <= 0 || dot == name.length() - 1 || name.indexOf('.', dot + 1) >= 0) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      boolean ok = i < dot ? (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') : i == dot || (c >= '0' && c <= '9');
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  private static String hex(int v) {
    return HexFormat.of().toHexDigits(v);
  }

  private static void encode(String relative, StringBuilder out) {
    for (byte b : relative.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || ".~_+,=@-/".indexOf(c) >= 0) {
        out.append((char) c);
      } else {
        out.append('%').append(HexFormat.of().withUpperCase().toHexDigits((byte) c));
      }
    }
  }

  /**
   * @return the relative path, or null if the field is malformed or names anything but a plain path
   *     below the root (empty, absolute, {@code .} or {@code ..} among its names)
   */
  private static String decode(String field) {
    byte[] out = new byte[field.length()];
    int n = 0;
    for (int i = 0; i < field.length(); i++) {
      char c = field.charAt(i);
      if (c == '%') {
        if (i + 2 >= field.length()) {
          return null;
        }
        try {
          out[n++] = (byte) Integer.parseInt(field.substring(i + 1, i + 3), 16);
        } catch (NumberFormatException e) {
          return null;
        }
        i += 2;
      } else {
        out[n++] = (byte) c;
      }
    }
    String s = new String(out, 0, n, StandardCharsets.UTF_8);
    for (String name : s.split("/", -1)) {
      if (name.isEmpty() || name.equals(".") || name.equals("..") || name.indexOf('\0') >= 0) {
        return null;
      }
    }
    return s;
  }
}
