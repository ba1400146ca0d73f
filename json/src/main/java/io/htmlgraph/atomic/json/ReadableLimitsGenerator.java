package io.htmlgraph.atomic.json;

import java.io.IOException;
import java.io.Reader;
import java.math.BigDecimal;
import java.math.BigInteger;
import tools.jackson.core.Base64Variant;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.SerializableString;
import tools.jackson.core.exc.StreamWriteException;
import tools.jackson.core.util.JsonGeneratorDelegate;

/**
 * Refuses, before a byte of it is written, every token that {@link AtomicJson#read} would refuse to
 * read back, counted exactly as Jackson's UTF-8 parser counts it (checked in jackson-core 3.3):
 * <ul>
 *   <li>a property name longer than {@link AtomicJson#MAX_NAME_BYTES} bytes once encoded in UTF-8
 *       (the parser decodes names into UTF-8 bytes and counts those), or holding an unpaired
 *       surrogate (written as an escape, which the parser refuses in a name, not in a string);
 *   <li>a string longer than {@link AtomicJson#MAX_STRING_LENGTH} chars ({@code String.length()}:
 *       the parser counts UTF-16 units), binary data included, which JSON holds as a base64 string;
 *   <li>a number with more than {@link AtomicJson#MAX_NUMBER_DIGITS} digits: an integer's digits
 *       without the sign, a decimal's digits before and after the point and in the exponent (as
 *       written: {@link BigDecimal#toString()}).
 * </ul>
 * Nesting depth needs no check here: the factory's {@code StreamWriteConstraints} and
 * {@code StreamReadConstraints} hold the same {@link AtomicJson#MAX_NESTING_DEPTH}.
 *
 * <p>Why: {@code AtomicJson.write} used to write a 1500-digit integer, a 60,000-character key or a
 * 120-million-character string, which {@code read} (and so {@code update}) then refused: a file the
 * library itself could no longer open.
 */
final class ReadableLimitsGenerator extends JsonGeneratorDelegate {
  /** log2(10): an integer of b bits has about b / LOG2_10 decimal digits. */
  private static final double LOG2_10 = Math.log(10) / Math.log(2);

  ReadableLimitsGenerator(JsonGenerator delegate) {
    super(delegate, true);
  }

  @Override
  public JsonGenerator writeName(String name) {
    checkName(name);
    return delegate.writeName(name);
  }

  @Override
  public JsonGenerator writeName(SerializableString name) {
    checkName(name.getValue());
    return delegate.writeName(name);
  }

  @Override
  public JsonGenerator writeString(String text) {
    if (text != null) {
      checkString(text.length());
    }
    return delegate.writeString(text);
  }

  @Override
  public JsonGenerator writeString(char[] text, int offset, int len) {
    checkString(len);
    return delegate.writeString(text, offset, len);
  }

  @Override
  public JsonGenerator writeString(SerializableString text) {
    checkString(text.getValue().length());
    return delegate.writeString(text);
  }

  @Override
  public JsonGenerator writeString(Reader reader, int len) {
    if (len >= 0) {
      checkString(len);
      return delegate.writeString(reader, len);
    }
    return delegate.writeString(new CountingReader(reader), len);
  }

  @Override
  public JsonGenerator writeUTF8String(byte[] text, int offset, int len) {
    checkString(utf16Length(text, offset, len));
    return delegate.writeUTF8String(text, offset, len);
  }

  @Override
  public JsonGenerator writeRawUTF8String(byte[] text, int offset, int len) {
    checkString(utf16Length(text, offset, len));
    return delegate.writeRawUTF8String(text, offset, len);
  }

  @Override
  public JsonGenerator writeBinary(Base64Variant variant, byte[] data, int offset, int len) {
    checkString(base64Length(variant, len));
    return delegate.writeBinary(variant, data, offset, len);
  }

  @Override
  public int writeBinary(Base64Variant variant, java.io.InputStream data, int dataLength) {
    if (dataLength >= 0) {
      checkString(base64Length(variant, dataLength));
    }
    return delegate.writeBinary(variant, data, dataLength);
  }

  @Override
  public JsonGenerator writeNumber(BigInteger v) {
    if (v != null) {
      checkDigits(digits(v), v);
    }
    return delegate.writeNumber(v);
  }

  @Override
  public JsonGenerator writeNumber(BigDecimal v) {
    if (v != null) {
      checkDigits(digits(v.toString()), v);
    }
    return delegate.writeNumber(v);
  }

  @Override
  public JsonGenerator writeNumber(String encodedValue) {
    if (encodedValue != null) {
      checkDigits(digits(encodedValue), encodedValue);
    }
    return delegate.writeNumber(encodedValue);
  }

