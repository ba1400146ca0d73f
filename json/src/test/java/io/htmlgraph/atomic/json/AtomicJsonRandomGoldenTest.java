package io.htmlgraph.atomic.json;

import static org.assertj.core.api.Assertions.assertThat;

import io.htmlgraph.atomic.Durability;
import io.htmlgraph.atomic.WriteOptions;
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
  private static final WriteOptions NO_SYNC = WriteOptions.builder().durability(Durability.NONE).build();

  @TempDir Path dir;

  static LongStream seeds() {
    return LongStream.rangeClosed(1, 200);
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void randomValueWrittenAsPythonWroteIt(long seed) throws IOException {
    Path target = dir.resolve("seed.json");
    // the bytes are the point here, not the syncs (AtomicJsonDurabilityTest checks those)
    AtomicJson.write(target, RandomJsonValues.document(seed), (int) (seed % 5), NO_SYNC);
    byte[] expected = Goldens.bytes("random/seed-" + seed + ".json");
    assertThat(new String(Files.readAllBytes(target), StandardCharsets.UTF_8))
        .isEqualTo(new String(expected, StandardCharsets.UTF_8));
    assertThat(Files.readAllBytes(target)).isEqualTo(expected);
  }
}
