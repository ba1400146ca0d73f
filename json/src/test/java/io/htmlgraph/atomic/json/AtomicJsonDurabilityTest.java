package io.htmlgraph.atomic.json;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
      Process p = new ProcessBuilder("strace", "-o", "/dev/null", "true").redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
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
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p = new ProcessBuilder(List.of("strace", "-f", "-y", "-e", "trace=fsync,fdatasync", "-o", trace.toString(),
        java, "-cp", System.getProperty("java.class.path"), JsonWriteChild.class.getName(), target.toString(), durability))
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();

    String real = dir.toRealPath().toString();
    List<String> syncs = Files.readAllLines(trace).stream().filter(l -> l.contains("sync(") && l.contains(real)).toList();
    boolean tempSynced = syncs.stream().anyMatch(l -> l.contains(real + "/.tmp-"));
    boolean directorySynced = syncs.stream().anyMatch(l -> l.contains("fsync(") && l.contains("<" + real + ">"));
    assertThat(tempSynced).as("temp synced; syncs seen: %s", syncs).isEqualTo(fileSynced);
    assertThat(directorySynced).as("directory synced; syncs seen: %s", syncs).isEqualTo(dirSynced);
    assertThat(Files.readString(target)).isEqualTo("{\n  \"durability\": \"" + durability + "\"\n}\n");
  }
}
