package io.htmlgraph.atomic.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.htmlgraph.atomic.Durability;
import io.htmlgraph.atomic.WriteOptions;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

class AtomicJsonWriteTest {
  @TempDir Path dir;

  record Session(String sessionId, int turns, List<String> tags, Owner owner) {}

  record Owner(String name, Double score) {}

  /** A bean whose second property fails, after the first has produced more output than is held back. */
  public static final class FailingBean {
    public String getA() {
      return "x".repeat(DeferredAtomicOutput.HOLD * 2);
    }

    public String getB() {
      throw new IllegalStateException("getter failed on purpose");
    }
  }

  private static String read(Path p) throws IOException {
    return Files.readString(p, StandardCharsets.UTF_8);
  }

  private static List<Path> temps(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().startsWith(".tmp-")).toList();
    }
  }

  @Test
  void quickStartSessionFile() throws IOException {
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("session_id", "sess-abc123");
    data.put("created", "2026-01-08T12:00:00Z");
    data.put("status", "active");
    Path target = dir.resolve("session.json");

    AtomicJson.write(target, data);

    assertThat(read(target)).isEqualTo("""
        {
          "session_id": "sess-abc123",
          "created": "2026-01-08T12:00:00Z",
          "status": "active"
        }
        """);
    assertThat(temps(dir)).isEmpty();
  }

  @Test
  void recordsKeepDeclarationOrder() throws IOException {
    Path target = dir.resolve("s.json");
    AtomicJson.write(target, new Session("s1", 3, List.of("a", "b"), new Owner("ann", 0.5)), 4);

    assertThat(read(target)).isEqualTo("""
        {
            "sessionId": "s1",
            "turns": 3,
            "tags": [
                "a",
                "b"
            ],
            "owner": {
                "name": "ann",
                "score": 0.5
            }
        }
        """);
  }

  @Test
  void javaTypesWithoutPythonTwinsWriteAsPythonWouldWriteTheirValues() throws IOException {
    Map<Object, Object> data = new LinkedHashMap<>();
    data.put(1, "int key");                                     // Python: {1: ...} -> "1"
    data.put("doubles", new double[] {1e-5, 1e16, 0.1});
    data.put("float", 0.1f);
    data.put("long", Long.MIN_VALUE);
    data.put("big", BigInteger.TWO.pow(100));
    data.put("char", 'é');
    ObjectNode tree = JsonMapper.builder().build().createObjectNode().put("d", 1e100);
    data.put("tree", tree);
    Path target = dir.resolve("t.json");

    AtomicJson.write(target, data, 0);

    assertThat(read(target)).isEqualTo("""
        {
        "1": "int key",
        "doubles": [
        1e-05,
        1e+16,
        0.1
        ],
        "float": 0.1,
        "long": -9223372036854775808,
        "big": 1267650600228229401496703205376,
        "char": "é",
        "tree": {
        "d": 1e+100
        }
        }
        """);
  }

  static Stream<Object> nonFinite() {
    return Stream.of(Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Float.NaN,
        Float.NEGATIVE_INFINITY);
  }

  @ParameterizedTest
  @MethodSource("nonFinite")
  void nanAndInfinitiesRefusedTargetUntouched(Object bad) throws IOException {
    Path target = dir.resolve("t.json");
    Files.writeString(target, "old\n");
    Map<String, Object> value = Map.of("ok", List.of(1, 2), "bad", List.of(Map.of("x", bad)));

    assertThatThrownBy(() -> AtomicJson.write(target, value))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("JSON has no");

    assertThat(read(target)).isEqualTo("old\n");
    assertThat(temps(dir)).isEmpty();
  }

  @Test
  void nanInSmallValueTouchesNothingNotEvenMissingParents() {
    Path target = dir.resolve("a/b/t.json");

    assertThatThrownBy(() -> AtomicJson.write(target, List.of(1.0, Double.NaN)))
        .isInstanceOf(IllegalArgumentException.class);

    assertThat(dir.resolve("a")).doesNotExist();
  }

  @Test
  void nanAfterMoreThanHeldBackStreamsThenDiscardsTheTemp() throws IOException {
    Path target = dir.resolve("t.json");
    Files.writeString(target, "old\n");
    List<Object> value = new ArrayList<>();
    for (int i = 0; i < 50_000; i++) {
      value.add(i); // ~400 KiB of output before the NaN: the temp exists when it comes
    }
    value.add(Double.POSITIVE_INFINITY);

    assertThatThrownBy(() -> AtomicJson.write(target, value)).isInstanceOf(IllegalArgumentException.class);

    assertThat(read(target)).isEqualTo("old\n");
    assertThat(temps(dir)).isEmpty();
  }

  @Test
  void getterThrowingMidwayLeavesOldTargetAndNoTemp() throws IOException {
    Path target = dir.resolve("t.json");
    Files.writeString(target, "{\"old\": true}\n");

    assertThatThrownBy(() -> AtomicJson.write(target, new FailingBean()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasRootCauseInstanceOf(IllegalStateException.class)
        .hasRootCauseMessage("getter failed on purpose");

    assertThat(read(target)).isEqualTo("{\"old\": true}\n");
    assertThat(temps(dir)).isEmpty();
  }

  /**
   * Python cannot encode an unpaired surrogate at all (its write raises UnicodeEncodeError); Jackson
   * escapes it, which is valid JSON and valid UTF-8 and reads back as the same string.
   */
  @Test
  void unpairedSurrogateWrittenAsEscape() throws IOException {
    Path target = dir.resolve("t.json");

    AtomicJson.write(target, List.of("a\ud800b", "\udc00"));

    assertThat(read(target)).isEqualTo("[\n  \"a\\ud800b\",\n  \"\\udc00\"\n]\n");
    assertThat(AtomicJson.read(target, new TypeReference<List<Object>>() {})).containsExactly("a\ud800b", "\udc00");
  }

  @Test
  void selfReferenceRefused() throws IOException {
    Path target = dir.resolve("t.json");
    List<Object> loop = new ArrayList<>();
    loop.add(loop);

    assertThatThrownBy(() -> AtomicJson.write(target, loop)).isInstanceOf(IllegalArgumentException.class);

    assertThat(target).doesNotExist();
    assertThat(temps(dir)).isEmpty();
  }

  @Test
  void badArgumentsRefusedBeforeAnything() {
    Path target = dir.resolve("t.json");
    assertThatThrownBy(() -> AtomicJson.write(target, Map.of(), -1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("indent");
    assertThatThrownBy(() -> AtomicJson.write(target, Map.of(),
        WriteOptions.builder().charset(StandardCharsets.UTF_16).build()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("UTF-8");
    assertThatThrownBy(() -> AtomicJson.write(Path.of(""), Map.of()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> AtomicJson.write(null, Map.of())).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> AtomicJson.write(target, Map.of(), (WriteOptions) null))
        .isInstanceOf(NullPointerException.class);
    assertThat(target).doesNotExist();
  }

  @Test
  void nullValueWritesNull() throws IOException {
    Path target = dir.resolve("t.json");
    AtomicJson.write(target, null);
    assertThat(read(target)).isEqualTo("null\n");
  }

  @Test
  void targetThatIsADirectoryFailsWithIOExceptionAndChangesNothing() throws IOException {
    Path target = Files.createDirectory(dir.resolve("d"));

    assertThatThrownBy(() -> AtomicJson.write(target, Map.of("a", 1))).isInstanceOf(IOException.class)
        .isNotInstanceOf(InvalidJsonException.class);

    assertThat(target).isDirectory();
    assertThat(temps(dir)).isEmpty();
  }

  @Test
  void noClobberOptionPassedThrough() throws IOException {
    Path target = dir.resolve("t.json");
    WriteOptions once = WriteOptions.builder().noClobber().build();

    AtomicJson.write(target, List.of(1), once);
    assertThatThrownBy(() -> AtomicJson.write(target, List.of(2), once))
        .isInstanceOf(FileAlreadyExistsException.class);

    assertThat(read(target)).isEqualTo("[\n  1\n]\n");
    assertThat(temps(dir)).isEmpty();
  }

  @Test
  void permissionsAndTempDirOptionsPassedThrough() throws IOException {
    Path target = dir.resolve("t.json");
    Path tempDir = Files.createDirectory(dir.resolve("tmp"));
    WriteOptions options = WriteOptions.builder()
        .permissions(PosixFilePermissions.fromString("rw-r-----"))
        .tempDir(tempDir)
        .durability(Durability.NONE)
        .build();

    AtomicJson.write(target, Map.of("k", "v"), 3, options);

    assertThat(read(target)).isEqualTo("{\n   \"k\": \"v\"\n}\n");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(target))).isEqualTo("rw-r-----");
    assertThat(temps(tempDir)).isEmpty();
  }

  @Test
  void replacingKeepsTheModeOfTheOldFile() throws IOException {
    Path target = dir.resolve("t.json");
    Files.writeString(target, "{}\n");
    Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-r-----"));

    AtomicJson.write(target, Map.of("k", 1));

    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(target))).isEqualTo("rw-r-----");
    assertThat(read(target)).isEqualTo("{\n  \"k\": 1\n}\n");
  }

  @Test
  void largeValueStreamsAndRoundTrips() throws IOException {
    Path target = dir.resolve("big.json");
    List<Map<String, Object>> rows = new ArrayList<>();
    for (int i = 0; i < 20_000; i++) {
      rows.add(Map.of("i", i, "s", "row " + i));
    }

    AtomicJson.write(target, rows);

    assertThat(Files.size(target)).isGreaterThan(4L * DeferredAtomicOutput.HOLD);
    List<Map<String, Object>> back = AtomicJson.read(target, new TypeReference<List<Map<String, Object>>>() {});
    assertThat(back).hasSize(20_000).isEqualTo(rows);
    assertThat(temps(dir)).isEmpty();
  }
}
