package io.htmlgraph.atomic.json;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * Formats floating-point numbers as Python's {@code repr(float)} does, which is what {@code json.dump}
 * writes: the shortest decimal that reads back as the same number ({@code 0.1}, not
 * {@code 0.1000000000000000055511151231257827}), in positional notation when the decimal exponent is in
 * [-4, 16) and with at least one fractional digit ({@code 100.0}), otherwise in exponent notation with
 * a signed exponent of at least two digits ({@code 1e-05}, {@code 1e+16}).
 *
 * <p>Java 17's {@code Double.toString} cannot stand in: its notation differs ({@code 1.0E-5}) and it is
 * not always the shortest (JDK-4511638, fixed in Java 19), so files would not diff cleanly against the
 * original's. The search below is exact: it rounds the number's exact binary value to 1, 2, ... 17
 * significant digits and keeps the first length at which a decimal reads back as the same double,
 * choosing the nearest such decimal, as David Gay's dtoa (behind Python's repr) does.
 */
final class PythonFloats {
  private PythonFloats() {}

  /** @return Python's {@code repr(value)}; {@code value} must be finite */
  static String repr(double value) {
    if (value == 0) {
      return Double.doubleToRawLongBits(value) < 0 ? "-0.0" : "0.0";
    }
    BigDecimal exact = new BigDecimal(value);
    for (int digits = 1; digits <= 17; digits++) {
      BigDecimal best = nearestReadingBack(exact, digits, d -> d.doubleValue() == value);
      if (best != null) {
        return format(best);
      }
    }
    throw new AssertionError("17 significant digits always identify a double: " + value);
  }

  /**
   * A Java {@code float} in the same notation, with the shortest decimal that reads back as the same
   * float (Python has no 32-bit floats; this keeps {@code 0.1f} as {@code 0.1}).
   */
  static String repr(float value) {
    if (value == 0) {
      return Float.floatToRawIntBits(value) < 0 ? "-0.0" : "0.0";
    }
    BigDecimal exact = new BigDecimal(value);
    for (int digits = 1; digits <= 9; digits++) {
      BigDecimal best = nearestReadingBack(exact, digits, d -> d.floatValue() == value);
      if (best != null) {
        return format(best);
      }
    }
    throw new AssertionError("9 significant digits always identify a float: " + value);
  }

  private interface ReadsBack {
    boolean test(BigDecimal candidate);
  }

  /**
   * The decimal of {@code digits} significant digits nearest to {@code exact} that reads back, or null.
   * Rounding to nearest alone is not enough: next to a power of two the interval of decimals that read
   * back is lopsided, and the nearest decimal may fall outside it while its neighbour falls inside.
   */
  private static BigDecimal nearestReadingBack(BigDecimal exact, int digits, ReadsBack readsBack) {
    BigDecimal best = null;
    BigDecimal bestDistance = null;
    for (RoundingMode mode : new RoundingMode[] {RoundingMode.HALF_EVEN, RoundingMode.FLOOR, RoundingMode.CEILING}) {
      BigDecimal candidate = exact.round(new MathContext(digits, mode));
      if (readsBack.test(candidate)) {
        BigDecimal distance = candidate.subtract(exact).abs();
        if (best == null || distance.compareTo(bestDistance) < 0) {
          best = candidate;
          bestDistance = distance;
        }
      }
    }
    return best;
  }

  /** Python's {@code format_float_short} for {@code repr}: mode 'r', with ".0" added to integers. */
  private static String format(BigDecimal decimal) {
    BigDecimal d = decimal.stripTrailingZeros();
    String digits = d.unscaledValue().abs().toString();
    int n = digits.length();
    int pointAt = n - d.scale(); // the value is 0.<digits> x 10^pointAt
    StringBuilder sb = new StringBuilder(n + 8);
    if (d.signum() < 0) {
      sb.append('-');
    }
    if (pointAt > -4 && pointAt <= 16) {
      if (pointAt <= 0) {
        sb.append("0.");
        sb.append("0".repeat(-pointAt));
        sb.append(digits);
      } else if (pointAt >= n) {
        sb.append(digits);
        sb.append("0".repeat(pointAt - n));
        sb.append(".0");
      } else {
        sb.append(digits, 0, pointAt).append('.').append(digits, pointAt, n);
      }
    } else {
      sb.append(digits.charAt(0));
      if (n > 1) {
        sb.append('.').append(digits, 1, n);
      }
      int exponent = pointAt - 1;
      sb.append(exponent < 0 ? "e-" : "e+");
      int abs = Math.abs(exponent);
      if (abs < 10) {
        sb.append('0');
      }
      sb.append(abs);
    }
    return sb.toString();
  }
}
