package io.htmlgraph.atomic.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;

import io.htmlgraph.atomic.HeldLock;
import io.htmlgraph.atomic.LockTimeoutException;
import io.htmlgraph.atomic.Locker;
import io.htmlgraph.atomic.conformance.ExcludesNothingLocker;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A three-server ensemble whose leader is killed in the middle of 200 lock hand-offs between three
 * clients. A verifier (Lucene's LockVerifyServer idea) records who is inside: a holder entering
 * while another holder whose hold still stands is inside is an overlap, and there must be none.
 * Every request ends: served, or timed out; the test is bounded in time.
 */
@Timeout(value = 240, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ZooKeeperClusterTest {
  private static final int CLIENTS = 3;
  private static final int HANDOFFS = 200;

  /** @return the server that says "Mode: leader" to the four-letter word {@code srvr}, if any */
  static InstanceSpec leader(TestingCluster cluster) {
    for (InstanceSpec spec : cluster.getInstances()) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", spec.getPort()), 2000);
        s.setSoTimeout(2000);
        OutputStream out = s.getOutputStream();
        out.write("srvr".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = s.getInputStream();
        String reply = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        if (reply.contains("Mode: leader")) {
          return spec;
        }
      } catch (IOException down) {
        // a killed or electing server
      }
    }
    return null;
  }

  /** One client of the ensemble, taking the lock again and again. */
  private static final class Worker implements Runnable {
    final Locker locker;
    final Verifier v;
    volatile HeldLock hold;

    Worker(Locker locker, Verifier v) {
      this.locker = locker;
      this.v = v;
    }

    @Override
    public void run() {
      while (v.handOffs.get() < HANDOFFS && System.nanoTime() < v.deadline) {
        try (HeldLock h = locker.lockExclusive(Duration.ofSeconds(20))) {
          hold = h;
          v.handOffs.incrementAndGet();
          Worker before = v.inside.getAndSet(this);
          if (before != null) {
            // another holder has not left: a violation unless its hold was lost (and it knows)
            if (before.hold.isHeld() && h.isHeld()) {
              v.overlaps.incrementAndGet();
            } else {
              v.overlapsWithALostHold.incrementAndGet();
            }
          }
          java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
          if (!h.isHeld()) {
            v.lostHolds.incrementAndGet();
          }
          v.inside.compareAndSet(this, null);
        } catch (LockTimeoutException e) {
          v.timeouts.incrementAndGet();
        } catch (IOException | RuntimeException e) {
          v.errors.merge(e.toString(), 1, Integer::sum);
        }
      }
    }
  }

  private static final class Verifier {
    final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(150);
    final AtomicReference<Worker> inside = new AtomicReference<>();
    final AtomicInteger handOffs = new AtomicInteger();
    final AtomicInteger overlaps = new AtomicInteger();
    final AtomicInteger overlapsWithALostHold = new AtomicInteger();
    final AtomicInteger lostHolds = new AtomicInteger();
    final AtomicInteger timeouts = new AtomicInteger();
    final Map<String, Integer> errors = new ConcurrentHashMap<>();
  }

  /** The verifier's known-bad twin: it does see two holders of a lock that excludes nothing. */
  @Test
  void theVerifierSeesOverlapsUnderALockThatExcludesNothing() throws Exception {
    Verifier v = new Verifier();
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < CLIENTS; i++) {
      threads.add(new Thread(new Worker(new ExcludesNothingLocker(), v)));
    }
    threads.forEach(Thread::start);
    for (Thread t : threads) {
      t.join(60_000);
    }
    assertThat(v.handOffs.get()).isGreaterThanOrEqualTo(HANDOFFS);
    assertThat(v.overlaps.get()).isPositive();
  }

  @Test
  void killingTheLeaderDuringHandOffsNeverLetsTwoHoldersIn() throws Exception {
    try (TestingCluster cluster = new TestingCluster(3)) {
      cluster.start();
      InstanceSpec leader = null;
      for (int i = 0; i < 300 && leader == null; i++) {
        leader = leader(cluster);
        Thread.sleep(100);
      }
      assertThat(leader).as("a leader was elected").isNotNull();
      Verifier v = new Verifier();
      List<CuratorFramework> clients = new ArrayList<>();
      List<Thread> threads = new ArrayList<>();
      try {
        for (int i = 0; i < CLIENTS; i++) {
          CuratorFramework c = CuratorFrameworkFactory.builder()
              .connectString(cluster.getConnectString())
              .sessionTimeoutMs(15_000)
              .connectionTimeoutMs(5_000)
              // patient: a call in flight when the leader dies waits for the next one
              .retryPolicy(new ExponentialBackoffRetry(100, 29, 2_000))
              .build();
          clients.add(c);
          c.start();
          assertThat(c.blockUntilConnected(60, TimeUnit.SECONDS)).isTrue();
          threads.add(new Thread(new Worker(ZooKeeperLocker.create(c, "/cluster/lock"), v), "worker-" + i));
        }
        threads.forEach(Thread::start);
        while (v.handOffs.get() < HANDOFFS / 4 && System.nanoTime() < v.deadline) {
          Thread.sleep(5);
        }
        int atKill = v.handOffs.get();
        long killedAt = System.nanoTime();
        assertThat(cluster.killServer(leader)).isTrue();
        for (Thread t : threads) {
          t.join(TimeUnit.NANOSECONDS.toMillis(Math.max(1, v.deadline - System.nanoTime())) + 30_000);
          assertThat(t.isAlive()).as(t.getName() + " ended").isFalse();
        }
        InstanceSpec next = leader(cluster);
        System.out.printf("[cluster] leader %d killed after %d hand-offs; %d hand-offs in all, %.1f s after the kill;"
                + " new leader %s; holds lost %d, overlaps with a lost hold %d, timeouts %d, errors %s%n",
            leader.getServerId(), atKill, v.handOffs.get(), (System.nanoTime() - killedAt) / 1e9,
            next == null ? "?" : Integer.toString(next.getServerId()), v.lostHolds.get(),
            v.overlapsWithALostHold.get(), v.timeouts.get(), v.errors);
        assertThat(atKill).isLessThan(HANDOFFS);
        assertThat(v.overlaps.get()).as("two holders whose holds both stood").isZero();
        assertThat(v.handOffs.get()).isGreaterThanOrEqualTo(HANDOFFS);
        assertThat(v.errors).as("every request was served or timed out").isEmpty();
      } finally {
        clients.forEach(CuratorFramework::close);
      }
    }
  }
}
