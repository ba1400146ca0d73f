package io.htmlgraph.atomic.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.JsonNode;

/**
 * What {@link AtomicJson#write} accepts, {@link AtomicJson#read} reads back: at each limit the value
 * makes the round trip, one past it the write is refused with nothing on disk. (The write used to
 * accept a 1500-digit integer, a 60,000-character key and a 120-million-character string that read
 * then refused, and a number beyond the range of a double read back as Infinity.)
 */
class AtomicJsonLimitsTest {
  @TempDir Path dir;

  private Path target() throws IOException {
    return Files.writeString(dir.resolve("t.json"), "\"old\"\n");
  }

  /** Writes {@code value}, reads it back as {@code type} and returns it. */
  private <T> T roundTrip(Object value, Class<T> type) throws IOException {
    Path t = target();
    AtomicJson.write(t, value);
    return AtomicJson.read(t, type);
  }

  /** The write of {@code value} is refused with IllegalArgumentException, the target is as it was. */
  private void refused(Object value, String why) throws Exception {
    Path t = target();
    assertThatThrownBy(() -> AtomicJson.write(t, value))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(why);
    assertThat(Files.readString(t)).isEqualTo("\"old\"\n");
    try (Stream<Path> s = Files.list(dir)) {
      assertThat(s.map(p -> p.getFileName().toString())).containsExactly("t.json");
    }
  }

