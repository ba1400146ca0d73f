package io.htmlgraph.atomic.zookeeper;

import io.htmlgraph.atomic.Locker;
import io.htmlgraph.atomic.conformance.LockerConformanceTest;
import io.htmlgraph.atomic.conformance.LockerFactory;
import io.htmlgraph.atomic.testsupport.ZooKeeperServer;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The rules of every {@link Locker}, kept by {@link ZooKeeperLocker}: against a real ZooKeeper server
 * started in this JVM; every locker of a test has a client (a session) of its own.
 */
class ZooKeeperLockerConformanceTest extends LockerConformanceTest {
  @RegisterExtension static final ZooKeeperServer zooKeeper = new ZooKeeperServer();
  private final String lockPath = ZooKeeperServer.uniquePath("/conformance");

  /** Makes a child JVM's {@code ZooKeeperLocker}: arguments {@code CONNECT_STRING LOCK_PATH}. */
  public static final class Factory implements LockerFactory {
    private CuratorFramework client;

    @Override
    public Locker open(List<String> args) throws Exception {
      client = ZooKeeperServer.connect(args.get(0));
      return ZooKeeperLocker.create(client, args.get(1));
    }

    @Override
    public void close() {
      if (client != null) {
        client.close();
      }
    }
  }

  @Override
  protected Locker newLocker() throws Exception {
    return ZooKeeperLocker.create(zooKeeper.client(), lockPath);
  }

  @Override
  protected Class<? extends LockerFactory> childFactory() {
    return Factory.class;
  }

  @Override
  protected List<String> childFactoryArgs() {
    return List.of(zooKeeper.connectString(), lockPath);
  }

  @Override
  protected String lockName() {
    return lockPath;
  }
}
