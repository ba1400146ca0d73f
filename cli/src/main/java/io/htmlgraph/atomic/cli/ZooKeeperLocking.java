package io.htmlgraph.atomic.cli;

import io.htmlgraph.atomic.HeldLock;
import io.htmlgraph.atomic.Locker;
import io.htmlgraph.atomic.zookeeper.ZooKeeperLock;
import io.htmlgraph.atomic.zookeeper.ZooKeeperLocker;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.apache.curator.retry.ExponentialBackoffRetry;

/**
 * {@code atomic lock --zookeeper}: a Curator client of its own for one command, its
 * {@link ZooKeeperLocker}, and a watch that stops the command if the lock is lost while it runs.
 *
 * <p>Every Curator and ZooKeeper class is reached through this class only, so that the other
 * commands (above all {@code atomic write}, whose start-up is measured in milliseconds) never load
 * one: {@link LockCommand} mentions it in a method body, which the JVM resolves on first use.
 */
final class ZooKeeperLocking implements AutoCloseable {
  private final String ensemble;
  private final CuratorFramework client;
  private final ZooKeeperLocker locker;
  private final Semaphore wake = new Semaphore(0);
  private final ConnectionStateListener wakeOnChange = (c, state) -> wake.release();
  private volatile String lostBecause;
  private volatile boolean stopping;
  private Thread watch;

  private ZooKeeperLocking(String ensemble, CuratorFramework client, ZooKeeperLocker locker) {
    this.ensemble = ensemble;
    this.client = client;
    this.locker = locker;
  }

  /**
   * Connects to {@code ensemble}.
   *
   * @throws IllegalArgumentException if {@code lockPath} is not a ZooKeeper path
   * @throws CliException if no connection came within {@code connectTimeout}
   */
  static ZooKeeperLocking connect(String ensemble, String lockPath, Duration connectTimeout, Duration sessionTimeout)
      throws InterruptedException {
    CuratorFramework client = CuratorFrameworkFactory.builder()
        .connectString(ensemble)
        .sessionTimeoutMs(saturatedMillis(sessionTimeout))
        .connectionTimeoutMs(saturatedMillis(connectTimeout))
        .retryPolicy(new ExponentialBackoffRetry(100, 5, 2_000))
        .build();
    ZooKeeperLocker locker;
    try {
      locker = ZooKeeperLocker.create(client, lockPath);
    } catch (IllegalArgumentException e) {
      client.close();
      throw e;
    }
    client.start();
    boolean connected = false;
    try {
      connected = client.blockUntilConnected(saturatedMillis(connectTimeout), TimeUnit.MILLISECONDS);
    } finally {
      if (!connected) {
        client.close();
      }
    }
    if (!connected) {
      throw new CliException("zookeeper " + ensemble + ": no connection within " + Converters.format(connectTimeout));
    }
    return new ZooKeeperLocking(ensemble, client, locker);
  }

  private static int saturatedMillis(Duration d) {
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, d.toMillis()));
  }

  /** @return the locker */
  Locker locker() {
    return locker;
  }

  /** @return how messages name the lock: the ensemble and the path */
  String name() {
    return ensemble + locker.lockPath();
  }

  /**
   * Watches {@code lock} while the command runs: once it is lost (the connection was suspended, the
   * session expired, the node is gone), says so on {@code err} and stops this process's children
   * (SIGTERM), since the command no longer runs under the lock, until {@link #stopWatching()}. Checks
   * at once on every connection change, and every second.
   */
  void stopCommandIfLost(HeldLock lock, String command, PrintWriter err) {
    client.getConnectionStateListenable().addListener(wakeOnChange);
    watch = new Thread(() -> {
      try {
        while (!stopping && lock.isHeld()) {
          wake.tryAcquire(1, TimeUnit.SECONDS);
        }
      } catch (InterruptedException stop) {
        return;
      }
      if (stopping) {
        return;
      }
      String why = lock instanceof ZooKeeperLock z ? z.lostBecause().orElse("lost") : "lost";
      lostBecause = why;
      synchronized (err) {
        err.println("atomic: " + name() + ": the lock was lost (" + why + "); stopping " + command);
        err.flush();
      }
      // again and again until the command is gone: the loss may come before the command started
      while (!stopping) {
        ProcessHandle.current().children().forEach(ProcessHandle::destroy);
        try {
          Thread.sleep(100);
        } catch (InterruptedException stop) {
          return;
        }
      }
    }, "atomic-zookeeper-lock-watch");
    watch.setDaemon(true);
    watch.start();
  }

  /** @return why the lock was lost while the command ran, or null if it was not */
  String lostBecause() {
    return lostBecause;
  }

  /** Stops the watch (before the hold is closed, which the watch would take for a loss). */
  void stopWatching() {
    stopping = true;
    if (watch != null) {
      watch.interrupt();
      try {
        watch.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Stops the watch and closes the client: the session ends, and any node of it with it. */
  @Override
  public void close() {
    stopWatching();
    client.close();
  }
}
