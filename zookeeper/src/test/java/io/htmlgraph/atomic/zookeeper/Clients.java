package io.htmlgraph.atomic.zookeeper;

import io.htmlgraph.atomic.Locker;
import io.htmlgraph.atomic.testsupport.LockerFactory;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;

/** Curator clients for the tests: started and connected, or a clear failure. */
final class Clients {
  static final int SESSION_TIMEOUT_MS = 10_000;

  private Clients() {}

  static CuratorFramework start(String connectString) throws IOException, InterruptedException {
    return start(connectString, SESSION_TIMEOUT_MS);
  }

  static CuratorFramework start(String connectString, int sessionTimeoutMs) throws IOException, InterruptedException {
    CuratorFramework client = CuratorFrameworkFactory.builder()
        .connectString(connectString)
        .sessionTimeoutMs(sessionTimeoutMs)
        .connectionTimeoutMs(5_000)
        .retryPolicy(new ExponentialBackoffRetry(50, 10, 1_000))
        .build();
    client.start();
    if (!client.blockUntilConnected(30, TimeUnit.SECONDS)) {
      client.close();
      throw new IOException("no connection to ZooKeeper at " + connectString + " within 30 s");
    }
    return client;
  }

  /** Makes a child JVM's {@code ZooKeeperLocker}: arguments {@code CONNECT_STRING LOCK_PATH}. */
  public static final class Factory implements LockerFactory {
    private CuratorFramework client;

    @Override
    public Locker open(List<String> args) throws Exception {
      client = start(args.get(0));
      return ZooKeeperLocker.create(client, args.get(1));
    }

    @Override
    public void close() {
      if (client != null) {
        client.close();
      }
    }
  }
}
