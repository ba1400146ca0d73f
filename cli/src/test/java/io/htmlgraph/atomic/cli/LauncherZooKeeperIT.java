package io.htmlgraph.atomic.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./atomic lock --zookeeper} through the real launcher and jar: the ZooKeeper client's jars
 * live in {@code cli/target/lib}, named by the jar's Class-Path, and a plain write never opens them.
 */
@Timeout(300)
class LauncherZooKeeperIT {
  @TempDir Path dir;

  @Test
  void theJarTakesAZooKeeperLockAndAPlainWriteLoadsNoneOfItsClasses() throws Exception {
    try (TestingServer server = new TestingServer(true)) {
      String zk = server.getConnectString();
      Launcher.Result r = Launcher.shell(dir, "\"$ATOMIC\" lock --zookeeper " + zk + " --lock-path /it/lock . -- "
          + "sh -c '\"$ATOMIC\" lock --timeout 0s --zookeeper " + zk + " --lock-path /it/lock . -- true; echo inner $?'"
          + " && \"$ATOMIC\" lock --status --zookeeper " + zk + " --lock-path /it/lock .");
      assertThat(r.code()).as(r.err()).isZero();
      // inside the command the lock was held (75 for a second taker); after it, free again
      assertThat(r.out()).isEqualTo("inner 75\nfree\n");
      assertThat(r.err()).contains("lock not obtained within 0s; held by pid ");
    }
    Launcher.Result w = Launcher.shell(dir, "echo warm | \"$ATOMIC\" write warm.txt && "
        + "echo data | JAVA_TOOL_OPTIONS=-Xlog:class+load:file=classes.log \"$ATOMIC\" write out.txt");
    assertThat(w.code()).as(w.err()).isZero();
    assertThat(Files.readString(dir.resolve("classes.log")))
        .contains("io.htmlgraph.atomic.cli.FastWrite source: shared objects file")
        .doesNotContain("org.apache.curator", "org.apache.zookeeper", "io.htmlgraph.atomic.zookeeper",
            "/lib/");
  }
}
