package io.htmlgraph.atomic.json;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file that fails mid-serialization surfaces as the file's own {@link java.io.IOException}, not as
 * Jackson's unchecked wrapper nor as a bad value: a child JVM writes under {@code ulimit -f} (the JVM
 * ignores SIGXFSZ, so the write past the limit fails with EFBIG, "File too large").
 */
class AtomicJsonFileFailureTest {
  @TempDir Path dir;

  @Test
  void writeFailingMidwayThrowsTheIOExceptionAndLeavesTheTarget() throws Exception {
    Path target = Files.writeString(dir.resolve("t.json"), "old\n");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String command = "ulimit -f 400 && exec \"$0\" -cp \"$1\" \"$2\" \"$3\""; // 400 blocks of 512 bytes
    Process p = new ProcessBuilder(List.of("bash", "-c", command, java, System.getProperty("java.class.path"),
        BigWriteChild.class.getName(), target.toString()))
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();

    assertThat(out).startsWith("java.io.IOException: File too large");
    assertThat(Files.readString(target)).isEqualTo("old\n");
    try (Stream<Path> s = Files.list(dir)) {
      assertThat(s.map(f -> f.getFileName().toString())).containsExactly("t.json");
    }
  }
}
