package io.htmlgraph.atomic.zookeeper;

import io.htmlgraph.atomic.Locker;
import io.htmlgraph.atomic.testsupport.LockerConformanceTest;
import io.htmlgraph.atomic.testsupport.LockerFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/**
 * The rules of every {@link Locker}, kept by {@link ZooKeeperLocker}: against a real ZooKeeper server
 * started in this JVM; every locker of a test has a client (a session) of its own.
 */
class ZooKeeperLockerConformanceTest extends LockerConformanceTest {
  private static TestingServer server;
  private final List<CuratorFramework> clients = new ArrayList<>();
  private String lockPath;

  @BeforeAll
  static void startServer() throws Exception {
    server = new TestingServer(true);
  }

  @AfterAll
  static void stopServer() throws Exception {
    server.close();
  }

  @BeforeEach
  void newLockPath() {
    lockPath = "/conformance/" + UUID.randomUUID();
  }

  @AfterEach
  void closeClients() {
    clients.forEach(CuratorFramework::close);
  }

  @Override
  protected Locker newLocker() throws Exception {
    CuratorFramework client = Clients.start(server.getConnectString());
    clients.add(client);
    return ZooKeeperLocker.create(client, lockPath);
  }

  @Override
  protected Class<? extends LockerFactory> childFactory() {
    return Clients.Factory.class;
  }

  @Override
  protected List<String> childFactoryArgs() {
    return List.of(server.getConnectString(), lockPath);
  }

  @Override
  protected String lockName() {
    return lockPath;
  }
}
