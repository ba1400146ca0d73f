/**
 * A reader/writer lock in a ZooKeeper ensemble, for processes on several hosts:
 * {@link io.htmlgraph.atomic.zookeeper.ZooKeeperLocker} implements the core's
 * {@link io.htmlgraph.atomic.Locker} on Apache Curator, so everything in the library that takes a
 * lock ({@code AtomicJson.update}, transactions, the session registry) can take this one.
 *
 * <p>Curator's jars carry no module descriptor: they are automatic modules named after their files
 * ({@code curator.framework}, {@code curator.client}, {@code zookeeper}). ZooKeeper's two jars split
 * packages ({@code zookeeper-jute} repeats {@code org.apache.zookeeper.server.quorum}), so they cannot
 * both be modules: this module is compiled reading {@code zookeeper-jute} from the class path, and
 * applications run ZooKeeper's client on the class path, as its own tests and this project's do.
 */
module io.htmlgraph.atomic.zookeeper {
  requires transitive io.htmlgraph.atomic;
  // ZooKeeperLocker.create takes a CuratorFramework
  requires transitive curator.framework;
  requires curator.client;
  requires zookeeper;

  exports io.htmlgraph.atomic.zookeeper;
}
