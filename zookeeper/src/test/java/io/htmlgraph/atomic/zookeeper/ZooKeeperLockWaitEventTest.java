package io.htmlgraph.atomic.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.htmlgraph.atomic.HeldLock;
import io.htmlgraph.atomic.LockTimeoutException;
import io.htmlgraph.atomic.testsupport.ZooKeeperServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A ZooKeeper lock wait is recorded as the core's lock-wait event, with the ZooKeeper path. */
class ZooKeeperLockWaitEventTest {
  @TempDir Path dir;

  @Test
  void aGrantAndATimeoutAreRecordedWithTheZooKeeperPath() throws Exception {
    try (TestingServer server = new TestingServer(true);
        CuratorFramework a = ZooKeeperServer.connect(server.getConnectString());
        CuratorFramework b = ZooKeeperServer.connect(server.getConnectString());
        Recording recording = new Recording()) {
      recording.enable("io.htmlgraph.atomic.LockWait").withThreshold(Duration.ZERO);
      recording.start();
      ZooKeeperLocker first = ZooKeeperLocker.create(a, "/locks/recorded");
      ZooKeeperLocker second = ZooKeeperLocker.create(b, "/locks/recorded");
      try (HeldLock held = first.lockExclusive(Duration.ofSeconds(10))) {
        assertThatThrownBy(() -> second.lockShared(Duration.ofMillis(100))).isInstanceOf(LockTimeoutException.class);
      }
      recording.stop();
      Path file = dir.resolve("zk.jfr");
      recording.dump(file);
      List<RecordedEvent> waits = RecordingFile.readAllEvents(file).stream()
          .filter(e -> e.getEventType().getName().equals("io.htmlgraph.atomic.LockWait")).toList();
      assertThat(waits).extracting(e -> e.getString("locker") + " " + e.getString("lock") + " "
          + e.getString("mode") + " " + e.getString("outcome"))
          .containsExactly("zookeeper /locks/recorded exclusive granted", "zookeeper /locks/recorded shared timeout");
      assertThat(waits.get(1).getDuration("timeout")).isEqualTo(Duration.ofMillis(100));
      assertThat(waits.get(1).getDuration()).isGreaterThanOrEqualTo(Duration.ofMillis(100));
    }
  }
}
