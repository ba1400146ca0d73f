package io.htmlgraph.atomic.conformance;

import io.htmlgraph.atomic.HeldLock;
import io.htmlgraph.atomic.LockMode;
import io.htmlgraph.atomic.LockTimeoutException;
import io.htmlgraph.atomic.Locker;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * A child JVM holding or trying a {@link Locker}'s lock for {@link LockerConformanceTest}. Arguments:
 * {@code FACTORY_CLASS COMMAND MODE MILLIS FACTORY_ARGS...}.
 * <ul>
 *   <li>{@code hold}: takes the lock (waiting up to MILLIS), prints {@code ACQUIRED}, waits for a line
 *       {@code release}, releases, prints {@code RELEASED};
 *   <li>{@code try}: prints {@code ACQUIRED} (and releases) or {@code TIMEOUT PID} (the holder named by
 *       the exception, {@code -} if none).
 * </ul>
 */
public final class LockerChild {
  private LockerChild() {}

  public static void main(String[] args) throws Exception {
    LockerFactory factory = (LockerFactory) Class.forName(args[0]).getConstructor().newInstance();
    String command = args[1];
    LockMode mode = LockMode.valueOf(args[2]);
    Duration wait = Duration.ofMillis(Long.parseLong(args[3]));
    List<String> rest = Arrays.asList(args).subList(4, args.length);
    try (factory) {
      Locker locker = factory.open(rest);
      switch (command) {
        case "hold" -> {
          HeldLock lock = mode == LockMode.EXCLUSIVE ? locker.lockExclusive(wait) : locker.lockShared(wait);
          System.out.println("ACQUIRED");
          System.out.flush();
          BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
          for (String line; (line = in.readLine()) != null && !line.equals("release"); ) {
            // wait for the word
          }
          lock.close();
          System.out.println("RELEASED");
        }
        case "try" -> {
          try (HeldLock lock = mode == LockMode.EXCLUSIVE ? locker.lockExclusive(wait) : locker.lockShared(wait)) {
            System.out.println("ACQUIRED");
          } catch (LockTimeoutException e) {
            System.out.println("TIMEOUT " + e.holder().map(o -> Long.toString(o.pid())).orElse("-"));
          }
        }
        default -> throw new IllegalArgumentException(command);
      }
      System.out.flush();
    }
  }
}
