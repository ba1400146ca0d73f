package io.htmlgraph.atomic.testsupport;

import java.io.IOException;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A ZooKeeper server in this JVM for the tests of one class, and Curator clients to it, each closed
 * after the test that made it:
 *
 * <pre>{@code
 * @RegisterExtension static final ZooKeeperServer zooKeeper = new ZooKeeperServer();
 * ... ZooKeeperLocker.create(zooKeeper.client(), zooKeeper.uniquePath("/locks")) ...
 * }</pre>
 *
 * The module that uses it brings {@code org.apache.curator:curator-test} (test scope).
 */
public final class ZooKeeperServer implements BeforeAllCallback, AfterEachCallback, AfterAllCallback {
  /** The session timeout of {@link #connect(String)}: short, so that tests of expiry stay short. */
  public static final int SESSION_TIMEOUT_MS = 10_000;

  private final List<CuratorFramework> clients = new CopyOnWriteArrayList<>();
  private TestingServer server;

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    server = new TestingServer(true);
  }

  @Override
  public void afterEach(ExtensionContext context) {
    clients.forEach(CuratorFramework::close);
    clients.clear();
  }

  @Override
  public void afterAll(ExtensionContext context) throws IOException {
    server.close();
  }

  /** @return the server's address, as clients and the command line take it */
  public String connectString() {
    return server.getConnectString();
  }

  /** @return a client of this server, started and connected; closed after the test */
  public CuratorFramework client() throws IOException, InterruptedException {
    return client(connectString());
  }

  /** @return a client of the server at {@code connectString}, started and connected; closed after the test */
  public CuratorFramework client(String connectString) throws IOException, InterruptedException {
    CuratorFramework c = connect(connectString);
    clients.add(c);
    return c;
  }

  /** @return {@code under/RANDOM}: a node path no other test uses */
  public static String uniquePath(String under) {
    return under + "/" + UUID.randomUUID();
  }

  /**
   * @return a client of the server at {@code connectString}, started and connected, with a session
   *     timeout of {@link #SESSION_TIMEOUT_MS}; the caller closes it
   * @throws IOException if it did not connect within 30 s
   */
  public static CuratorFramework connect(String connectString) throws IOException, InterruptedException {
    CuratorFramework client = CuratorFrameworkFactory.builder()
        .connectString(connectString)
        .sessionTimeoutMs(SESSION_TIMEOUT_MS)
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
}
