package io.htmlgraph.atomic.zookeeper;

import io.htmlgraph.atomic.LockLostException;
import io.htmlgraph.atomic.LockMode;
import io.htmlgraph.atomic.LockOwner;
import io.htmlgraph.atomic.LockTimeoutException;
import io.htmlgraph.atomic.Locker;
import io.htmlgraph.atomic.internal.Holds;
import io.htmlgraph.atomic.internal.OwnerRecords;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.utils.PathUtils;
import org.apache.curator.utils.ZKPaths;
import org.apache.zookeeper.KeeperException;

/**
 * A reader/writer lock in a ZooKeeper ensemble, for processes on several hosts:
 * {@link LockMode#EXCLUSIVE} excludes every other holder, {@link LockMode#SHARED} admits other
 * shared holders. Where a {@link io.htmlgraph.atomic.DirectoryLocker} is a kernel lock that excludes
 * the processes of one host (and on NFS or SMB perhaps nobody), this lock lives in ZooKeeper, which
 * every host reaches over the network.
 *
 * <pre>{@code
 * CuratorFramework client = CuratorFrameworkFactory.newClient("zk1:2181,zk2:2181,zk3:2181",
 *     15_000, 5_000, new ExponentialBackoffRetry(100, 5));
 * client.start();
 * Locker locker = ZooKeeperLocker.create(client, "/locks/registry");
 * AtomicJson.update(registry, Registry.class, locker, Duration.ofSeconds(10), WriteOptions.defaults(),
 *     r -> r.with(entry));   // refuses to publish if the lock was lost meanwhile
 * }</pre>
 *
 * <h2>The protocol</h2>
 * ZooKeeper's shared-lock recipe, with the node names of Curator's {@code InterProcessReadWriteLock},
 * so that the two exclude each other on one lock path:
 * <ol>
 *   <li>A request creates an ephemeral sequential child of the lock path, {@code __WRIT__} for
 *       exclusive and {@code __READ__} for shared, carrying an owner record (pid, host, mode, since).
 *       Curator's protected mode prefixes the name with a unique id, so a create whose answer was lost
 *       to a dropped connection is found again instead of being made twice (a node nobody knows of
 *       would block everyone until the session ends).
 *   <li>An exclusive request holds the lock when its node is the first child by sequence number; a
 *       shared request when no {@code __WRIT__} node precedes it. Otherwise it watches the node it
 *       waits for (the one just before it; for shared, the nearest write node before it) and looks
 *       again when that one goes: no polling, and one waiter woken per release. A node whose session
 *       the client has given up (Curator declared it lost and opened another) is never granted: the
 *       server would delete it when it expires that session, and let the next waiter in beside us
 *       (CURATOR-604); the request queues again in the current session.
 *   <li>Releasing deletes the node ({@code guaranteed}: Curator retries a delete that failed on a
 *       connection problem). A process that dies loses its session, and ZooKeeper deletes the node
 *       when the session expires: no stale lock blocks for longer than the session timeout.
 * </ol>
 * Why not Curator's {@code InterProcessReadWriteLock} itself: its holds belong to the thread that
 * took them (a release from another thread throws), where a {@code Locker}'s holds belong to the
 * locker instance, as a {@code DirectoryLocker}'s do; it does not expose its node, whose creation
 * zxid is the fencing token and whose session must be checked before publishing; and it keeps
 * "holding" a lock whose session was lost (CURATOR-206) instead of reporting the loss.
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li><b>Owner.</b> The owner of a hold is the {@code ZooKeeperLocker} instance: two instances on
 *       one lock path exclude each other, whether they share one client (one session) or not;
 *       threads that share one instance share its holds.
 *   <li><b>Timeouts</b> run on a monotonic clock; a timeout of zero or less tries once (one create,
 *       one listing, and a delete if the lock is taken). A timeout bounds the wait for other holders;
 *       each ZooKeeper call within it is bounded by the client's retry policy and connection
 *       timeout, so with the ensemble unreachable a call can outlast the timeout.
 *   <li><b>Reentrant, same mode; no upgrade</b>, as for {@code DirectoryLocker}: acquiring again while
 *       this instance holds the lock adds a hold (an exclusive holder asking for shared included);
 *       each acquisition needs one close; asking for exclusive while holding shared throws
 *       {@link IllegalStateException}.
 *   <li><b>Interrupts.</b> A thread interrupted before or while it waits stops, keeps its interrupt
 *       status, holds nothing (its node is deleted) and gets {@link InterruptedIOException}. An
 *       interrupt never releases a held lock, and never makes {@link ZooKeeperLock#isHeld()} lie.
 *   <li><b>Loss is never silent.</b> A ZooKeeper lock can be lost while held: the session expires
 *       (a partition, a pause longer than the session timeout). Curator reports SUSPENDED when the
 *       connection drops, after which nobody can tell whether the session still lives, and LOST when
 *       its timer declares the session over. From either on, the hold's {@code isHeld()} is false for
 *       good; a later RECONNECTED does not revive it, and this locker never takes the lock again
 *       behind its holder's back: close the hold and acquire anew. {@code isHeld()} also asks the
 *       server that the node still exists and belongs to the current session, which catches a holder
 *       that was paused and has not heard of its loss yet (CURATOR-206), and a node deleted under
 *       it. While a lost hold is open, acquiring through the same locker throws
 *       {@link LockLostException}.
 *   <li><b>Fencing.</b> {@link ZooKeeperLock#fencingToken()} is the creation zxid of the hold's node:
 *       it grows with every grant of the lock path, across leader changes, so a holder that lost its
 *       lock without noticing cannot publish over the work of a newer holder that recorded its token
 *       with {@link io.htmlgraph.atomic.Fencing} (as {@code AtomicJson.update} does).
 *   <li><b>Who holds it.</b> {@link #owner()} reads the owner record of the first node: the
 *       exclusive holder, or one of the shared holders. Advice only.
 *   <li><b>The client</b> belongs to the caller, who starts and closes it. Closing it ends the session
 *       and with it every hold of this locker (their {@code isHeld()} turns false).
 * </ul>
 *
 * <p>ZooKeeper locks are slower than kernel locks (a hand-off costs network round trips and a write
 * through the ensemble's quorum) and are never safer than the fencing of what they guard: see the
 * project's docs/several-hosts.md for what fencing does and does not cover on shared storage.
 */
