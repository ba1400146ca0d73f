package io.htmlgraph.atomic.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;

import io.htmlgraph.atomic.Fencing;
import io.htmlgraph.atomic.HeldLock;
import io.htmlgraph.atomic.LockLostException;
import io.htmlgraph.atomic.LockMode;
import io.htmlgraph.atomic.LockOwner;
import io.htmlgraph.atomic.Locker;
import io.htmlgraph.atomic.WriteOptions;
import io.htmlgraph.atomic.json.AtomicJson;
import io.htmlgraph.atomic.testsupport.ZooKeeperServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.curator.framework.CuratorFramework;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A holder paused while holding (a GC pause, a stopped VM: here, its update function waits on a
 * latch) loses its session; a second holder takes the lock and commits; the first wakes up and
 * tries to commit. Nothing of it may land.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ZooKeeperFencingTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  @RegisterExtension static final ZooKeeperServer zooKeeper = new ZooKeeperServer();
  private final String lockPath = ZooKeeperServer.uniquePath("/fencing");

  @TempDir Path dir;

  /**
   * A locker whose holds say they are held until closed, whatever happened: a holder that has not
   * heard of its loss (a connection event not delivered yet, a server that answered from stale data).
   */
  private static final class NeverHearsOfLoss implements Locker {
    private final Locker inner;
    final AtomicLong token = new AtomicLong();

    NeverHearsOfLoss(Locker inner) {
      this.inner = inner;
    }

    @Override
    public HeldLock lockExclusive(Duration timeout) throws IOException {
      HeldLock real = inner.lockExclusive(timeout);
      token.set(real.fencingToken());
      return new HeldLock() {
        @Override public LockMode mode() { return real.mode(); }
        @Override public boolean isHeld() { return true; }
        @Override public long fencingToken() { return token.get(); }
        @Override public void close() { real.close(); }
      };
    }

    @Override
    public HeldLock lockShared(Duration timeout) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Optional<LockOwner> owner() throws IOException {
      return inner.owner();
    }
  }

  /**
   * Runs the scenario: the first updater (through {@code first}) reads, then pauses; its session is
   * expired; the second updater commits; the first resumes.
   *
   * @return what the first updater's update threw
   */
  private Throwable pausedHolderResumesAfterASecondCommitted(Locker first, CuratorFramework firstClient, Path file)
      throws Exception {
    ZooKeeperLocker second = ZooKeeperLocker.create(zooKeeper.client(), lockPath);
    CountDownLatch paused = new CountDownLatch(1);
    CountDownLatch resume = new CountDownLatch(1);
    CompletableFuture<Object> firstUpdate = CompletableFuture.supplyAsync(() -> {
      try {
        return AtomicJson.update(file, Map.class, first, WAIT, WriteOptions.defaults(), m -> {
          paused.countDown();
          try {
            resume.await(); // the test hook: a pause while holding the lock
          } catch (InterruptedException e) {
            throw new IllegalStateException(e);
          }
          return Map.of("writer", "first", "seen", m == null ? "nothing" : m.get("writer"));
        });
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    assertThat(paused.await(30, TimeUnit.SECONDS)).isTrue();
    Sessions.expire(firstClient, zooKeeper.connectString());
    AtomicJson.update(file, Map.class, second, WAIT, WriteOptions.defaults(),
        m -> Map.of("writer", "second", "seen", m.get("writer")));
    resume.countDown();
    try {
      firstUpdate.get(60, TimeUnit.SECONDS);
      throw new AssertionError("the paused holder published");
    } catch (ExecutionException e) {
      return e.getCause() instanceof java.io.UncheckedIOException u ? u.getCause() : e.getCause();
    }
  }

  @Test
  void aPausedHolderWhoseSessionExpiredIsRefusedAndTheNewerCommitStays() throws Exception {
    Path file = dir.resolve("state.json");
    AtomicJson.write(file, Map.of("writer", "initial"));
    CuratorFramework c = zooKeeper.client();
    Throwable refused = pausedHolderResumesAfterASecondCommitted(ZooKeeperLocker.create(c, lockPath), c, file);
    assertThat(refused).isInstanceOf(LockLostException.class).hasMessageContaining("nothing was published");
    assertThat((Object) AtomicJson.read(file, Map.class)).isEqualTo(Map.of("writer", "second", "seen", "initial"));
  }

  @Test
  void theFenceRefusesAStaleHolderThatDidNotNoticeTheLoss() throws Exception {
    Path file = dir.resolve("state.json");
    AtomicJson.write(file, Map.of("writer", "initial"));
    CuratorFramework c = zooKeeper.client();
    NeverHearsOfLoss stale = new NeverHearsOfLoss(ZooKeeperLocker.create(c, lockPath));
    Throwable refused = pausedHolderResumesAfterASecondCommitted(stale, c, file);
    long recorded = Fencing.recorded(dir.resolve(".state.json.fence"));
    assertThat(refused).isInstanceOf(LockLostException.class)
        .hasMessageContaining("a newer holder of the lock has published")
        .hasMessageContaining("token " + recorded);
    assertThat(recorded).isGreaterThan(stale.token.get());
    assertThat((Object) AtomicJson.read(file, Map.class)).isEqualTo(Map.of("writer", "second", "seen", "initial"));
  }

  @Test
  void eachUpdateRecordsItsTokenSoTheFenceOnlyGrows() throws Exception {
    Path file = dir.resolve("counter.json");
    Path fence = dir.resolve(".counter.json.fence");
    ZooKeeperLocker a = ZooKeeperLocker.create(zooKeeper.client(), lockPath);
    ZooKeeperLocker b = ZooKeeperLocker.create(zooKeeper.client(), lockPath);
    long last = 0;
    for (int i = 0; i < 6; i++) {
      AtomicJson.update(file, Integer.class, i % 2 == 0 ? a : b, WAIT, WriteOptions.defaults(), n -> n == null ? 1 : n + 1);
      long now = Fencing.recorded(fence);
      assertThat(now).isGreaterThan(last);
      last = now;
    }
    assertThat(Files.readString(file)).isEqualTo("6\n");
  }
}
