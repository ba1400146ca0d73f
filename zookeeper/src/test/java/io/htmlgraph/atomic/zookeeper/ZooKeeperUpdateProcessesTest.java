package io.htmlgraph.atomic.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;

import io.htmlgraph.atomic.json.AtomicJson;
import io.htmlgraph.atomic.testsupport.ChildJvm;
import io.htmlgraph.atomic.testsupport.ZooKeeperServer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three JVMs, each incrementing one JSON counter 50 times with {@code AtomicJson.update} through a
 * ZooKeeper lock, as processes on three hosts would: not one update is lost. The same run through a
 * lock that excludes nothing loses updates, which shows the test can fail.
 */
@Timeout(value = 180, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ZooKeeperUpdateProcessesTest {
  private static final int CHILDREN = 3;
  private static final int INCREMENTS = 50;
  @RegisterExtension static final ZooKeeperServer zooKeeper = new ZooKeeperServer();

  @TempDir Path dir;

  /** @return the counter after the children's increments */
  private int run(String kind) throws Exception {
    Path file = dir.resolve(kind + ".json");
    List<ChildJvm> children = new ArrayList<>();
    try {
      for (int i = 0; i < CHILDREN; i++) {
        children.add(ChildJvm.start(CounterChild.class, kind, file.toString(), Integer.toString(INCREMENTS),
            zooKeeper.connectString(), "/counter/" + kind));
      }
      long nanos = ChildJvm.readyGoDone(children, 120);
      int counter = AtomicJson.read(file, Integer.class);
      System.out.printf("[zookeeper] %d processes x %d updates through %s: %d ms, counter %d%n", CHILDREN,
          INCREMENTS, kind, nanos / 1_000_000, counter);
      return counter;
    } finally {
      children.forEach(ChildJvm::close);
    }
  }

  @Test
  void threeProcessesTimesFiftyIncrementsThroughOneZooKeeperLockEndAtExactly150() throws Exception {
    assertThat(run("zookeeper")).isEqualTo(CHILDREN * INCREMENTS);
    assertThat(dir.resolve(".zookeeper.json.fence")).isRegularFile();
  }

  @Test
  void theSameRunThroughALockThatExcludesNothingLosesUpdates() throws Exception {
    assertThat(run("nothing")).isLessThan(CHILDREN * INCREMENTS);
  }
}
