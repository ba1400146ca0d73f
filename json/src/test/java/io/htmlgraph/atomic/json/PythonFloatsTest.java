package io.htmlgraph.atomic.json;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PythonFloatsTest {
  /**
   * {@code golden/floats.txt}: 12,000 doubles (random bit patterns, every power of two, subnormals,
   * neighbours of powers of ten) with the repr python3 gave each.
   */
  @Test
  void doublesReprAsPythonDoes() {
    String table = new String(Goldens.bytes("floats.txt"), StandardCharsets.US_ASCII);
    List<String> mismatches = new ArrayList<>();
    int checked = 0;
    for (String line : table.split("\n")) {
      if (line.startsWith("#") || line.isEmpty()) {
        continue;
      }
      String[] f = line.split(" ");
      double d = Double.longBitsToDouble(Long.parseUnsignedLong(f[0], 16));
      String repr = PythonFloats.repr(d);
      if (!repr.equals(f[1])) {
        mismatches.add(f[0] + ": python " + f[1] + ", java " + repr);
      }
      checked++;
    }
    assertThat(checked).isGreaterThan(12_000);
    assertThat(mismatches).isEmpty();
  }

  @Test
  void floatsUseTheShortestDecimalOfTheFloatInPythonNotation() {
    assertThat(PythonFloats.repr(0.1f)).isEqualTo("0.1");
    assertThat(PythonFloats.repr(1e-5f)).isEqualTo("1e-05");
    assertThat(PythonFloats.repr(-0.0f)).isEqualTo("-0.0");
    assertThat(PythonFloats.repr(16777216f)).isEqualTo("16777216.0");
    assertThat(PythonFloats.repr(Float.MAX_VALUE)).isEqualTo("3.4028235e+38");
    assertThat(PythonFloats.repr(Float.MIN_VALUE)).isEqualTo("1e-45");
  }
}
