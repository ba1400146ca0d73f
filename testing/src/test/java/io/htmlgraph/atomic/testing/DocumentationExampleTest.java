package io.htmlgraph.atomic.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.htmlgraph.atomic.AtomicFileWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;

/** The example of the class javadoc of {@link CrashSimulator} and of docs/crash-safety.md, as run. */
class DocumentationExampleTest {
  /** A user's save routine, written with the library. */
  static final class MyStore {
    static void save(Path file, String json) throws IOException {
      AtomicFileWriter.atomicWrite(file, json);
    }

    /** The same routine written naively: truncate and rewrite in place, then fsync. */
    static void saveInPlace(Path file, String json) throws IOException {
      try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
        ch.write(ByteBuffer.wrap(json.getBytes(StandardCharsets.UTF_8)));
        ch.force(true);
      }
    }
  }

  private static CrashReport check(CrashSimulator.Workload save) throws IOException {
    // --- the example, as in the docs
    CrashReport report = CrashSimulator.create()
        .setup(root -> Files.writeString(root.resolve("settings.json"), "{\"v\":1}"))
        .run(root -> {
              save.run(root);                                   // MyStore.save(root.resolve(...), ...)
              CrashSimulator.mark(root, "saved");               // save() has returned
            },
            state -> {
              String s = state.read("settings.json").orElseThrow(() -> new AssertionError("file lost"));
              if (state.passed("saved")) {
                assertEquals("{\"v\":2}", s);                    // durable once returned
              } else {
                assertTrue(s.equals("{\"v\":1}") || s.equals("{\"v\":2}"), "torn: " + s);
              }
            });
    // ---
    System.out.println("[crashsim] docs example: " + report.summary());
    return report;
  }

  @Test
  void theLibrarysSaveSurvivesEveryCrash() throws IOException {
    CrashReport report = check(root -> MyStore.save(root.resolve("settings.json"), "{\"v\":2}"));
    report.assertNoViolations();
    assertThat(report.statesChecked()).isPositive();
  }

  @Test
  void aNaiveSaveIsCaught() throws IOException {
    CrashReport report = check(root -> MyStore.saveInPlace(root.resolve("settings.json"), "{\"v\":2}"));
    assertThat(report.violationCount()).isPositive();
    AssertionError e = assertThrows(AssertionError.class, report::assertNoViolations);
    assertThat(e).hasMessageContaining("truncate /settings.json");
    System.out.println("[crashsim] docs example, naive save, first violation:\n  " + report.violations().get(0));
  }
}