public final class ZooKeeperLocker implements Locker {
  /** The prefix of a shared request's node, as Curator's {@code InterProcessReadWriteLock} names it. */
  static final String READ = "__READ__";
  /** The prefix of an exclusive request's node, as Curator's {@code InterProcessReadWriteLock} names it. */
  static final String WRITE = "__WRIT__";

  private final CuratorFramework client;
  private final String lockPath;

  /** This instance's holds: counted, no upgrade, a generation per granted node. */
  private final Holds<LockNode> holds;

  private ZooKeeperLocker(CuratorFramework client, String lockPath) {
    this.client = client;
    this.lockPath = lockPath;
    this.holds = new Holds<>("zookeeper", lockPath);
  }

  /**
   * A locker for {@code lockPath} in the ensemble {@code client} talks to. Nothing is created until
   * the first acquisition (then the path's missing parents, as container nodes that ZooKeeper removes
   * once empty).
   *
   * @param client a Curator client; the caller owns it (starts it before the first acquisition,
   *     closes it after the last release)
   * @param lockPath the lock's path in ZooKeeper, such as {@code /locks/registry} (relative to the
   *     client's namespace, if it has one)
   * @return the locker
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code lockPath} is not a valid ZooKeeper path, or is the root
   */
  public static ZooKeeperLocker create(CuratorFramework client, String lockPath) {
    Objects.requireNonNull(client, "client");
    Objects.requireNonNull(lockPath, "lockPath");
    try {
      PathUtils.validatePath(lockPath);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("not a ZooKeeper path: \"" + lockPath + "\" (" + e.getMessage() + ")", e);
    }
    if (lockPath.equals("/")) {
      throw new IllegalArgumentException("the root cannot be a lock path: the lock's nodes are its children");
    }
    return new ZooKeeperLocker(client, lockPath);
  }

  /** @return the lock's path in ZooKeeper, as given */
  public String lockPath() {
    return lockPath;
  }

  /** @return the client this locker uses */
  public CuratorFramework client() {
    return client;
  }

  /**
   * Waits up to {@code timeout} for the exclusive lock.
   *
   * @return the hold; {@link ZooKeeperLock#close()} releases it
   * @throws LockTimeoutException if the lock was not obtained in time; names the lock path and the
   *     holder if its record could be read
   * @throws InterruptedIOException if the thread was interrupted before or while waiting (status
   *     kept; nothing held)
   * @throws IllegalStateException if this instance holds the shared lock (no upgrade)
   * @throws LockLostException if this instance has an open hold of a lock that was lost
   * @throws IOException if ZooKeeper could not be reached or refused a request (the client's retry
   *     policy gave up): nothing is held
   */
  @Override
  public ZooKeeperLock lockExclusive(Duration timeout) throws IOException {
    return lock(LockMode.EXCLUSIVE, timeout);
  }

