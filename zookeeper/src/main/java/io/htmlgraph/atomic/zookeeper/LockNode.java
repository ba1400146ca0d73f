package io.htmlgraph.atomic.zookeeper;

import io.htmlgraph.atomic.LockMode;
import io.htmlgraph.atomic.internal.Log;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.BackgroundCallback;
import org.apache.curator.framework.api.CuratorEvent;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.apache.curator.utils.ZKPaths;
import org.apache.zookeeper.AsyncCallback;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;

/**
 * One request of a {@link ZooKeeperLocker}: its ephemeral sequential node, and, once granted, the
 * hold's watch over its session. It listens to the client's connection states from before the node
 * exists until the hold is released, and is the watcher of the node it waits for.
 */
final class LockNode implements ConnectionStateListener, Watcher {
  private final CuratorFramework client;
  private final LockMode mode;

  private final Object monitor = new Object();
  /** Bumped by every watch event and connection change; a waiter sleeps until it moves. */
  private long wakeups;

  // Set by the acquiring thread before the node is published to other threads (under the locker's lock).
  private String path;
  private long session;
  private long token;

  private volatile boolean granted;
  private volatile ConnectionState lastState;
  private final AtomicReference<String> lost = new AtomicReference<>();

  LockNode(CuratorFramework client, LockMode mode) {
    this.client = client;
    this.mode = mode;
  }

  /** @return the node's path (relative to the client's namespace), or null before it was created */
  String path() {
    return path;
  }

  /** @return the node's creation zxid: the fencing token */
  long token() {
    return token;
  }

  /** @return why the hold was lost, or null while it stands */
  String lostBecause() {
    return lost.get();
  }

  /**
   * Creates the node: ephemeral, sequential, protected. In the background, so that an interrupt
   * while the request is in flight cannot orphan it: the request is abandoned and its node, if the
   * server made one, deleted when the answer comes.
   */
  void create(String prefix, byte[] data) throws Exception {
    path = null;
    PendingCreate pending = new PendingCreate();
    client.create()
        .creatingParentContainersIfNeeded()
        .withProtection()
        .withMode(CreateMode.EPHEMERAL_SEQUENTIAL)
        .inBackground(pending)
        .forPath(prefix, data);
    CuratorEvent done = pending.await();
    KeeperException.Code rc = KeeperException.Code.get(done.getResultCode());
    if (rc != KeeperException.Code.OK) {
      throw KeeperException.create(rc, prefix);
    }
    path = done.getName();
    Stat stat = done.getStat();
    if (stat == null || stat.getCzxid() == 0) {
      // a protected create found again after a lost answer reports no stat
      stat = client.checkExists().forPath(path);
      if (stat == null) {
        throw KeeperException.create(KeeperException.Code.NONODE, path);
      }
    }
    session = stat.getEphemeralOwner();
    token = stat.getCzxid();
  }

  /** @return whether the node was made in the client's current session */
  boolean inCurrentSession() throws Exception {
    return client.getZookeeperClient().getZooKeeper().getSessionId() == session;
  }

  /** Marks the request granted: from now on a suspension or loss of the session loses the hold. */
  void granted() {
    granted = true;
    // an event heard while waiting, not followed by a reconnection, counts too
    ConnectionState s = lastState;
    if (s == ConnectionState.SUSPENDED || s == ConnectionState.LOST || s == ConnectionState.READ_ONLY) {
      markLost("the ZooKeeper connection was " + s);
    } else if (!client.getZookeeperClient().isConnected()) {
      markLost("the ZooKeeper connection dropped as the lock was granted");
    }
  }

