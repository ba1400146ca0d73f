package io.htmlgraph.atomic.zookeeper;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.htmlgraph.atomic.Fencing;
import io.htmlgraph.atomic.FileTransaction;
import io.htmlgraph.atomic.HeldLock;
import io.htmlgraph.atomic.LockLostException;
import io.htmlgraph.atomic.testsupport.ZooKeeperServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.apache.curator.framework.CuratorFramework;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link FileTransaction} under a {@link ZooKeeperLocker}, against a real server: each commit records
 * its hold's fencing token beside the data ({@code ROOT/.txn/fence}); a transaction whose session
 * expired while it staged is refused at commit, after a second client committed, and the files hold
 * the second client's content.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ZooKeeperTransactionTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  @RegisterExtension static final ZooKeeperServer zooKeeper = new ZooKeeperServer();
  private final String lockPath = ZooKeeperServer.uniquePath("/transaction");

  @TempDir Path root;

  @Test
  void eachCommitRecordsItsHoldsTokenBesideTheData() throws Exception {
    ZooKeeperLocker locker = ZooKeeperLocker.create(zooKeeper.client(), lockPath);
    long last = 0;
    for (int i = 1; i <= 3; i++) {
      long token;
      try (FileTransaction tx = FileTransaction.begin(root, locker, WAIT)) {
        tx.write(Path.of("a.txt"), "a " + i).write(Path.of("sub/b.txt"), "b " + i);
        tx.commit();
      }
      try (HeldLock probe = locker.lockExclusive(WAIT)) {
        token = probe.fencingToken(); // a later grant: newer than the commit's
      }
      long recorded = Fencing.recorded(root.resolve(".txn/fence"));
      assertThat(recorded).as("token recorded by commit %d", i).isGreaterThan(last).isLessThan(token);
      last = recorded;
    }
    assertThat(Files.readString(root.resolve("a.txt"))).isEqualTo("a 3");
    assertThat(Files.readString(root.resolve("sub/b.txt"))).isEqualTo("b 3");
  }

  @Test
  void aTransactionWhoseSessionExpiredWhileStagingIsRefusedAndTheNewerCommitStays() throws Exception {
    Files.writeString(root.resolve("a.txt"), "initial a");
    Files.writeString(root.resolve("b.txt"), "initial b");
    CuratorFramework firstClient = zooKeeper.client();
    ZooKeeperLocker first = ZooKeeperLocker.create(firstClient, lockPath);
    ZooKeeperLocker second = ZooKeeperLocker.create(zooKeeper.client(), lockPath);
    try (FileTransaction stale = FileTransaction.begin(root, first, WAIT)) {
      stale.write(Path.of("a.txt"), "first a").write(Path.of("b.txt"), "first b");
      // paused here past its session: the server ends it and gives the lock away
      Sessions.expire(firstClient, zooKeeper.connectString());
      try (FileTransaction tx = FileTransaction.begin(root, second, WAIT)) {
        tx.write(Path.of("a.txt"), "second a").write(Path.of("b.txt"), "second b");
        tx.commit();
      }
      assertThatThrownBy(stale::commit).isInstanceOf(LockLostException.class);
    }
    assertThat(Files.readString(root.resolve("a.txt"), UTF_8)).isEqualTo("second a");
    assertThat(Files.readString(root.resolve("b.txt"), UTF_8)).isEqualTo("second b");
    try (Stream<Path> s = Files.list(root.resolve(".txn"))) {
      assertThat(s.map(p -> p.getFileName().toString())).as("left in .txn").containsExactly("fence");
    }
    assertThat(FileTransaction.recover(root, second, WAIT)).as("nothing for recovery to redo").isFalse();
  }
}
