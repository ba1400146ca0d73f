package io.htmlgraph.atomic.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link AtomicJson#toBytes}: the bytes {@code write} puts in a file, for a transaction to publish. */
class AtomicJsonToBytesTest {
  @TempDir Path dir;

  @Test
  void theBytesAreThoseThatWriteWrites() throws IOException {
    Map<String, Object> value = new LinkedHashMap<>();
    value.put("name", "ünïcödé ✓ 😀 /path");
    value.put("ids", List.of(1, 2.5, 1e300, true));
    value.put("nested", Map.of("empty", List.of()));
    value.put("none", null);
    Path file = dir.resolve("v.json");
    AtomicJson.write(file, value);
    assertThat(AtomicJson.toBytes(value)).isEqualTo(Files.readAllBytes(file));
    assertThat(new String(AtomicJson.toBytes(List.of("a")), StandardCharsets.UTF_8)).isEqualTo("[\n  \"a\"\n]\n");
  }

  @Test
  void aValueThatIsNotJsonIsRefusedAndNamesWhere() {
    assertThatThrownBy(() -> AtomicJson.toBytes(Map.of("scores", List.of(1.0, Double.NaN))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("/scores/1");
  }
}
