package io.htmlgraph.atomic.bench;

import io.htmlgraph.atomic.zookeeper.ZooKeeperLock;
import io.htmlgraph.atomic.zookeeper.ZooKeeperLocker;
import java.io.IOException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;

/** The library's {@link ZooKeeperLocker} for the hand-off benchmark: a client of its own per process. */
final class ZooKeeperLockerLock implements BlockingLock {
  private final CuratorFramework client;
  private final ZooKeeperLocker locker;
  private ZooKeeperLock held;

  ZooKeeperLockerLock(String connectString, String lockPath) throws IOException, InterruptedException {
    Objects.requireNonNull(connectString, "-Dbench.zookeeper=HOST:PORT");
    client = CuratorFrameworkFactory.newClient(connectString, new ExponentialBackoffRetry(100, 5));
    client.start();
    if (!client.blockUntilConnected(30, TimeUnit.SECONDS)) {
      client.close();
      throw new IOException("no connection to ZooKeeper at " + connectString);
    }
    locker = ZooKeeperLocker.create(client, lockPath);
  }

  @Override
  public void lock() throws IOException {
    held = locker.lockExclusive(Duration.ofSeconds(60));
  }

  @Override
  public void unlock() {
    held.close();
    held = null;
  }

  @Override
  public void close() {
    if (held != null) {
      held.close();
    }
    client.close();
  }
}
