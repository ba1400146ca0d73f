package io.htmlgraph.atomic.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fault injection example of docs/crash-safety.md, as run; and a save routine it catches. */
class FaultInjectionExampleTest {
  @TempDir Path dir;

  /** A save routine under test. */
  interface Save {
    void save(Path file, String json) throws IOException;
  }

  /** A save routine that shrugs off a failed sync (and retries it): what the example must catch. */
  static void saveIgnoringSyncErrors(Path file, String json) throws IOException {
    Path temp = file.resolveSibling(".tmp-naive.tmp");
    try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(json.getBytes(StandardCharsets.UTF_8)));
      try {
        ch.force(false);
      } catch (IOException e) {
        try {
          ch.force(false); // "try again": after a failed fsync a second one may report success for lost data
        } catch (IOException ignored) {
          // and carry on
        }
      }
    }
    Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
  }

  private static List<String> names(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  private void example(Save save) throws IOException {
    // --- the example, as in the docs (MyStore.save is save.save)
    Files.writeString(dir.resolve("settings.json"), "{\"v\":1}");
    try (FaultyFileSystem fs = FaultyFileSystem.wrap(dir, Fault.failSync("**.tmp"))) {
      Path file = fs.root().resolve("settings.json");
      assertThrows(IOException.class, () -> save.save(file, "{\"v\":2}"));   // the failure is reported
      assertEquals("{\"v\":1}", Files.readString(file));                      // the old version is kept
      assertEquals(List.of("settings.json"), names(dir));                     // no temp left behind
      assertEquals(1, fs.operations().stream()                                // the fsync was tried once:
          .filter(op -> op.startsWith("fsync /.tmp-")).count());              // never retried
    }
    // ---
  }

  @Test
  void theExamplePassesWithTheLibrary() throws IOException {
    example(DocumentationExampleTest.MyStore::save);
  }

  @Test
  void theExampleCatchesASaveThatIgnoresAFailedSync() {
    AssertionError e = assertThrows(AssertionError.class, () -> example(FaultInjectionExampleTest::saveIgnoringSyncErrors));
    System.out.println("[faults] a save that ignores a failed fsync: " + e.getMessage());
  }
}
