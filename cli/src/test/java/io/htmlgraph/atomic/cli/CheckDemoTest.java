package io.htmlgraph.atomic.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code check} and {@code demo}, in this JVM (their child processes are real JVMs). */
class CheckDemoTest {
  @TempDir Path dir;

  @Test
  void checkPrintsAVerdictTableAndCleansUp() throws Exception {
    Files.writeString(dir.resolve("mine.txt"), "untouched");
    Cli.Result r = Cli.run("check", dir.toString());
    assertThat(r.err()).isEmpty();
    assertThat(r.out()).contains("file system", "atomic rename", "directory sync", "lock", "fsync latency", "free space");
    assertThat(r.out()).containsPattern("lock\\s+ok\\s+excludes a second process");
    assertThat(r.out()).containsPattern("atomic rename\\s+ok");
    assertThat(r.out()).containsPattern("fsync latency\\s+(ok|warn)\\s+\\d+\\.\\d\\d ms");
    assertThat(r.out()).contains("verdict: the guarantees hold here");
    assertThat(r.code()).isZero();
    assertThat(Cli.list(dir)).containsExactly("mine.txt");
    assertThat(Files.readString(dir.resolve("mine.txt"))).isEqualTo("untouched");
  }

  @Test
  void checkOfAMissingDirectoryIsAnError() {
    Cli.Result r = Cli.run("check", dir.resolve("nope").toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).isEqualTo("atomic: " + dir.resolve("nope") + ": no such directory" + System.lineSeparator());
  }

  @Test
  void demoShowsTheNaiveWriterTornAndTheAtomicOneIntact() throws Exception {
    Cli.Result r = Cli.run("demo", "--seconds", "3", "--seed", "42", dir.toString());
    assertThat(r.err()).isEmpty();
    assertThat(r.out()).contains("Crash-safety demo in " + dir, "(seed 42)", "naive in-place", "atomic (this library)");
    String rounds = r.out().lines().filter(l -> l.contains("writers killed")).findFirst().orElseThrow();
    String broken = r.out().lines().filter(l -> l.contains("torn or empty targets")).findFirst().orElseThrow();
    int[] killed = numbers(rounds);
    int[] torn = numbers(broken);
    assertThat(killed[0]).isPositive();
    assertThat(killed[1]).isPositive();
    assertThat(torn[1]).as("atomic writer's torn files").isZero();
    assertThat(r.out()).contains("verdict: the atomic writer never left a torn file");
    assertThat(r.code()).isZero();
    assertThat(Cli.list(dir)).as("the demo removes its directory").isEmpty();
  }

  private static int[] numbers(String line) {
    String[] parts = line.trim().split("\\s+");
    return new int[] {Integer.parseInt(parts[parts.length - 2]), Integer.parseInt(parts[parts.length - 1])};
  }

  @Test
  void demoRefusesABadDuration() throws Exception {
    Cli.Result r = Cli.run("demo", "--seconds", "0", dir.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--seconds must be from 1 to 3600");
    assertThat(Cli.list(dir)).isEmpty();
  }

  @Test
  void demoInAMissingDirectoryIsAnError() {
    Cli.Result r = Cli.run("demo", "--seconds", "1", dir.resolve("nope").toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("no such directory");
    assertThat(Files.exists(dir.resolve("nope"))).isFalse();
  }
}
