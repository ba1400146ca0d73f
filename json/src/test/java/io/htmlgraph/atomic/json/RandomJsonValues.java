package io.htmlgraph.atomic.json;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Random nested JSON values from a seed: the Java twin of {@code random_document} in
 * {@code generate_goldens.py}. Both draw from SplitMix64 in the same order, so a seed gives the same
 * value here as there; keep the two in step.
 */
final class RandomJsonValues {
  private static final String[] SPECIAL = {"\"", "\\", "/", "\u007f", "\u2028", "\u2029", "\u00e9", "\u4e2d", "\ufeff"};
  private static final BigInteger TWO_64 = BigInteger.ONE.shiftLeft(64);

  private long state;

  private RandomJsonValues(long seed) {
    this.state = seed;
  }

  /** @return a map of 1 to 6 random members, nested up to 4 levels */
  static Map<String, Object> document(long seed) {
    RandomJsonValues r = new RandomJsonValues(seed);
    Map<String, Object> doc = new LinkedHashMap<>();
    for (int i = 1 + r.nextInt(6); i > 0; i--) {
      String k = r.string();
      doc.put(k, r.value(1));
    }
    return doc;
  }

  private long next() {
    state += 0x9E3779B97F4A7C15L;
    long z = state;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  private int nextInt(int n) {
    return (int) ((next() >>> 1) % n);
  }

  private String string() {
    StringBuilder sb = new StringBuilder();
    for (int i = nextInt(12); i > 0; i--) {
      switch (nextInt(6)) {
        case 0 -> sb.append((char) (0x20 + nextInt(95)));
        case 1 -> sb.append((char) nextInt(0x20));
        case 2 -> sb.append(SPECIAL[nextInt(SPECIAL.length)]);
        case 3 -> sb.append((char) (0x80 + nextInt(0xD800 - 0x80)));
        case 4 -> sb.appendCodePoint(0x10000 + nextInt(0x100000));
        default -> sb.append((char) ('a' + nextInt(26)));
      }
    }
    return sb.toString();
  }

  private double dbl() {
    switch (nextInt(3)) {
      case 0: {
        double d = Double.longBitsToDouble(next());
        return Double.isFinite(d) ? d : 0.5;
      }
      case 1: {
        int m = nextInt(100000);
        return m / Math.pow(10, nextInt(8));
      }
      default:
        return nextInt(2001) - 1000.0;
    }
  }

  private Object value(int depth) {
    switch (nextInt(depth >= 4 ? 7 : 9)) {
      case 0: return null;
      case 1: return nextInt(2) == 1;
      case 2: return nextInt(2001) - 1000;
      case 3: return next();
      case 4: {
        BigInteger high = BigInteger.valueOf(next());
        BigInteger low = new BigInteger(Long.toUnsignedString(next()));
        return high.multiply(TWO_64).add(low);
      }
      case 5: return string();
      case 6: return dbl();
      case 7: {
        List<Object> list = new ArrayList<>();
        for (int i = nextInt(5); i > 0; i--) {
          list.add(value(depth + 1));
        }
        return list;
      }
      default: {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = nextInt(5); i > 0; i--) {
          String k = string();
          map.put(k, value(depth + 1));
        }
        return map;
      }
    }
  }
}