  /**
   * Waits up to {@code timeout} for the shared lock. If this instance holds the exclusive lock, adds
   * a hold of it.
   *
   * @return the hold; {@link ZooKeeperLock#close()} releases it
   * @throws LockTimeoutException if the lock was not obtained in time; names the lock path and the
   *     holder if its record could be read
   * @throws InterruptedIOException if the thread was interrupted before or while waiting (status kept)
   * @throws LockLostException if this instance has an open hold of a lock that was lost
   * @throws IOException if ZooKeeper could not be reached or refused a request: nothing is held
   */
  @Override
  public ZooKeeperLock lockShared(Duration timeout) throws IOException {
    return lock(LockMode.SHARED, timeout);
  }

  /**
   * The holder as its owner record names it: the record of the first node under the lock path (the
   * exclusive holder, or one of the shared holders). Advice only: the holder may be gone a moment
   * later. Nodes made by other programs (Curator's own lock, whose data is an address by default)
   * name nobody.
   *
   * @return the holder, or empty if the lock is free or its holder's record is not one of ours
   * @throws InterruptedIOException if the thread is interrupted (status kept)
   * @throws IOException if ZooKeeper could not be reached
   */
  @Override
  public Optional<LockOwner> owner() throws IOException {
    try {
      // the first node may go between the listing and the read: look again, a few times
      for (int attempt = 0; attempt < 3; attempt++) {
        List<String> children = sortedChildren();
        if (children.isEmpty()) {
          return Optional.empty();
        }
        try {
          return OwnerRecords.parse(new String(client.getData().forPath(child(children.get(0))), StandardCharsets.UTF_8));
        } catch (KeeperException.NoNodeException released) {
          // next round
        }
      }
      return Optional.empty();
    } catch (InterruptedException e) {
      throw interrupted(e, "reading the holder of " + lockPath);
    } catch (Exception e) {
      throw failure(e, "reading the holder of " + lockPath);
    }
  }

  /** @return the mode this instance holds, if it holds the lock (even a lost one that is still open) */
  public Optional<LockMode> heldMode() {
    return holds.mode();
  }

  @Override
  public String toString() {
    return "ZooKeeperLocker[" + lockPath + "]";
  }

  // ---------------------------------------------------------------------------------------------

  private ZooKeeperLock lock(LockMode mode, Duration timeout) throws IOException {
    long gen = holds.hold(mode, timeout, this::checkNotLost, this::queue, this::owner,
        holder -> new LockTimeoutException(lockPath, mode, timeout, holder));
    return new ZooKeeperLock(this, mode, gen);
  }

  /** A hold is added only to a hold that was not lost: a lost one must be closed first. */
  private void checkNotLost(LockNode node, LockMode held) throws LockLostException {
    if (node.lostBecause() != null) {
      throw new LockLostException("this locker's " + name(held) + " lock on " + lockPath + " was lost ("
          + node.lostBecause() + ") and is still open: close its holds, then acquire again");
    }
  }

  /**
   * Steps 1 and 2 of the protocol: creates this request's node and waits until it holds the lock.
   *
   * @return the granted node, or null if the deadline passed first (the node is deleted then)
   */
  private LockNode queue(LockMode mode, long deadline, boolean tryOnce) throws IOException, InterruptedException {
    LockNode request = new LockNode(client, mode);
    // listen before the node exists: a suspension between the grant and the first look at the hold
    // must not go unheard
    client.getConnectionStateListenable().addListener(request);
    boolean granted = false;
    boolean interrupted = false;
    try {
      byte[] record = OwnerRecords.format(OwnerRecords.self(mode, Instant.now())).getBytes(StandardCharsets.UTF_8);
      request.create(ZKPaths.makePath(lockPath, mode == LockMode.EXCLUSIVE ? WRITE : READ), record);
      while (true) {
        List<String> children = sortedChildren();
        int ours = children.indexOf(ZKPaths.getNodeFromPath(request.path()));
        if (ours < 0) {
          // our node is gone: the session expired while we waited and took it along (nothing was
          // held yet, so nothing is lost). Queue again, at the end, if there is time.
          if (tryOnce || System.nanoTime() - deadline >= 0) {
            return null;
          }
          request.create(ZKPaths.makePath(lockPath, mode == LockMode.EXCLUSIVE ? WRITE : READ), record);
          continue;
        }
        String blocker = blocker(children, ours, mode);
        if (blocker == null && !request.inCurrentSession()) {
          // our node belongs to a session the client has given up (Curator declared it LOST and
          // opened a new one) but the server has not expired yet: it will vanish under us, and the
          // next waiter would get the lock while we think we hold it (CURATOR-604's double grant).
          // Leave it, and queue again in the current session.
          request.delete(true);
          if (tryOnce || System.nanoTime() - deadline >= 0) {
            return null;
          }
          request.create(ZKPaths.makePath(lockPath, mode == LockMode.EXCLUSIVE ? WRITE : READ), record);
          continue;
        }
        if (blocker == null) {
          request.granted();
          granted = true;
          return request;
        }
        long remaining = deadline - System.nanoTime();
        if (tryOnce || remaining <= 0) {
          return null;
        }
        long seen = request.wakeups();
        if (client.checkExists().usingWatcher(request).forPath(child(blocker)) != null) {
          request.await(seen, remaining);
        }
      }
    } catch (InterruptedException e) {
      interrupted = true;
      throw e;
    } catch (IOException | RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw failure(e, "waiting for the " + name(mode) + " lock on " + lockPath);
    } finally {
      if (!granted) {
        client.getConnectionStateListenable().removeListener(request);
        // an interrupted waiter stops at once; a timed-out one leaves the queue before it returns,
        // so that a try right after sees the lock as it is
        request.delete(!interrupted);
      }
    }
  }

