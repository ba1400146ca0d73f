package io.htmlgraph.atomic.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.htmlgraph.atomic.LockLostException;
import io.htmlgraph.atomic.LockMode;
import io.htmlgraph.atomic.LockTimeoutException;
import io.htmlgraph.atomic.testsupport.ZooKeeperServer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.locks.InterProcessReadWriteLock;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What only a ZooKeeper lock has to get right: a lock that can be lost while held, fencing tokens,
 * its nodes (compatible with Curator's own read/write lock), its arguments.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ZooKeeperLockerTest {
  private static final Duration SHORT = Duration.ofMillis(200);
  @RegisterExtension static final ZooKeeperServer zooKeeper = new ZooKeeperServer();
  private final String lockPath = ZooKeeperServer.uniquePath("/locks");

  private ZooKeeperLocker locker() throws Exception {
    return ZooKeeperLocker.create(zooKeeper.client(), lockPath);
  }

  private static boolean free(ZooKeeperLocker l) throws Exception {
    try (ZooKeeperLock h = l.lockExclusive(Duration.ZERO)) {
      return h.isHeld();
    } catch (LockTimeoutException e) {
      return false;
    }
  }

  private static void await(String what, java.util.function.BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within 30 s: " + what);
      }
      Thread.sleep(20);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // The nodes

  @Test
  void aHoldIsOneEphemeralNodeWhoseCreationZxidIsTheTokenAndReleaseDeletesIt() throws Exception {
    ZooKeeperLocker a = locker();
    CuratorFramework observer = zooKeeper.client();
    String node;
    try (ZooKeeperLock h = a.lockExclusive(SHORT)) {
      List<String> children = observer.getChildren().forPath(lockPath);
      assertThat(children).hasSize(1);
      assertThat(children.get(0)).startsWith("_c_").contains(ZooKeeperLocker.WRITE);
      node = lockPath + "/" + children.get(0);
      Stat stat = observer.checkExists().forPath(node);
      assertThat(h.fencingToken()).isEqualTo(stat.getCzxid());
      assertThat(stat.getEphemeralOwner())
          .isEqualTo(a.client().getZookeeperClient().getZooKeeper().getSessionId());
      assertThat(new String(observer.getData().forPath(node), java.nio.charset.StandardCharsets.UTF_8))
          .startsWith(ProcessHandle.current().pid() + "@").contains(" exclusive ");
      assertThat(h.toString()).contains(children.get(0));
    }
    assertThat(observer.checkExists().forPath(node)).isNull();
    assertThat(observer.getChildren().forPath(lockPath)).isEmpty();
  }

  @Test
  void aClientWithANamespaceLocksUnderIt() throws Exception {
    CuratorFramework root = zooKeeper.client();
    ZooKeeperLocker a = ZooKeeperLocker.create(root.usingNamespace("app"), lockPath);
    ZooKeeperLocker b = ZooKeeperLocker.create(zooKeeper.client().usingNamespace("app"), lockPath);
    try (ZooKeeperLock h = a.lockExclusive(SHORT)) {
      // the check against the server names the node with the namespace, as the server knows it
      assertThat(h.isHeld()).isTrue();
      assertThat(root.getChildren().forPath("/app" + lockPath)).hasSize(1);
      assertThat(root.checkExists().forPath(lockPath)).isNull();
      assertThat(free(b)).isFalse();
    }
    assertThat(free(b)).isTrue();
  }

  @Test
  void curatorsOwnReadWriteLockAndThisOneExcludeEachOther() throws Exception {
    ZooKeeperLocker ours = locker();
    InterProcessReadWriteLock theirs = new InterProcessReadWriteLock(zooKeeper.client(), lockPath);
    try (ZooKeeperLock h = ours.lockExclusive(SHORT)) {
      assertThat(h.isHeld()).isTrue();
      assertThat(theirs.readLock().acquire(0, TimeUnit.MILLISECONDS)).isFalse();
      assertThat(theirs.writeLock().acquire(0, TimeUnit.MILLISECONDS)).isFalse();
    }
    assertThat(theirs.writeLock().acquire(5, TimeUnit.SECONDS)).isTrue();
    try {
      assertThatThrownBy(() -> ours.lockShared(SHORT)).isInstanceOf(LockTimeoutException.class);
      // Curator's node carries an address, not an owner record: the holder is unknown, not garbage
      assertThat(ours.owner()).isEmpty();
    } finally {
      theirs.writeLock().release();
    }
    assertThat(theirs.readLock().acquire(5, TimeUnit.SECONDS)).isTrue();
    try {
      try (ZooKeeperLock shared = ours.lockShared(SHORT)) {
        assertThat(shared.isHeld()).isTrue();
      }
      assertThatThrownBy(() -> ours.lockExclusive(SHORT)).isInstanceOf(LockTimeoutException.class);
    } finally {
      theirs.readLock().release();
    }
    assertThat(free(ours)).isTrue();
  }

  @Test
  void aNewReaderQueuesBehindAWaitingWriter() throws Exception {
    ZooKeeperLocker reader1 = locker();
    ZooKeeperLocker writer = locker();
    ZooKeeperLocker reader2 = locker();
    ZooKeeperLock r1 = reader1.lockShared(SHORT);
    var w = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
      try {
        return writer.lockExclusive(Duration.ofSeconds(30));
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    await("the writer queued", () -> {
      try {
        return reader2.client().getChildren().forPath(lockPath).size() == 2;
      } catch (Exception e) {
        return false;
      }
    });
    // only readers hold the lock, but a writer waits: readers cannot starve it
    assertThatThrownBy(() -> reader2.lockShared(SHORT)).isInstanceOf(LockTimeoutException.class);
    r1.close();
    try (ZooKeeperLock wl = w.get(30, TimeUnit.SECONDS)) {
      assertThat(wl.isHeld()).isTrue();
    }
    try (ZooKeeperLock r2 = reader2.lockShared(SHORT)) {
      assertThat(r2.isHeld()).isTrue();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Losing the lock

  @Test
  void aHoldWhoseNodeWasDeletedIsNotHeldAndTheNextHolderHasANewerToken() throws Exception {
    ZooKeeperLocker a = locker();
    ZooKeeperLocker b = locker();
    ZooKeeperLock h = a.lockExclusive(SHORT);
    long token = h.fencingToken();
    // someone (an operator, a bug elsewhere) deletes the node; the session and connection are fine,
    // so no connection event tells the holder: only asking the server does
    CuratorFramework admin = zooKeeper.client();
    for (String child : admin.getChildren().forPath(lockPath)) {
      admin.delete().forPath(lockPath + "/" + child);
    }
    assertThat(h.isHeld()).isFalse();
    assertThat(h.lostBecause()).hasValueSatisfying(why -> assertThat(why).contains("is gone"));
    try (ZooKeeperLock next = b.lockExclusive(SHORT)) {
      assertThat(next.fencingToken()).isGreaterThan(token);
      // the first holder's later acquisitions are refused until it closes its lost hold
      assertThatThrownBy(() -> a.lockShared(SHORT)).isInstanceOf(LockLostException.class)
          .hasMessageContaining("close its holds");
      assertThat(h.isHeld()).isFalse();
    }
    h.close();
    try (ZooKeeperLock again = a.lockExclusive(SHORT)) {
      assertThat(again.isHeld()).isTrue();
    }
  }

  @Test
  void anExpiredSessionLosesTheHoldForGoodAndTheLockGoesToTheNextHolder() throws Exception {
    CuratorFramework c = zooKeeper.client();
    ZooKeeperLocker a = ZooKeeperLocker.create(c, lockPath);
    ZooKeeperLocker b = locker();
    List<ConnectionState> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
    c.getConnectionStateListenable().addListener((cl, s) -> seen.add(s));
    ZooKeeperLock h = a.lockExclusive(SHORT);
    assertThat(h.isHeld()).isTrue();
    Sessions.expire(c, zooKeeper.connectString());
    // the session's node went with it: the next holder gets the lock at once
    try (ZooKeeperLock next = b.lockExclusive(Duration.ofSeconds(10))) {
      assertThat(next.fencingToken()).isGreaterThan(h.fencingToken());
      assertThat(h.isHeld()).isFalse();
    }
    await("the client reconnected in a new session", () -> seen.contains(ConnectionState.RECONNECTED));
    assertThat(seen).contains(ConnectionState.SUSPENDED);
    // reconnected, in a new session: the old hold stays lost, nothing was taken again behind its back
    assertThat(h.isHeld()).isFalse();
    assertThat(h.lostBecause()).isPresent();
    assertThat(b.client().getChildren().forPath(lockPath)).isEmpty();
    h.close();
    try (ZooKeeperLock again = a.lockExclusive(SHORT)) {
      assertThat(again.isHeld()).isTrue();
    }
  }

  /**
   * A waiter whose client gives its session up (Curator declares it expired) while the server still
   * keeps it: the waiter's node outlives the session the client now has, and would vanish once the
   * server expires the old one, letting the next waiter in beside it (CURATOR-604). The grant must
   * be made on a node of the current session.
   */
  @Test
  void aWaiterIsNeverGrantedTheLockOnANodeOfAnAbandonedSession() throws Exception {
    ZooKeeperLocker holder = locker();
    CuratorFramework c = zooKeeper.client();
    ZooKeeperLocker waiter = ZooKeeperLocker.create(c, lockPath);
    ZooKeeperLock h = holder.lockExclusive(SHORT);
    long abandoned = c.getZookeeperClient().getZooKeeper().getSessionId();
    var w = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
      try {
        return waiter.lockExclusive(Duration.ofSeconds(60));
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    await("the waiter queued", () -> {
      try {
        return holder.client().getChildren().forPath(lockPath).size() == 2;
      } catch (Exception e) {
        return false;
      }
    });
    // the client, not the server, ends the session: the server keeps it (and the node) until it times out
    org.apache.curator.test.KillSession.kill(c.getZookeeperClient().getZooKeeper());
    await("a new session", () -> {
      try {
        return c.getZookeeperClient().isConnected() && c.getZookeeperClient().getZooKeeper().getSessionId() != abandoned;
      } catch (Exception e) {
        return false;
      }
    });
    h.close();
    try (ZooKeeperLock got = w.get(60, TimeUnit.SECONDS)) {
      long current = c.getZookeeperClient().getZooKeeper().getSessionId();
      List<String> children = holder.client().getChildren().forPath(lockPath);
      assertThat(children).hasSize(1);
      assertThat(holder.client().checkExists().forPath(lockPath + "/" + children.get(0)).getEphemeralOwner())
          .isEqualTo(current);
      assertThat(got.isHeld()).isTrue();
    }
  }

  @Test
  void aSuspendedConnectionLosesTheHoldEvenIfTheSessionSurvives() throws Exception {
    // a server of its own: this test stops it
    try (TestingServer own = new TestingServer(true)) {
      CuratorFramework c = zooKeeper.client(own.getConnectString());
      ZooKeeperLocker a = ZooKeeperLocker.create(c, lockPath);
      List<ConnectionState> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
      c.getConnectionStateListenable().addListener((cl, s) -> seen.add(s));
      ZooKeeperLock h = a.lockExclusive(SHORT);
      long session = c.getZookeeperClient().getZooKeeper().getSessionId();
      own.stop();
      await("SUSPENDED", () -> seen.contains(ConnectionState.SUSPENDED));
      // nobody asks the hold during the outage: the connection event alone must mark it lost
      own.restart();
      await("RECONNECTED", () -> seen.contains(ConnectionState.RECONNECTED));
      // the same session came back, and its node with it: the lock is still held on the server,
      // but this holder cannot know that nobody else held it meanwhile: still not held
      assertThat(c.getZookeeperClient().getZooKeeper().getSessionId()).isEqualTo(session);
      assertThat(c.getChildren().forPath(lockPath)).hasSize(1);
      assertThat(h.isHeld()).isFalse();
      assertThat(h.lostBecause()).hasValueSatisfying(why -> assertThat(why).contains("SUSPENDED"));
      // closing the lost hold deletes its node: the lock is free again
      h.close();
      assertThat(c.getChildren().forPath(lockPath)).isEmpty();
      CuratorFramework other = zooKeeper.client(own.getConnectString());
      assertThat(free(ZooKeeperLocker.create(other, lockPath))).isTrue();
    }
  }

  @Test
  void closingWithoutAConnectionDoesNotWaitAndTheNodeGoesOnceTheServerIsBack() throws Exception {
    try (TestingServer own = new TestingServer(true)) {
      CuratorFramework c = zooKeeper.client(own.getConnectString());
      ZooKeeperLock h = ZooKeeperLocker.create(c, lockPath).lockExclusive(SHORT);
      own.stop();
      await("the connection dropped", () -> !c.getZookeeperClient().isConnected());
      long t0 = System.nanoTime();
      h.close();
      // a synchronous delete would wait out the retry policy: ten tries of the 5 s connection timeout
      assertThat(System.nanoTime() - t0).isLessThan(TimeUnit.SECONDS.toNanos(5));
      own.restart();
      CuratorFramework other = zooKeeper.client(own.getConnectString());
      // the session survived the outage, so its node did: Curator's guaranteed delete removes it
      await("the node deleted after the reconnection", () -> {
        try {
          List<String> left = other.getChildren().forPath(lockPath);
          return left.isEmpty();
        } catch (Exception e) {
          return false;
        }
      });
      assertThat(free(ZooKeeperLocker.create(other, lockPath))).isTrue();
    }
  }

  @Test
  void closingTheClientEndsEveryHold() throws Exception {
    CuratorFramework c = ZooKeeperServer.connect(zooKeeper.connectString());
    ZooKeeperLocker a = ZooKeeperLocker.create(c, lockPath);
    ZooKeeperLocker b = locker();
    ZooKeeperLock h = a.lockShared(SHORT);
    c.close();
    assertThat(h.isHeld()).isFalse();
    assertThat(free(b)).isTrue();
    h.close(); // never throws, even with the client gone
  }

  // ---------------------------------------------------------------------------------------------
  // Interrupts, timeouts: what is left on the server

  @Test
  void waitersThatTimeOutOrAreInterruptedLeaveNoNodeBehind() throws Exception {
    ZooKeeperLocker holder = locker();
    ZooKeeperLocker waiter = locker();
    try (ZooKeeperLock h = holder.lockExclusive(SHORT)) {
      assertThat(h.isHeld()).isTrue();
      assertThatThrownBy(() -> waiter.lockExclusive(Duration.ZERO)).isInstanceOf(LockTimeoutException.class);
      assertThatThrownBy(() -> waiter.lockShared(SHORT)).isInstanceOf(LockTimeoutException.class);
      Thread t = new Thread(() -> {
        try {
          waiter.lockExclusive(Duration.ofSeconds(30)).close();
        } catch (java.io.IOException expected) {
          // interrupted
        }
      });
      t.start();
      await("the waiter queued", () -> {
        try {
          return holder.client().getChildren().forPath(lockPath).size() == 2;
        } catch (Exception e) {
          return false;
        }
      });
      t.interrupt();
      t.join(10_000);
      assertThat(t.isAlive()).isFalse();
      await("the interrupted waiter's node deleted", () -> {
        try {
          return holder.client().getChildren().forPath(lockPath).size() == 1;
        } catch (Exception e) {
          return false;
        }
      });
      assertThat(waiter.heldMode()).isEmpty();
    }
    assertThat(holder.client().getChildren().forPath(lockPath)).isEmpty();
  }

  // ---------------------------------------------------------------------------------------------
  // Arguments

  @Test
  void badArgumentsAreRefusedClearly() throws Exception {
    CuratorFramework c = zooKeeper.client();
    assertThatThrownBy(() -> ZooKeeperLocker.create(null, "/x")).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> ZooKeeperLocker.create(c, null)).isInstanceOf(NullPointerException.class);
    for (String bad : List.of("", "relative", "/trailing/", "/double//slash", "/", "/a/./b")) {
      assertThatThrownBy(() -> ZooKeeperLocker.create(c, bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
    }
    CuratorFramework notStarted = CuratorFrameworkFactory.newClient(zooKeeper.connectString(), new RetryOneTime(10));
    try {
      assertThatThrownBy(() -> ZooKeeperLocker.create(notStarted, lockPath).lockExclusive(SHORT))
          .isInstanceOf(IllegalStateException.class);
    } finally {
      notStarted.close();
    }
    ZooKeeperLocker l = ZooKeeperLocker.create(c, lockPath);
    assertThat(l.lockPath()).isEqualTo(lockPath);
    assertThat(l.toString()).contains(lockPath);
    // nothing is created before the first acquisition
    assertThat(c.checkExists().forPath(lockPath)).isNull();
  }

  @Test
  void theModeOfAnExclusiveHolderAskingForSharedStaysExclusive() throws Exception {
    ZooKeeperLocker a = locker();
    try (ZooKeeperLock outer = a.lockExclusive(SHORT); ZooKeeperLock inner = a.lockShared(SHORT)) {
      assertThat(a.heldMode()).contains(LockMode.EXCLUSIVE);
      assertThat(inner.mode()).isEqualTo(LockMode.SHARED);
      assertThat(inner.fencingToken()).isEqualTo(outer.fencingToken());
      // one node only: the shared hold is a count, not a second request
      assertThat(a.client().getChildren().forPath(lockPath)).hasSize(1);
    }
  }

  @Test
  void sequenceNumbersAreReadFromEveryKindOfNodeName() {
    assertThat(ZooKeeperLocker.sequence("_c_0f8a-__WRIT__0000000042")).isEqualTo(42);
    assertThat(ZooKeeperLocker.sequence("__READ__0000000007")).isEqualTo(7);
    assertThat(ZooKeeperLocker.sequence("_c_x-__READ__2147483648")).isEqualTo(2147483648L);
    assertThat(ZooKeeperLocker.sequence("leases")).isEqualTo(-1);
    assertThat(ZooKeeperLocker.sequence("__WRIT__")).isEqualTo(-1);
    assertThat(ZooKeeperLocker.sequence("__WRIT__12a")).isEqualTo(-1);
    List<String> sorted = List.of("__READ__0000000001", "_c_a-__WRIT__0000000002", "__READ__0000000003");
    assertThat(ZooKeeperLocker.blocker(sorted, 0, LockMode.SHARED)).isNull();
    assertThat(ZooKeeperLocker.blocker(sorted, 2, LockMode.SHARED)).isEqualTo("_c_a-__WRIT__0000000002");
    assertThat(ZooKeeperLocker.blocker(sorted, 1, LockMode.EXCLUSIVE)).isEqualTo("__READ__0000000001");
  }
}
