package io.htmlgraph.atomic.zookeeper;

import io.htmlgraph.atomic.Locker;
import io.htmlgraph.atomic.WriteOptions;
import io.htmlgraph.atomic.conformance.ExcludesNothingLocker;
import io.htmlgraph.atomic.json.AtomicJson;
import io.htmlgraph.atomic.testsupport.ZooKeeperServer;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.curator.framework.CuratorFramework;

/**
 * A child JVM of {@link ZooKeeperUpdateProcessesTest}: {@code KIND FILE N CONNECT_STRING LOCK_PATH}.
 * Makes its locker ({@code zookeeper}: a {@link ZooKeeperLocker} on a client of its own;
 * {@code nothing}: an {@link ExcludesNothingLocker}), prints "ready", waits for a line, increments
 * the counter in FILE N times with {@code AtomicJson.update}, prints "done".
 */
public final class CounterChild {
  private CounterChild() {}

  public static void main(String[] args) throws Exception {
    Path file = Path.of(args[1]);
    int n = Integer.parseInt(args[2]);
    CuratorFramework client = null;
    Locker locker;
    if (args[0].equals("zookeeper")) {
      client = ZooKeeperServer.connect(args[3]);
      locker = ZooKeeperLocker.create(client, args[4]);
    } else {
      locker = new ExcludesNothingLocker();
    }
    try {
      System.out.println("ready");
      System.in.read(); // start together with the other children
      for (int i = 0; i < n; i++) {
        AtomicJson.update(file, Integer.class, locker, Duration.ofSeconds(60), WriteOptions.defaults(),
            c -> c == null ? 1 : c + 1);
      }
      System.out.println("done");
    } finally {
      if (client != null) {
        client.close();
      }
    }
  }
}
