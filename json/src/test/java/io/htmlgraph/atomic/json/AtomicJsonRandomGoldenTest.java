package io.htmlgraph.atomic.json;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.LongStream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Random nested values (control characters, emoji, big integers, doubles from random bits) built from
 * seeds 1..200 by {@link RandomJsonValues}, written with indent {@code seed % 5}: the bytes must be
 * those Python wrote for the same seed ({@code golden/random/seed-<n>.json}).
 */
class AtomicJsonRandomGoldenTest {
  @TempDir Path dir;

  static LongStream seeds() {
    return LongStream.rangeClosed(1, 200);
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void randomValueWrittenAsPythonWroteIt(long seed) throws IOException {
    Path target = dir.resolve("seed.json");
    AtomicJson.write(target, RandomJsonValues.document(seed), (int) (seed % 5));
    byte[] expected = Goldens.bytes("random/seed-" + seed + ".json");
    assertThat(new String(Files.readAllBytes(target), StandardCharsets.UTF_8))
        .isEqualTo(new String(expected, StandardCharsets.UTF_8));
    assertThat(Files.readAllBytes(target)).isEqualTo(expected);
  }
}
