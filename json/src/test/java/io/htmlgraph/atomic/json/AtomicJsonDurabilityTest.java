package io.htmlgraph.atomic.json;

import static org.assertj.core.api.Assertions.assertThat;

import io.htmlgraph.atomic.testsupport.ChildJvm;
import io.htmlgraph.atomic.testsupport.Commands;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The durability option reaches the commit: a child JVM writes under {@code strace}, and the syncs of
 * the temp file and of the directory are counted in the trace ({@code -y} prints the path of each
 * descriptor).
 */
class AtomicJsonDurabilityTest {
  @TempDir Path dir;

  private static boolean straceWorks() {
    try {
      return Commands.run("strace", "-o", "/dev/null", "true").exit() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"NONE, false, false", "FILE, true, false", "FULL, true, true"})
  void durabilityOptionDecidesTheSyncs(String durability, boolean fileSynced, boolean dirSynced) throws Exception {
    Assumptions.assumeTrue(straceWorks(), "strace is missing or may not trace here (apt-get install strace)");
    Path target = dir.resolve("t.json");
    Path trace = dir.resolve("trace.txt");
    Commands.Result r = ChildJvm.launch(JsonWriteChild.class, target.toString(), durability).jvmOptions()
        .under("strace", "-f", "-y", "-e", "trace=fsync,fdatasync", "-o", trace.toString())
        .mergeErrors().run(Duration.ofSeconds(120));
    assertThat(r.exit()).as(r.out()).isZero();

    String real = dir.toRealPath().toString();
    List<String> syncs = Files.readAllLines(trace).stream().filter(l -> l.contains("sync(") && l.contains(real)).toList();
    boolean tempSynced = syncs.stream().anyMatch(l -> l.contains(real + "/.tmp-"));
    boolean directorySynced = syncs.stream().anyMatch(l -> l.contains("fsync(") && l.contains("<" + real + ">"));
    assertThat(tempSynced).as("temp synced; syncs seen: %s", syncs).isEqualTo(fileSynced);
    assertThat(directorySynced).as("directory synced; syncs seen: %s", syncs).isEqualTo(dirSynced);
    assertThat(Files.readString(target)).isEqualTo("{\n  \"durability\": \"" + durability + "\"\n}\n");
  }
}
