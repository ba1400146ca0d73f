package example.consumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.htmlgraph.atomic.AtomicFileWriter;
import io.htmlgraph.atomic.json.AtomicJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Runs README.md's examples in the working directory and checks what they left there. */
class QuickStartTest {
  private static final Path HERE = Path.of("").toAbsolutePath();

  @BeforeEach
  void emptyWorkingDirectory() throws IOException {
    try (Stream<Path> files = Files.walk(HERE)) {
      for (Path p : files.sorted((a, b) -> b.compareTo(a)).toList()) {
        if (!p.equals(HERE)) {
          Files.delete(p);
        }
      }
    }
  }

  @Test
  void theLibraryIsResolvedAsNamedModules() {
    assertEquals("example.consumer", QuickStart.class.getModule().getName());
    assertEquals("io.htmlgraph.atomic", AtomicFileWriter.class.getModule().getName());
    assertEquals("io.htmlgraph.atomic.json", AtomicJson.class.getModule().getName());
  }

  @Test
  void quickStartLeavesWhatItSays() throws Exception {
    byte[] source = new byte[3 * 1024 * 1024 + 17];
    new Random(1).nextBytes(source);
    Files.write(HERE.resolve("source.bin"), source);
    Files.writeString(HERE.resolve("temp.txt"), "renamed");

    QuickStart.quickStart();

    assertEquals("Hello, World!", Files.readString(HERE.resolve("data.txt")));
    assertEquals("content", Files.readString(HERE.resolve("important.txt")));
    assertArrayEquals(source, Files.readAllBytes(HERE.resolve("large.bin")));
    assertEquals("first", Files.readString(HERE.resolve("created-once.txt")));
    assertEquals("renamed", Files.readString(HERE.resolve("final.txt")));
    assertFalse(Files.exists(HERE.resolve("temp.txt")));
    assertEquals(List.of("created-once.txt", "data.txt", "final.txt", "important.txt", "large.bin", "source.bin"),
        names());

    QuickStart.crashScenario();
    assertEquals("original", Files.readString(HERE.resolve("data.txt")));
    assertEquals(6, names().size(), "no temp left: " + names());
  }

  @Test
  void jsonExampleWritesWhatPythonWould() throws Exception {
    QuickStart.json();
    assertEquals("{\n  \"session_id\": \"sess-abc123\",\n  \"created\": \"2026-01-08T12:00:00Z\",\n"
        + "  \"status\": \"active\"\n}\n", Files.readString(HERE.resolve("session.json")));
    assertEquals(List.of("session.json"), names());
  }

  @Test
  void assertionsAreOnSoTheExamplesChecksRun() {
    boolean on = false;
    assert on = true;
    assertTrue(on, "run with -ea: the README's `assert` lines are part of what is tested");
  }

  private static List<String> names() throws IOException {
    try (Stream<Path> files = Files.list(HERE)) {
      return files.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
