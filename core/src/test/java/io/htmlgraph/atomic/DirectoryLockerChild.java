package io.htmlgraph.atomic;

import io.htmlgraph.atomic.testsupport.ChildJvm;
import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * The other process of the DirectoryLocker tests, started in a child JVM by {@link ChildJvm}.
 *
 * <ul>
 *   <li>{@code hold DIR MODE}: takes the lock, prints {@code ACQUIRED}, holds it until a line
 *       {@code release} (or end of input) arrives, then prints {@code RELEASED}.
 *   <li>{@code try DIR MODE MILLIS}: prints {@code ACQUIRED} or {@code TIMEOUT holder}, releases.
 *   <li>{@code stress DIR PORT SEED ITERATIONS}: random shared/exclusive holds, each reported to the
 *       parent's verifier (see {@link DirectoryLockerProcessTest}) while held.
 *   <li>{@code cross DIR OTHER MILLIS}: holds DIR; on a line {@code go} tries OTHER as {@code try} does.
 *   <li>{@code count DIR FILE N}: N increments of the number in FILE under the exclusive lock, with
 *       {@link AtomicFileWriter}.
 *   <li>{@code many DIR N}: locks and releases N new directories under DIR in a row, prints
 *       {@code LOCKED N peakThreads peakDescriptors}; then opens files until none is left, makes one
 *       more locker and prints {@code ERROR exception} (or {@code NO ERROR}).
 * </ul>
 */
public final class DirectoryLockerChild {
  private DirectoryLockerChild() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[1]);
    if (args[0].equals("many")) {
      many(dir, Integer.parseInt(args[2]));
      return;
    }
    DirectoryLocker locker = new DirectoryLocker(dir);
    switch (args[0]) {
      case "hold" -> hold(locker, LockMode.valueOf(args[2]));
      case "try" -> tryOnce(locker, LockMode.valueOf(args[2]), Duration.ofMillis(Long.parseLong(args[3])));
      case "stress" -> stress(locker, Integer.parseInt(args[2]), Long.parseLong(args[3]), Integer.parseInt(args[4]));
      case "count" -> count(locker, Path.of(args[2]), Integer.parseInt(args[3]));
      case "cross" -> cross(locker, new DirectoryLocker(Path.of(args[2])), Duration.ofMillis(Long.parseLong(args[3])));
      default -> throw new IllegalArgumentException(args[0]);
    }
  }

  private static void hold(DirectoryLocker locker, LockMode mode) throws IOException {
    try (DirectoryLock lock = acquire(locker, mode, Duration.ofSeconds(30))) {
      System.out.println("ACQUIRED");
      System.out.flush();
      BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      String line;
      while ((line = in.readLine()) != null && !line.equals("release")) {
        // keep holding
      }
    }
    System.out.println("RELEASED");
    System.out.flush();
  }

  private static void tryOnce(DirectoryLocker locker, LockMode mode, Duration timeout) {
    try (DirectoryLock lock = acquire(locker, mode, timeout)) {
      System.out.println("ACQUIRED");
    } catch (LockTimeoutException e) {
      System.out.println("TIMEOUT " + e.holder().map(o -> o.pid() + " " + o.mode()).orElse("unknown"));
    } catch (IOException e) {
      System.out.println("ERROR " + e);
    }
    System.out.flush();
  }

  private static DirectoryLock acquire(DirectoryLocker locker, LockMode mode, Duration timeout) throws IOException {
    return mode == LockMode.EXCLUSIVE ? locker.lockExclusive(timeout) : locker.lockShared(timeout);
  }

  /**
   * Each hold: tell the verifier "acquired" and wait for its answer, hold a little, tell it
   * "releasing" and wait, release. The answers make the verifier's view exact: it has recorded the
   * hold before the hold goes on, and the end before the lock is given back.
   */
  private static void stress(DirectoryLocker locker, int port, long seed, int iterations) throws IOException {
    Random random = new Random(seed);
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      s.setTcpNoDelay(true);
      DataOutputStream out = new DataOutputStream(s.getOutputStream());
      DataInputStream in = new DataInputStream(s.getInputStream());
      for (int i = 0; i < iterations; i++) {
        // mostly shared, so that shared holders meet; enough exclusive ones to contend
        LockMode mode = random.nextInt(10) < 7 ? LockMode.SHARED : LockMode.EXCLUSIVE;
        try (DirectoryLock lock = acquire(locker, mode, Duration.ofSeconds(30))) {
          out.writeByte(mode == LockMode.EXCLUSIVE ? 'X' : 'S');
          out.flush();
          check(in.readByte());
          LockSupport.parkNanos(random.nextInt(2_000_000));
          out.writeByte(mode == LockMode.EXCLUSIVE ? 'x' : 's');
          out.flush();
          check(in.readByte());
        }
        if (random.nextBoolean()) {
          LockSupport.parkNanos(random.nextInt(500_000));
        }
      }
      out.writeByte('.');
      out.flush();
    }
  }

  private static void check(byte answer) {
    if (answer != 'k') {
      throw new IllegalStateException("verifier answered " + (char) answer);
    }
  }

  /** Holds one lock, and on "go" waits for a second one: half of a lock-order cycle (EDEADLK). */
  private static void cross(DirectoryLocker held, DirectoryLocker wanted, Duration timeout) throws IOException {
    try (DirectoryLock lock = held.lockExclusive(Duration.ofSeconds(30))) {
      System.out.println("ACQUIRED");
      System.out.flush();
      BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      if (!"go".equals(in.readLine())) {
        return;
      }
      tryOnce(wanted, LockMode.EXCLUSIVE, timeout);
    }
  }

  private static void many(Path root, int n) throws IOException {
    int peakThreads = 0;
    long peakFds = 0;
    for (int i = 0; i < n; i++) {
      DirectoryLocker l = new DirectoryLocker(root.resolve("d" + i));
      if (!l.acquireExclusiveLock(Duration.ofSeconds(5))) {
        throw new IllegalStateException("could not lock " + l.lockDir());
      }
      l.releaseLock();
      if (i % 100 == 0 || i == n - 1) {
        peakThreads = Math.max(peakThreads, Thread.getAllStackTraces().size());
        peakFds = Math.max(peakFds, openDescriptors());
      }
    }
    System.out.println("LOCKED " + n + " " + peakThreads + " " + peakFds);
    System.out.flush();
    String warm = "ERROR " + new IOException("warm-up of the string concatenation below");
    List<FileChannel> hog = new ArrayList<>();
    try {
      while (warm != null) {
        hog.add(FileChannel.open(Path.of("/dev/null"), StandardOpenOption.READ));
      }
    } catch (IOException none) {
      // every descriptor is taken
    }
    try {
      new DirectoryLocker(root.resolve("one-more"));
      System.out.println("NO ERROR");
    } catch (IOException e) {
      System.out.println("ERROR " + e);
    }
    System.out.flush();
    for (FileChannel ch : hog) {
      ch.close();
    }
  }

  static long openDescriptors() throws IOException {
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      return fds.count();
    }
  }

  private static void count(DirectoryLocker locker, Path counter, int n) throws IOException {
    for (int i = 0; i < n; i++) {
      try (DirectoryLock lock = locker.lockExclusive(Duration.ofSeconds(60))) {
        int value;
        try {
          value = Integer.parseInt(Files.readString(counter).trim());
        } catch (NoSuchFileException none) {
          value = 0;
        }
        AtomicFileWriter.atomicWrite(counter, Integer.toString(value + 1));
      }
    }
    System.out.println("DONE");
  }
}
