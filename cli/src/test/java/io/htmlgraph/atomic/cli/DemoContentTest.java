package io.htmlgraph.atomic.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo's judge: only one whole version counts as intact. */
class DemoContentTest {
  @TempDir Path dir;

  @Test
  void aWholeVersionIsIntact() throws Exception {
    Path f = Files.write(dir.resolve("f"), DemoContent.version(1_000_007));
    assertThat(DemoContent.inspect(f)).isEqualTo(DemoContent.State.INTACT);
  }

  @Test
  void aCutOffVersionIsTorn() throws Exception {
    Path f = Files.write(dir.resolve("f"), Arrays.copyOf(DemoContent.version(3), DemoContent.SIZE - DemoContent.LINE));
    assertThat(DemoContent.inspect(f)).isEqualTo(DemoContent.State.TORN);
  }

  @Test
  void aMixOfTwoVersionsIsTorn() throws Exception {
    byte[] mix = DemoContent.version(5);
    System.arraycopy(DemoContent.version(6), DemoContent.SIZE / 2, mix, DemoContent.SIZE / 2, DemoContent.SIZE / 2);
    Path f = Files.write(dir.resolve("f"), mix);
    assertThat(DemoContent.inspect(f)).isEqualTo(DemoContent.State.TORN);
  }

  @Test
  void emptyOrMissingIsEmpty() throws Exception {
    assertThat(DemoContent.inspect(Files.write(dir.resolve("f"), new byte[0]))).isEqualTo(DemoContent.State.EMPTY);
    assertThat(DemoContent.inspect(dir.resolve("missing"))).isEqualTo(DemoContent.State.EMPTY);
  }

  @Test
  void versionsDifferAndHaveTheDocumentedShape() {
    byte[] v = DemoContent.version(42);
    assertThat(v).hasSize(DemoContent.SIZE);
    assertThat(new String(v, 0, DemoContent.LINE)).matches("0{14}42 000000 \\.+\n");
    assertThat(Arrays.equals(v, DemoContent.version(43))).isFalse();
  }
}
