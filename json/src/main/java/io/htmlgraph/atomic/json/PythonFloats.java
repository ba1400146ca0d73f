package io.htmlgraph.atomic.json;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.function.Predicate;

/**
 * Formats floating-point numbers as Python's {@code repr(float)} does, which is what {@code json.dump}
 * writes: the shortest decimal that reads back as the same number ({@code 0.1}, not
 * {@code 0.1000000000000000055511151231257827}), in positional notation when the decimal exponent is in
 * [-4, 16) and with at least one fractional digit ({@code 100.0}), otherwise in exponent notation with
 * a signed exponent of at least two digits ({@code 1e-05}, {@code 1e+16}).
 *
 * <p>Java 17's {@code Double.toString} cannot stand in: its notation differs ({@code 1.0E-5}) and it is
 * not always the shortest (JDK-4511638, fixed in Java 19), so files would not diff cleanly against the
 * original's. The search below is exact: it rounds the number's exact binary value to fewer and fewer
 * significant digits and keeps the shortest length at which a decimal reads back as the same double,
 * choosing the nearest such decimal, as David Gay's dtoa (behind Python's repr) does.
 */
final class PythonFloats {
  private PythonFloats() {}

  /** @return Python's {@code repr(value)}; {@code value} must be finite */
  static String repr(double value) {
    if (value == 0) {
      return Double.doubleToRawLongBits(value) < 0 ? "-0.0" : "0.0";
    }
    // Double.toString reads back. When it has at most 15 significant digits (DBL_DIG) and the value is
    // normal, no other decimal of that length or shorter reads back as the same double (any two
    // distinct such decimals are distinct doubles), so it is the shortest and the nearest: the common
    // case (0.1, 12.5, 1e-05) costs one toString.
    BigDecimal quick = new BigDecimal(Double.toString(value)).stripTrailingZeros();
    if (quick.precision() <= 15 && Math.abs(value) >= Double.MIN_NORMAL) {
      return format(quick);
    }
    return format(shortest(new BigDecimal(value), quick.precision(), d -> d.doubleValue() == value));
  }

  /**
   * A Java {@code float} in the same notation, with the shortest decimal that reads back as the same
   * float (Python has no 32-bit floats; this keeps {@code 0.1f} as {@code 0.1}).
   */
  static String repr(float value) {
    if (value == 0) {
      return Float.floatToRawIntBits(value) < 0 ? "-0.0" : "0.0";
    }
    BigDecimal quick = new BigDecimal(Float.toString(value)).stripTrailingZeros();
    if (quick.precision() <= 6 && Math.abs(value) >= Float.MIN_NORMAL) { // FLT_DIG, as for doubles
      return format(quick);
    }
    return format(shortest(new BigDecimal(value), quick.precision(), d -> d.floatValue() == value));
  }

  /**
   * The nearest of the shortest decimals that read back; one of {@code upper} digits is known to.
   * Starts there and shortens while a decimal one digit shorter still reads back: if one of n digits
   * does, one of n + 1 does too (append a zero), so the first failure ends the search.
   */
  private static BigDecimal shortest(BigDecimal exact, int upper, Predicate<BigDecimal> readsBack) {
    BigDecimal best = nearestReadingBack(exact, upper, readsBack);
    for (int digits = upper - 1; digits >= 1; digits--) {
      BigDecimal shorter = nearestReadingBack(exact, digits, readsBack);
      if (shorter == null) {
        break;
      }
      best = shorter;
    }
    return best;
  }

  /**
   * The decimal of {@code digits} significant digits nearest to {@code exact} that reads back, or null.
   * Rounding to nearest alone is not enough: next to a power of two the interval of decimals that read
   * back is lopsided, and the nearest decimal may fall outside it while its neighbour falls inside.
   */
  private static BigDecimal nearestReadingBack(BigDecimal exact, int digits, Predicate<BigDecimal> readsBack) {
    BigDecimal nearest = exact.round(new MathContext(digits, RoundingMode.HALF_EVEN));
    if (readsBack.test(nearest)) {
      return nearest;
    }
    RoundingMode otherSide = nearest.compareTo(exact) > 0 ? RoundingMode.FLOOR : RoundingMode.CEILING;
    BigDecimal neighbour = exact.round(new MathContext(digits, otherSide));
    return readsBack.test(neighbour) ? neighbour : null;
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
