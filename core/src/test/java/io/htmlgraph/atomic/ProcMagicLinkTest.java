package io.htmlgraph.atomic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Links in /proc are magic: {@code /proc/PID/root} jumps into that process's mount namespace, while its
 * text reads "/". The library resolves links itself, so it must let the kernel follow these instead of
 * following their text (which would write into this namespace instead).
 */
class ProcMagicLinkTest {
  @TempDir Path dir;

  @Test
  void aWriteThroughProcPidRootLandsInThatProcesssMountNamespace() throws Exception {
    assumeTrue(TestFiles.canMount(), "needs root, mount(8) and unshare(1); skipped");
    Path mountPoint = Files.createDirectory(dir.resolve("mnt"));
    Process holder = new ProcessBuilder("unshare", "--mount", "--propagation", "private", "sh", "-c",
        "mount -t tmpfs -o size=1m tmpfs '" + mountPoint + "' && echo ready && exec sleep 60")
        .redirectErrorStream(true).start();
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream()));
      assumeTrue("ready".equals(out.readLine()), "could not mount a tmpfs in a private mount namespace");
      Path inside = Path.of("/proc/" + holder.pid() + "/root" + mountPoint);
      Path target = inside.resolve("record.txt");

      AtomicFileWriter.atomicWrite(target, "in the namespace");
      AtomicFileWriter.atomicWrite(target, "replaced in the namespace");

      assertThat(AtomicFileWriter.safeReadWithRetry(target)).isEqualTo("replaced in the namespace");
      assertThat(TestFiles.names(inside)).containsExactly("record.txt");
      assertThat(TestFiles.names(mountPoint)).as("this namespace's directory under the mount").isEmpty();
    } finally {
      holder.destroyForcibly();
      holder.waitFor(10, TimeUnit.SECONDS);
    }
  }
}
