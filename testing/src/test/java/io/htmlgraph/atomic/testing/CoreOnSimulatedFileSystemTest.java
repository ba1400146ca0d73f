package io.htmlgraph.atomic.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.htmlgraph.atomic.AtomicFileWriter;
import io.htmlgraph.atomic.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The rest of the core's file work runs on the simulated file system too (it offers no {@code unix}
 * view and no {@code toFile()}), and what it changes is recorded.
 */
class CoreOnSimulatedFileSystemTest {
  @Test
  void cleanupRemovesAnOrphanButKeepsALiveWritersTemp() throws IOException {
    CrashReport report = CrashSimulator.create()
        .setup(root -> Files.writeString(root.resolve(".tmp-orphan.tmp"), "left by a crash"))
        .run(root -> {
          try (AtomicFileWriter live = new AtomicFileWriter(root.resolve("data.txt"))) {
            live.write("pending");
            int removed = AtomicFiles.cleanupOrphanedTempFiles(root, Duration.ZERO);
            assertThat(removed).isEqualTo(1);
            assertThat(Files.exists(root.resolve(".tmp-orphan.tmp"))).isFalse();
            assertThat(Files.exists(live.tempPath())).isTrue();
            assertThat(live.tempPath().getFileSystem()).isSameAs(root.getFileSystem());
          }
          assertThat(AtomicFiles.validateAtomicWrite(root.resolve("data.txt"))).isFalse();
          AtomicFileWriter.atomicWrite(root.resolve("data.txt"), "héllo");
          assertThat(AtomicFiles.validateAtomicWrite(root.resolve("data.txt"))).isTrue();
          assertThat(AtomicFileWriter.safeReadWithRetry(root.resolve("data.txt"))).isEqualTo("héllo");
          Path t = AtomicFiles.safeTempFile(root.resolve("sub"), "x");
          assertThat(t.getParent()).isEqualTo(root.resolve("sub"));
        }, state -> { });
    List<String> ops = report.operations();
    assertThat(ops).contains("unlink /.tmp-orphan.tmp", "mkdir /sub");
    assertThat(ops).anyMatch(op -> op.startsWith("rename /.tmp-") && op.endsWith(" -> /data.txt"));
  }
}
