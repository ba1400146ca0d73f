package io.htmlgraph.atomic.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.core.type.TypeReference;

class AtomicJsonReadTest {
  @TempDir Path dir;

  record Tag(String name, int weight) {}

  record Session(String id, long started, List<Tag> tags, Map<String, Object> extra) {}

  private Path file(String name, String content) throws IOException {
    return Files.writeString(dir.resolve(name), content, StandardCharsets.UTF_8);
  }

  @Test
  void mapRoundTripKeepsOrderAndTypes() throws IOException {
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("z", 1);
    data.put("a", List.of("x", true));
    data.put("m", new LinkedHashMap<>(Map.of("k", "é😀")));
    data.put("big", BigInteger.TEN.pow(30));
    data.put("f", 1e-5);
    data.put("n", null);
    Path target = dir.resolve("m.json");

    AtomicJson.write(target, data);
    Map<?, ?> back = AtomicJson.read(target, Map.class);

    assertThat(back).isEqualTo(data);
    assertThat(back.keySet()).hasToString("[z, a, m, big, f, n]");
  }

  @Test
  void listRoundTrip() throws IOException {
    Path target = dir.resolve("l.json");
    List<Object> data = List.of(List.of(), Map.of(), "s", 0.1, -3);

    AtomicJson.write(target, data, 0);

    assertThat((Object) AtomicJson.read(target, List.class)).isEqualTo(data);
    assertThat(AtomicJson.read(target, Object.class)).isEqualTo(data);
  }

  @Test
  void recordRoundTrip() throws IOException {
    Path target = dir.resolve("s.json");
    Session s = new Session("sess-1", 1_767_873_600_000L, List.of(new Tag("a", 1), new Tag("b", 2)),
        Map.of("note", "ünïcödé"));

    AtomicJson.write(target, s);

    assertThat(AtomicJson.read(target, Session.class)).isEqualTo(s);
  }

  @Test
  void genericTypeThroughTypeReference() throws IOException {
    Path target = file("g.json", "{\"a\": [{\"name\": \"x\", \"weight\": 3}], \"b\": []}");

    Map<String, List<Tag>> back = AtomicJson.read(target, new TypeReference<Map<String, List<Tag>>>() {});

    assertThat(back).containsExactly(Map.entry("a", List.of(new Tag("x", 3))), Map.entry("b", List.of()));
  }

  @Test
  void readsWhatPythonWrote() throws IOException {
    Path target = file("py.json", new String(Goldens.bytes("expected/quick_start.indent2.json"), StandardCharsets.UTF_8));

    assertThat(AtomicJson.read(target, new TypeReference<Map<String, Object>>() {})).containsExactly(Map.entry("session_id", "sess-abc123"),
        Map.entry("created", "2026-01-08T12:00:00Z"), Map.entry("status", "active"));
  }

  @Test
  void missingFileIsNoSuchFile() {
    Path missing = dir.resolve("missing.json");
    assertThatThrownBy(() -> AtomicJson.read(missing, Map.class)).isInstanceOf(NoSuchFileException.class);
  }

  @Test
  void directoryIsAFileSystemError() {
    assertThatThrownBy(() -> AtomicJson.read(dir, Map.class)).isInstanceOf(FileSystemException.class)
        .hasMessageContaining("directory");
  }

  @Test
  void syntaxErrorNamesFileLineAndColumn() throws IOException {
    Path bad = file("bad.json", "{\n  \"a\": 1,\n  \"b\": tru\n}\n");

    assertThatThrownBy(() -> AtomicJson.read(bad, Map.class))
        .isInstanceOfSatisfying(InvalidJsonException.class, e -> {
          assertThat(e.file()).isEqualTo(bad);
          assertThat(e.line()).isEqualTo(3);
          assertThat(e.column()).isBetween(8L, 11L);
          assertThat(e.getMessage()).startsWith(bad + ":3:");
        });
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "   \n", "{\"a\": [1, 2", "{} {}", "[1] x", "{\"a\": NaN}", "[Infinity]",
      "{'a': 1}", "[1,]", "// c\n{}"})
  void notExactlyOneStrictJsonValueIsInvalidJson(String content) throws IOException {
    Path bad = file("bad.json", content);

    assertThatThrownBy(() -> AtomicJson.read(bad, Object.class)).isInstanceOf(InvalidJsonException.class)
        .hasMessageStartingWith(bad.toString());
  }

  @Test
  void invalidUtf8IsInvalidJson() throws IOException {
    Path bad = Files.write(dir.resolve("bad.json"), new byte[] {'[', '"', (byte) 0xC3, '"', ']'});
    assertThatThrownBy(() -> AtomicJson.read(bad, Object.class)).isInstanceOf(InvalidJsonException.class);
  }

  @Test
  void jsonThatDoesNotFitTheTypeIsInvalidJson() throws IOException {
    Path list = file("list.json", "[1, 2]");
    Path wrongField = file("wrong.json", "{\"id\": \"s\", \"started\": \"not a number\"}");

    assertThatThrownBy(() -> AtomicJson.read(list, Session.class)).isInstanceOf(InvalidJsonException.class);
    assertThatThrownBy(() -> AtomicJson.read(wrongField, Session.class))
        .isInstanceOfSatisfying(InvalidJsonException.class, e -> assertThat(e.line()).isEqualTo(1));
  }

  @Test
  void typeJacksonCannotBuildIsIllegalArgument() throws IOException {
    Path f = file("f.json", "{}");
    assertThatThrownBy(() -> AtomicJson.read(f, Runnable.class)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void badArguments() {
    assertThatThrownBy(() -> AtomicJson.read(Path.of(""), Map.class)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> AtomicJson.read(null, Map.class)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> AtomicJson.read(dir.resolve("x"), (Class<?>) null)).isInstanceOf(NullPointerException.class);
  }
}
