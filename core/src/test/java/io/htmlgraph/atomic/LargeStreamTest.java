package io.htmlgraph.atomic;

import static org.assertj.core.api.Assertions.assertThat;

import io.htmlgraph.atomic.testsupport.ChildJvm;
import io.htmlgraph.atomic.testsupport.Commands;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The binary stream keeps memory constant: 256 MiB through a JVM whose heap is 16 MiB. */
class LargeStreamTest {
  @TempDir Path dir;

  @Test
  void streamsFarMoreThanTheHeapHolds() throws Exception {
    Path target = dir.resolve("large.bin");
    long mib = 256;
    Commands.Result r = ChildJvm.launch(LargeStreamChild.class, target.toString(), Long.toString(mib))
        .jvmOptions("-Xmx16m").mergeErrors().run(Duration.ofSeconds(120));
    String out = r.output();
    assertThat(r.exit()).as(out).isZero();
    assertThat(Files.size(target)).isEqualTo(mib * 16 * (64 * 1024 + 1));
    CRC32 crc = new CRC32();
    byte[] buf = new byte[1 << 20];
    try (InputStream in = Files.newInputStream(target)) {
      for (int n; (n = in.read(buf)) > 0; ) {
        crc.update(buf, 0, n);
      }
    }
    assertThat(out).startsWith("crc=" + crc.getValue() + " ");
    assertThat(TestFiles.temps(dir)).isEmpty();
    System.out.println("large stream: " + mib + " MiB with -Xmx16m: " + out);
  }
}
