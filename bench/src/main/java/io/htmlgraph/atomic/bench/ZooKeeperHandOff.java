package io.htmlgraph.atomic.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
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
      rows.add(row("ZooKeeperLocker (one local server)", handOff("zookeeper", rounds,
          List.of("-Dbench.zookeeper=" + server.getConnectString(), "-Dbench.handoff.settleMicros=10000"))));
    }
    rows.add(row("DirectoryLocker", handOff("directory-locker", rounds, List.of())));
    rows.add(row("raw FileChannel.lock() (blocking fcntl)", handOff("raw", rounds, List.of())));
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

  /** Two child JVMs run {@link HandOff} with {@code impl}; @return the latencies in ms */
  private static List<Double> handOff(String impl, int rounds, List<String> jvmArgs) throws Exception {
    Path dir = BenchDirs.fresh("handoff-" + impl);
    try {
      List<Process> ps = new ArrayList<>();
      for (int role = 0; role < 2; role++) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx64m");
        cmd.addAll(jvmArgs);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Child.class.getName());
        cmd.addAll(List.of("handoff", impl, String.valueOf(role), dir.toString(), String.valueOf(rounds),
            dir.resolve("lat-" + role).toString()));
        ps.add(new ProcessBuilder(cmd).redirectErrorStream(true).start());
      }
      for (Process p : ps) {
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(600, TimeUnit.SECONDS) || p.exitValue() != 0) {
          p.destroyForcibly();
          throw new IOException(impl + " hand-off child failed:\n" + out);
        }
      }
      List<Double> ms = new ArrayList<>();
      for (int role = 0; role < 2; role++) {
        for (String line : Files.readAllLines(dir.resolve("lat-" + role))) {
          if (!line.isBlank()) {
            ms.add(Long.parseLong(line.trim()) / 1e6);
          }
        }
      }
      return ms;
    } finally {
      BenchDirs.deleteTree(dir);
    }
  }
}