  @Override
  public JsonGenerator writeNumber(char[] encodedValueBuffer, int offset, int len) {
    checkDigits(digits(new String(encodedValueBuffer, offset, len)), "a number");
    return delegate.writeNumber(encodedValueBuffer, offset, len);
  }

  private void checkName(String name) {
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < name.length() && Character.isLowSurrogate(name.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        // written as an escape, which Jackson's parser refuses in a name (in a string it takes it)
        throw new UnreadableTokenException(this, String.format("a property name with an unpaired surrogate "
            + "(\\u%04x at index %d) cannot be read back", (int) c, i));
      }
    }
    long bytes = utf8Length(name);
    if (bytes > AtomicJson.MAX_NAME_BYTES) {
      throw new UnreadableTokenException(this, "a property name of " + bytes + " bytes in UTF-8 (\""
          + name.substring(0, 20) + "...\") is longer than the " + AtomicJson.MAX_NAME_BYTES
          + " that AtomicJson.read reads back");
    }
  }

  private void checkString(long length) {
    if (length > AtomicJson.MAX_STRING_LENGTH) {
      throw new UnreadableTokenException(this, "a string of " + length + " chars is longer than the "
          + AtomicJson.MAX_STRING_LENGTH + " that AtomicJson.read reads back");
    }
  }

  private void checkDigits(long digits, Object value) {
    if (digits > AtomicJson.MAX_NUMBER_DIGITS) {
      String shown = value instanceof String s ? s : value.toString();
      throw new UnreadableTokenException(this, "a number of " + digits + " digits (" + shown.substring(0, 20)
          + "...) is longer than the " + AtomicJson.MAX_NUMBER_DIGITS + " that AtomicJson.read reads back");
    }
  }

  /**
   * @return the decimal digits of {@code v} without the sign, or 0 when they are surely within the
   *     limit: a string is made only near it (a huge number's toString costs time)
   */
  private static long digits(BigInteger v) {
    int bits = v.bitLength();
    // b bits hold between floor((b - 1) / LOG2_10) + 1 and ceil(b / LOG2_10) digits; the margins of
    // one digit on each side keep the rounding of LOG2_10 out of the answer
    if (bits / LOG2_10 + 1 < AtomicJson.MAX_NUMBER_DIGITS) {
      return 0;
    }
    if ((bits - 1) / LOG2_10 > AtomicJson.MAX_NUMBER_DIGITS + 1) {
      return (long) ((bits - 1) / LOG2_10); // far above: a lower bound is enough to refuse
    }
    return v.abs().toString().length();
  }

  /** @return the ASCII digits of a number as written: sign, point, 'e' and exponent sign excluded */
  private static long digits(String number) {
    long n = 0;
    for (int i = 0; i < number.length(); i++) {
      char c = number.charAt(i);
      if (c >= '0' && c <= '9') {
        n++;
      }
    }
    return n;
  }

  /** @return the bytes of {@code s} in UTF-8 (an unpaired surrogate, refused before, would count 3) */
  static long utf8Length(String s) {
    long n = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        n += 1;
      } else if (c < 0x800) {
        n += 2;
      } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        n += 4;
        i++;
      } else {
        n += 3;
      }
    }
    return n;
  }

  /** @return the UTF-16 units of the UTF-8 bytes given: one per lead byte, two for a 4-byte sequence */
  private static long utf16Length(byte[] b, int offset, int len) {
    long n = 0;
    for (int i = offset; i < offset + len; i++) {
      int x = b[i] & 0xFF;
      if ((x & 0xC0) != 0x80) {
        n += x >= 0xF0 ? 2 : 1;
      }
    }
    return n;
  }

  /** @return the length of the base64 string of {@code bytes} bytes in {@code variant} */
  private static long base64Length(Base64Variant variant, long bytes) {
    long chars = variant.usesPadding() ? (bytes + 2) / 3 * 4 : (bytes * 4 + 2) / 3;
    int line = variant.getMaxLineLength();
    if (line > 0 && line < Integer.MAX_VALUE && chars > line) {
      chars += (chars - 1) / line; // a line feed between lines (an escape in the file, one char read)
    }
    return chars;
  }

  /** A token that {@link AtomicJson#read} would refuse to read back (too long, or a broken name). */
  static final class UnreadableTokenException extends StreamWriteException {
    private static final long serialVersionUID = 1L;

    UnreadableTokenException(JsonGenerator g, String message) {
      super(g, message);
    }
  }

  /** Counts the chars of a string of unknown length as they are written, and stops past the limit. */
  private final class CountingReader extends Reader {
    private final Reader in;
    private long count;

    CountingReader(Reader in) {
      this.in = in;
    }

    @Override
    public int read(char[] buf, int off, int len) throws IOException {
      int n = in.read(buf, off, len);
      if (n > 0) {
        count += n;
        checkString(count);
      }
      return n;
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }
}