  private static Map<String, Object> entry(String key, Object value) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put(key, value);
    return m;
  }

  @Test
  void integersUpToTheLimitOfDigits() throws Exception {
    BigInteger longest = new BigInteger("9".repeat(AtomicJson.MAX_NUMBER_DIGITS));
    assertThat(roundTrip(longest, Object.class)).isEqualTo(longest);
    assertThat(roundTrip(longest.negate(), Object.class)).as("the sign is not a digit").isEqualTo(longest.negate());
    refused(longest.multiply(BigInteger.TEN), "a number of 4301 digits");
    refused(List.of(1, longest.negate().multiply(BigInteger.TEN)), "a number of 4301 digits");
  }

  @Test
  void decimalsUpToTheLimitOfDigits() throws Exception {
    BigDecimal longest = new BigDecimal("1." + "1".repeat(AtomicJson.MAX_NUMBER_DIGITS - 1));
    assertThat(roundTrip(longest, BigDecimal.class)).isEqualTo(longest);
    refused(new BigDecimal("1." + "1".repeat(AtomicJson.MAX_NUMBER_DIGITS)), "a number of 4301 digits");
    // the exponent's digits count too, as the parser counts them
    BigDecimal withExponent = new BigDecimal(new BigInteger("1".repeat(AtomicJson.MAX_NUMBER_DIGITS - 4)), -100);
    assertThat(withExponent.toString()).endsWith("E+4395"); // 4296 digits and 4 in the exponent
    assertThat(roundTrip(withExponent, BigDecimal.class)).isEqualTo(withExponent);
    refused(new BigDecimal(new BigInteger("1".repeat(AtomicJson.MAX_NUMBER_DIGITS - 3)), -100), "a number of 4301 digits");
  }

  @Test
  void namesUpToTheLimitOfUtf8Bytes() throws Exception {
    for (String longest : new String[] {
        "k".repeat(AtomicJson.MAX_NAME_BYTES),
        "é".repeat(AtomicJson.MAX_NAME_BYTES / 2),
        "😀".repeat(AtomicJson.MAX_NAME_BYTES / 4),
        "€".repeat(AtomicJson.MAX_NAME_BYTES / 3) + "kk"}) {
      assertThat(roundTrip(entry(longest, 1), Map.class)).isEqualTo(entry(longest, 1));
      refused(entry(longest + "k", 1), "a property name of 50001 bytes in UTF-8");
    }
    // the 60,000-character key of the report
    refused(entry("k".repeat(60_000), 1), "a property name of 60000 bytes in UTF-8");
  }

  @Test
  void aNameWithAnUnpairedSurrogateIsRefusedAStringWithOneIsNot() throws Exception {
    refused(entry("a\ud800b", 1), "a property name with an unpaired surrogate (\\ud800 at index 1) cannot be read back");
    refused(entry("\udc00", 1), "unpaired surrogate");
    assertThat(roundTrip(entry("k", "a\ud800b"), Map.class)).isEqualTo(entry("k", "a\ud800b"));
  }

  @Test
  void stringsOneCharOverTheLimitAreRefused() throws Exception {
    refused(List.of("x".repeat(AtomicJson.MAX_STRING_LENGTH + 1)), "a string of 100000001 chars");
    // binary data is a base64 string: 75,000,003 bytes make 100,000,004 chars
    refused(entry("b", new byte[75_000_003]), "a string of 100000004 chars");
  }

  /** At the limit itself: 100 million chars written and read back (a few hundred MB of heap). */
  @Test
  @Tag("long")
  void stringsAndBinaryUpToTheLimitOfChars() throws Exception {
    String longest = "x".repeat(AtomicJson.MAX_STRING_LENGTH);
    assertThat(roundTrip(List.of(longest), List.class)).isEqualTo(List.of(longest));
    longest = null;
    byte[] data = new byte[75_000_000];
    Arrays.fill(data, (byte) 7);
    assertThat(AtomicJson.read(writeAndGet(entry("b", data)), new TypeReference<Map<String, byte[]>>() {}).get("b"))
        .isEqualTo(data);
  }

  private Path writeAndGet(Object value) throws IOException {
    Path t = target();
    AtomicJson.write(t, value);
    return t;
  }

  @Test
  void nestingUpToTheLimitOfDepth() throws Exception {
    Object deepest = 1;
    for (int i = 0; i < AtomicJson.MAX_NESTING_DEPTH; i++) {
      deepest = List.of(deepest);
    }
    assertThat(roundTrip(deepest, Object.class)).isEqualTo(deepest);
    refused(List.of(deepest), "nesting depth (501)");
  }

  @Test
  void aNumberBeyondTheRangeOfADoubleReadsAsBigDecimalWhereTheTypeAllows() throws Exception {
    Path t = Files.writeString(dir.resolve("big.json"), "{\"x\": 1e400, \"y\": [2.5, -1E+309], \"z\": 1e-400}\n");
    Map<String, Object> m = AtomicJson.read(t, new TypeReference<Map<String, Object>>() {});
    assertThat(m.get("x")).isEqualTo(new BigDecimal("1e400"));
    assertThat(m.get("y")).isEqualTo(List.of(2.5, new BigDecimal("-1E+309")));
    assertThat(m.get("z")).as("too small for a double: 0.0, as in Python").isEqualTo(0.0);
    JsonNode tree = AtomicJson.read(t, JsonNode.class);
    assertThat(tree.get("x").decimalValue()).isEqualTo(new BigDecimal("1e400"));
    assertThat(tree.get("y").get(1).isBigDecimal()).isTrue();
  }

  /** update of a file holding 1e400 used to fail: read gave Infinity, which write refuses. */
  @Test
  void updateOfAFileWithAHugeNumberWritesItBack() throws Exception {
    Path t = Files.writeString(dir.resolve("big.json"), "{\"x\": 1e400, \"n\": 1}\n");
    AtomicJson.update(t, new TypeReference<Map<String, Object>>() {}, m -> {
      m.put("n", 2);
      return m;
    });
    assertThat(Files.readString(t)).isEqualTo("{\n  \"x\": 1E+400,\n  \"n\": 2\n}\n");
    assertThat(roundTrip(new BigDecimal("1e400"), Object.class)).isEqualTo(new BigDecimal("1e400"));
  }

  record Reading(double d) {}

  record Small(float f) {}

  record Boxed(List<Double> values) {}

  @Test
  void aNumberBeyondTheRangeOfADoubleOrFloatTargetIsInvalidJson() throws Exception {
    Path t = Files.writeString(dir.resolve("t.json"), "{\"d\": 1e400}");
    assertThatThrownBy(() -> AtomicJson.read(t, Reading.class))
        .isInstanceOf(InvalidJsonException.class)
        .hasMessageContaining("the number 1e400 is beyond the range of a double");
    Files.writeString(t, "{\"d\": " + "9".repeat(400) + "}");
    assertThatThrownBy(() -> AtomicJson.read(t, Reading.class)).isInstanceOf(InvalidJsonException.class);
    Files.writeString(t, "{\"f\": 1e39}");
    assertThatThrownBy(() -> AtomicJson.read(t, Small.class))
        .isInstanceOf(InvalidJsonException.class)
        .hasMessageContaining("beyond the range of a float");
    Files.writeString(t, "{\"values\": [1.5, -1e999]}");
    assertThatThrownBy(() -> AtomicJson.read(t, Boxed.class)).isInstanceOf(InvalidJsonException.class);
    Files.writeString(t, "[1.5, 1e999]");
    assertThatThrownBy(() -> AtomicJson.read(t, double[].class)).isInstanceOf(InvalidJsonException.class);
    assertThat(AtomicJson.read(t, BigDecimal[].class)).containsExactly(new BigDecimal("1.5"), new BigDecimal("1e999"));
  }

  @Test
  void jacksonsNanStringsAreNotReadIntoNumbers() throws Exception {
    for (String nan : new String[] {"\"NaN\"", "\"Infinity\"", "\"-Infinity\""}) {
      Path t = Files.writeString(dir.resolve("t.json"), "{\"d\": " + nan + "}");
      assertThatThrownBy(() -> AtomicJson.read(t, Reading.class))
          .as(nan)
          .isInstanceOf(InvalidJsonException.class)
          .hasMessageContaining("is not a number AtomicJson writes");
    }
    Path t = Files.writeString(dir.resolve("t.json"), "{\"d\": \"2.5\"}");
    assertThat(AtomicJson.read(t, Reading.class)).as("other coercions as before").isEqualTo(new Reading(2.5));
  }

  @Test
  void aFileOverALimitIsInvalidJson() throws Exception {
    Path t = Files.writeString(dir.resolve("t.json"), "[" + "9".repeat(AtomicJson.MAX_NUMBER_DIGITS + 1) + "]");
    assertThatThrownBy(() -> AtomicJson.read(t, Object.class)).isInstanceOf(InvalidJsonException.class);
    Files.writeString(t, "{\"" + "k".repeat(AtomicJson.MAX_NAME_BYTES + 1) + "\": 1}");
    assertThatThrownBy(() -> AtomicJson.read(t, Object.class)).isInstanceOf(InvalidJsonException.class);
    Files.writeString(t, "[".repeat(AtomicJson.MAX_NESTING_DEPTH + 1) + "]".repeat(AtomicJson.MAX_NESTING_DEPTH + 1));
    assertThatThrownBy(() -> AtomicJson.read(t, Object.class)).isInstanceOf(InvalidJsonException.class);
  }

  @Test
  void aRefusalNamesWhereInTheValueAsAJsonPointer() throws Exception {
    Map<String, Object> m = entry("sessions", List.of(entry("a/b", new BigInteger("9".repeat(5000)))));
    refused(m, "(at /sessions/0/a~1b)");
  }
}
