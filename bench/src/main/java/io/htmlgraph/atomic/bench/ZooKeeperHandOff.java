package io.htmlgraph.atomic.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.curator.test.TestingServer;

/**
 * Hand-off latency between two JVMs, {@code ZooKeeperLocker} against {@code DirectoryLocker}: the
 * {@link HandOff} workload (two processes take turns; the latency runs from the holder's release to
 * the waiter's acquisition) with each lock, a ZooKeeper server started in this JVM on the loopback
 * interface (so the figures leave out the network: add its round trips for a real ensemble).
 * Prints medians, p99 and maxima.
 *
 * <p>Run: {@code bench/zookeeper-handoff [ROUNDS]} (default 1000 hand-offs per lock).
 */
public final class ZooKeeperHandOff {
  private ZooKeeperHandOff() {}

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    List<String[]> rows = new ArrayList<>();
    try (TestingServer server = new TestingServer(true)) {
      // a ZooKeeper waiter queues in a few round trips: let it settle 10 ms before each release
      rows.add(row("ZooKeeperLocker (one local server)", HandOff.measure("zookeeper", rounds,
          List.of("-Dbench.zookeeper=" + server.getConnectString(), "-Dbench.handoff.settleMicros=10000"))));
    }
    rows.add(row("DirectoryLocker", HandOff.measure("directory-locker", rounds, List.of())));
    rows.add(row("raw FileChannel.lock() (blocking fcntl)", HandOff.measure("raw", rounds, List.of())));
    System.out.printf(Locale.ROOT, "Hand-off between two JVMs, %d rounds per lock (latency: holder's release to"
        + " waiter's acquisition)%n", rounds);
    System.out.printf(Locale.ROOT, "%-40s %10s %10s %10s %10s%n", "lock", "hand-offs", "median ms", "p99 ms", "max ms");
    for (String[] r : rows) {
      System.out.printf(Locale.ROOT, "%-40s %10s %10s %10s %10s%n", (Object[]) r);
    }
  }

  private static String[] row(String name, List<Double> ms) {
    Stats s = Stats.of(ms);
    return new String[] {name, Integer.toString(ms.size()), String.format(Locale.ROOT, "%.3f", s.median()),
        String.format(Locale.ROOT, "%.3f", Stats.quantile(ms, 0.99)), String.format(Locale.ROOT, "%.3f", s.max())};
  }
}
