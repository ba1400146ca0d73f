package io.htmlgraph.atomic.json;

import static org.assertj.core.api.Assertions.assertThat;

import io.htmlgraph.atomic.testsupport.ChildJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
    String out = ChildJvm.launch(BigWriteChild.class, target.toString()).jvmOptions()
        .inShell("ulimit -f 400 && exec \"$@\"") // 400 blocks of 512 bytes
        .mergeErrors().run(Duration.ofSeconds(120)).output();

    assertThat(out).startsWith("java.io.IOException: File too large");
    assertThat(Files.readString(target)).isEqualTo("old\n");
    try (Stream<Path> s = Files.list(dir)) {
      assertThat(s.map(f -> f.getFileName().toString())).containsExactly("t.json");
    }
  }
}
