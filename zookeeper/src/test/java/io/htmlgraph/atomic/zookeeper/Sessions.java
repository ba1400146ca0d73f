package io.htmlgraph.atomic.zookeeper;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;

/** Ends a client's ZooKeeper session on the server, as an expiry does. */
final class Sessions {
  private Sessions() {}

  /**
   * Expires {@code client}'s session on the server: a second connection takes the session over (the
   * server drops the client's connection) and closes it, which ends the session and deletes its
   * ephemeral nodes at once, exactly as an expiry would. The client hears of it only when it
   * reconnects (SUSPENDED, then LOST).
   *
   * @return the id of the session ended
   */
  static long expire(CuratorFramework client, String connectString) throws Exception {
    ZooKeeper zk = client.getZookeeperClient().getZooKeeper();
    long id = zk.getSessionId();
    CountDownLatch connected = new CountDownLatch(1);
    ZooKeeper thief = new ZooKeeper(connectString, 10_000, e -> {
      if (e.getState() == Watcher.Event.KeeperState.SyncConnected) {
        connected.countDown();
      }
    }, id, zk.getSessionPasswd());
    try {
      if (!connected.await(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException("could not take over session 0x" + Long.toHexString(id));
      }
    } finally {
      thief.close();
    }
    return id;
  }
}