  /**
   * @return the node the request at {@code ours} waits for, or null if it holds the lock: for
   *     exclusive, the node just before it; for shared, the nearest write node before it
   */
  static String blocker(List<String> sorted, int ours, LockMode mode) {
    if (mode == LockMode.EXCLUSIVE) {
      return ours == 0 ? null : sorted.get(ours - 1);
    }
    for (int i = ours - 1; i >= 0; i--) {
      if (sorted.get(i).contains(WRITE)) {
        return sorted.get(i);
      }
    }
    return null;
  }

  /**
   * @return the lock's request nodes by sequence number (other children are not ours and ignored);
   *     empty if the lock path does not exist
   */
  private List<String> sortedChildren() throws Exception {
    List<String> children;
    try {
      children = client.getChildren().forPath(lockPath);
    } catch (KeeperException.NoNodeException none) {
      return List.of();
    }
    List<String> requests = new ArrayList<>(children.size());
    for (String c : children) {
      if (sequence(c) >= 0) {
        requests.add(c);
      }
    }
    requests.sort(Comparator.comparingLong(ZooKeeperLocker::sequence));
    return requests;
  }

  /**
   * @return the sequence number of a request node ({@code [_c_UUID-]__WRIT__0000000042}), or -1 for
   *     a node that is not a request
   */
  static long sequence(String name) {
    int at = Math.max(name.lastIndexOf(WRITE), name.lastIndexOf(READ));
    if (at < 0) {
      return -1;
    }
    String digits = name.substring(at + WRITE.length());
    if (digits.isEmpty() || digits.length() > 19) {
      return -1;
    }
    for (int i = 0; i < digits.length(); i++) {
      if (digits.charAt(i) < '0' || digits.charAt(i) > '9') {
        return -1;
      }
    }
    return Long.parseLong(digits);
  }

  private String child(String name) {
    return ZKPaths.makePath(lockPath, name);
  }

  /**
   * Gives back one hold; the last one deletes the node.
   *
   * @param gen the generation the hold belongs to
   * @return whether a hold was given back
   */
  boolean release(long gen) {
    return holds.release(gen, (last, mode) -> {
      client.getConnectionStateListenable().removeListener(last);
      // connected: delete before returning, so that others can take the lock when close() returns;
      // not connected: a synchronous delete would wait out the retry policy (minutes with the ensemble
      // gone), so leave it to Curator's guaranteed delete when the connection returns (the node goes
      // with the session at the latest)
      last.delete(client.getZookeeperClient().isConnected());
    });
  }

  /**
   * @return whether this instance still holds the hold of generation {@code gen}, and the lock
   *     was not lost (asks the server)
   */
  boolean holds(long gen) {
    LockNode n = holds.current(gen);
    return n != null && n.confirm();
  }

  /** @return the fencing token of the hold of generation {@code gen}, or 0 if it is no longer open */
  long token(long gen) {
    LockNode n = holds.current(gen);
    return n != null ? n.token() : 0;
  }

  /** @return why the hold of generation {@code gen} was lost, or null if it was not */
  String lostBecause(long gen) {
    LockNode n = holds.current(gen);
    return n != null ? n.lostBecause() : null;
  }

  /** @return the path of the node of the hold of generation {@code gen}, or null if it is closed */
  String nodePath(long gen) {
    LockNode n = holds.current(gen);
    return n != null ? n.path() : null;
  }

  static String name(LockMode mode) {
    return mode.name().toLowerCase(Locale.ROOT);
  }

  static InterruptedIOException interrupted(InterruptedException e, String doing) {
    Thread.currentThread().interrupt();
    InterruptedIOException ie = new InterruptedIOException("interrupted while " + doing);
    ie.initCause(e);
    return ie;
  }

  static IOException failure(Exception e, String doing) {
    if (e instanceof IOException io) {
      return io;
    }
    if (e instanceof RuntimeException re) {
      throw re;
    }
    return new IOException("ZooKeeper failed while " + doing + ": " + e, e);
  }
}
