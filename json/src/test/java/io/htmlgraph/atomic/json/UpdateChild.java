package io.htmlgraph.atomic.json;

import io.htmlgraph.atomic.DirectoryLocker;
import io.htmlgraph.atomic.WriteOptions;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Run by {@link AtomicJsonUpdateTest} as a child JVM.
 * <ul>
 *   <li>{@code increment FILE N}: prints "ready", waits for a line, then increments the counter in
 *       FILE N times with {@code AtomicJson.update}, and prints "done";
 *   <li>{@code hold DIR}: takes the exclusive lock of DIR, prints "locked", holds it until its input
 *       ends.
 * </ul>
 */
public final class UpdateChild {
  private UpdateChild() {}

  public static void main(String[] args) throws Exception {
    switch (args[0]) {
      case "increment" -> {
        Path file = Path.of(args[1]);
        int n = Integer.parseInt(args[2]);
        System.out.println("ready");
        System.in.read(); // start together with the other children
        for (int i = 0; i < n; i++) {
          AtomicJson.update(file, Integer.class, (Path) null, Duration.ofSeconds(60), WriteOptions.defaults(),
              c -> c == null ? 1 : c + 1);
        }
        System.out.println("done");
      }
      case "hold" -> {
        DirectoryLocker locker = new DirectoryLocker(Path.of(args[1]));
        locker.lockExclusive(Duration.ofSeconds(30));
        System.out.println("locked");
        while (System.in.read() >= 0) {
          // hold until the parent closes our input or kills us
        }
      }
      default -> throw new IllegalArgumentException(args[0]);
    }
  }
}