  /**
   * Deletes the node, if one was made. {@code wait}: synchronously, so that others can take the lock
   * when this returns; else in the background (an interrupted waiter must stop at once). Either way
   * {@code guaranteed}: a delete that fails on a connection problem is retried by Curator, and the
   * node goes with the session at the latest. Never throws; a pending interrupt stays pending.
   */
  void delete(boolean wait) {
    String p = path;
    if (p == null) {
      return;
    }
    boolean interrupted = Thread.interrupted();
    try {
      if (wait) {
        client.delete().guaranteed().forPath(p);
      } else {
        client.delete().guaranteed().inBackground().forPath(p);
      }
    } catch (KeeperException.NoNodeException gone) {
      // the session ended and took it along
    } catch (Exception e) {
      if (client.getState() == org.apache.curator.framework.imps.CuratorFrameworkState.STARTED) {
        Log.get().log(System.Logger.Level.WARNING, "could not delete the lock node " + p
            + " (Curator retries in the background; the node goes with the session at the latest)", e);
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * Tells whether the hold stands: not lost by a connection event, and the server confirms that the
   * node exists and belongs to the client's current session. Marks the hold lost for good if not.
   * Waits for the server uninterruptibly (an interrupt must not make a held lock look lost), at most
   * the session timeout; a pending interrupt stays pending.
   */
  boolean confirm() {
    if (lost.get() != null) {
      return false;
    }
    ZooKeeper zk;
    try {
      zk = client.getZookeeperClient().getZooKeeper();
    } catch (Exception e) {
      markLost("no ZooKeeper connection (" + e + ")");
      return false;
    }
    long now = zk.getSessionId();
    if (now != session) {
      markLost("the ZooKeeper session changed from 0x" + Long.toHexString(session) + " to 0x" + Long.toHexString(now));
      return false;
    }
    ExistsAnswer answer = new ExistsAnswer();
    zk.exists(ZKPaths.fixForNamespace(client.getNamespace(), path), false, answer, null);
    if (!answer.await(TimeUnit.MILLISECONDS.toNanos(Math.max(1000, zk.getSessionTimeout())))) {
      markLost("the server did not confirm the lock node " + path + " within the session timeout");
    } else if (answer.rc == KeeperException.Code.NONODE.intValue()) {
      markLost("its node " + path + " is gone");
    } else if (answer.rc != KeeperException.Code.OK.intValue()) {
      markLost("the server could not confirm its node (" + KeeperException.Code.get(answer.rc) + ")");
    } else if (answer.stat.getEphemeralOwner() != session) {
      markLost("its node " + path + " belongs to another session");
    }
    return lost.get() == null;
  }

  private void markLost(String why) {
    lost.compareAndSet(null, why);
  }

  /** @return the wake-up count, to pass to {@link #await} */
  long wakeups() {
    synchronized (monitor) {
      return wakeups;
    }
  }

  /** Waits until a watch or connection event comes after {@code seen}, or {@code nanos} pass. */
  void await(long seen, long nanos) throws InterruptedException {
    long deadline = System.nanoTime() + nanos;
    synchronized (monitor) {
      while (wakeups == seen) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return;
        }
        TimeUnit.NANOSECONDS.timedWait(monitor, left);
      }
    }
  }

  private void wake() {
    synchronized (monitor) {
      wakeups++;
      monitor.notifyAll();
    }
  }

  @Override
  public void stateChanged(CuratorFramework c, ConnectionState newState) {
    lastState = newState;
    // SUSPENDED: Curator's docs: from here on "you cannot be sure you still hold the lock". LOST: the
    // session is over. READ_ONLY: a minority server; the session cannot be trusted to hold anything.
    if (granted && (newState == ConnectionState.SUSPENDED || newState == ConnectionState.LOST
        || newState == ConnectionState.READ_ONLY)) {
      markLost("the ZooKeeper connection was " + newState);
    }
    wake();
  }

  @Override
  public void process(WatchedEvent event) {
    wake();
  }

  @Override
  public String toString() {
    return mode + " " + path + (lost.get() != null ? " (lost: " + lost.get() + ")" : "");
  }

  /** The answer of a background create; abandoned by an interrupted waiter. */
  private final class PendingCreate implements BackgroundCallback {
    private CuratorEvent result;
    private boolean abandoned;

    @Override
    public void processResult(CuratorFramework c, CuratorEvent event) {
      synchronized (this) {
        if (!abandoned) {
          result = event;
          notifyAll();
          return;
        }
      }
      if (event.getResultCode() == KeeperException.Code.OK.intValue()) {
        // nobody waits for this node any more
        try {
          client.delete().guaranteed().inBackground().forPath(event.getName());
        } catch (Exception e) {
          Log.get().log(System.Logger.Level.WARNING, "could not delete the abandoned lock node " + event.getName(), e);
        }
      }
    }

    synchronized CuratorEvent await() throws InterruptedException {
      try {
        while (result == null) {
          wait();
        }
        return result;
      } catch (InterruptedException e) {
        if (result == null) {
          abandoned = true;
        } else if (result.getResultCode() == KeeperException.Code.OK.intValue()) {
          path = result.getName(); // made after all: the waiter's cleanup deletes it
        }
        throw e;
      }
    }
  }

  /** The answer of an asynchronous exists, waited for uninterruptibly. */
  private static final class ExistsAnswer implements AsyncCallback.StatCallback {
    private boolean done;
    int rc;
    Stat stat;

    @Override
    public synchronized void processResult(int rc, String path, Object ctx, Stat stat) {
      this.rc = rc;
      this.stat = stat;
      done = true;
      notifyAll();
    }

    /** @return whether the answer came within {@code nanos} */
    synchronized boolean await(long nanos) {
      long deadline = System.nanoTime() + nanos;
      boolean interrupted = false;
      try {
        while (!done) {
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            return false;
          }
          try {
            TimeUnit.NANOSECONDS.timedWait(this, left);
          } catch (InterruptedException e) {
            interrupted = true;
          }
        }
        return true;
      } finally {
        if (interrupted) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }
}
