package io.htmlgraph.atomic.json;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.json.JsonMapper;

/**
 * Each case of {@code golden/cases.json} written with indent 0, 2 and 4 must give the bytes Python's
 * {@code atomic_json_write} gave ({@code golden/expected/<case>.indent<n>.json}, made by
 * {@code generate_goldens.py} with python3 3.11).
 */
class AtomicJsonGoldenTest {
  @TempDir Path dir;

  @SuppressWarnings("unchecked")
  static Stream<Arguments> cases() {
    // The inputs are stored ASCII-escaped; a plain Jackson parse gives LinkedHashMaps in file order,
    // Integer/Long/BigInteger and Double, the same values Python dumped.
    Map<String, Object> cases = JsonMapper.builder().build()
        .readValue(Goldens.bytes("cases.json"), LinkedHashMap.class);
    List<Arguments> args = new ArrayList<>();
    cases.forEach((name, value) -> {
      for (int indent : new int[] {0, 2, 4}) {
        args.add(Arguments.of(name, indent, value));
      }
    });
    return args.stream();
  }

  @ParameterizedTest(name = "{0} indent {1}")
  @MethodSource("cases")
  void writesWhatPythonWrites(String name, int indent, Object value) throws IOException {
    Path target = dir.resolve(name + ".json");
    AtomicJson.write(target, value, indent);
    byte[] expected = Goldens.bytes("expected/" + name + ".indent" + indent + ".json");
    assertThat(new String(Files.readAllBytes(target), StandardCharsets.UTF_8))
        .isEqualTo(new String(expected, StandardCharsets.UTF_8));
    assertThat(Files.readAllBytes(target)).isEqualTo(expected);
  }
}
