package io.htmlgraph.atomic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real storage failures on small tmpfs mounts (root only): the target survives, no temp remains. */
class FailureModesTest {
  private static boolean canMount;

  @TempDir Path dir;

  @BeforeAll
  static void probe() {
    canMount = TestFiles.canMount();
  }

  @Test
  void diskFullFailsTheWriteAndKeepsTheOldTarget() throws Exception {
    assumeTrue(canMount, "needs root and mount(8) for a tiny tmpfs; skipped");
    try (TestFiles.Tmpfs fs = new TestFiles.Tmpfs(dir.resolve("small"), "size=256k")) {
      Path target = Files.writeString(fs.dir.resolve("state.txt"), "old state");
      byte[] tooBig = new byte[1024 * 1024];
      assertThatThrownBy(() -> AtomicFileWriter.atomicWrite(target, tooBig)).isInstanceOf(IOException.class)
          .hasMessageContaining("space");
      assertThat(target).hasContent("old state");
      assertThat(TestFiles.names(fs.dir)).containsExactly("state.txt");

      assertThatThrownBy(() -> {
        try (AtomicFileOutputStream out = new AtomicFileOutputStream(target)) {
          for (int i = 0; i < 64; i++) {
            out.write(new byte[16 * 1024]);
          }
          out.commit();
        }
      }).isInstanceOf(IOException.class);
      assertThat(target).hasContent("old state");
      assertThat(TestFiles.names(fs.dir)).containsExactly("state.txt");

      // a write that fits still works on the nearly full file system afterwards
      AtomicFileWriter.atomicWrite(target, "new state");
      assertThat(target).hasContent("new state");
    }
  }

  @Test
  void readOnlyFileSystemFailsCleanly() throws Exception {
    assumeTrue(canMount, "needs root and mount(8) for a tmpfs that can be made read-only; skipped");
    try (TestFiles.Tmpfs fs = new TestFiles.Tmpfs(dir.resolve("ro"), "size=1m")) {
      Path target = Files.writeString(fs.dir.resolve("state.txt"), "old state");
      fs.remount("ro");
      assertThatThrownBy(() -> AtomicFileWriter.atomicWrite(target, "new")).isInstanceOf(IOException.class)
          .hasMessageContaining("Read-only");
      assertThatThrownBy(() -> AtomicFiles.atomicRename(target, fs.dir.resolve("other"))).isInstanceOf(IOException.class);
      assertThat(target).hasContent("old state");
      assertThat(TestFiles.names(fs.dir)).containsExactly("state.txt");
      fs.remount("rw");
    }
  }
}
