package io.htmlgraph.atomic;

import io.htmlgraph.atomic.testsupport.ChildJvm;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * DirectoryLocker between processes: child JVMs ({@link DirectoryLockerChild}) against this one.
 * Every test is bounded by count and by time.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class DirectoryLockerProcessTest {
  private static final Duration SHORT = Duration.ofMillis(200);

  @TempDir Path tmp;

  private static ChildJvm hold(Path dir, LockMode mode) throws IOException {
    ChildJvm child = ChildJvm.start(DirectoryLockerChild.class, "hold", dir.toString(), mode.name());
    assertThat(child.readLine()).isEqualTo("ACQUIRED");
    return child;
  }

  /** @return the child's one line: ACQUIRED, or TIMEOUT and the holder it was told of */
  private static String tryInChild(Path dir, LockMode mode, long millis) throws Exception {
    try (ChildJvm child = ChildJvm.start(DirectoryLockerChild.class, "try", dir.toString(), mode.name(), Long.toString(millis))) {
      String line = child.readLine();
      assertThat(child.waitFor(60)).isZero();
      return line;
    }
  }

  @Test
  void anExclusiveHolderInAnotherProcessKeepsThisOneOut() throws Exception {
    DirectoryLocker locker = new DirectoryLocker(tmp);
    try (ChildJvm child = hold(tmp, LockMode.EXCLUSIVE)) {
      assertThat(locker.acquireSharedLock(Duration.ZERO)).isFalse();
      assertThat(locker.acquireExclusiveLock(SHORT)).isFalse();
      assertThatThrownBy(() -> locker.lockShared(SHORT))
          .isInstanceOf(LockTimeoutException.class)
          .satisfies(e -> assertThat(((LockTimeoutException) e).holder())
              .hasValueSatisfying(o -> {
                assertThat(o.pid()).isEqualTo(child.pid());
                assertThat(o.mode()).isEqualTo(LockMode.EXCLUSIVE);
              }));
      assertThat(locker.owner()).hasValueSatisfying(o -> assertThat(o.pid()).isEqualTo(child.pid()));
      child.send("release");
      assertThat(child.readLine()).isEqualTo("RELEASED");
      // release returns once the kernel lock is gone: a single try now succeeds
      assertThat(locker.acquireExclusiveLock(Duration.ZERO)).isTrue();
      locker.releaseLock();
      assertThat(child.waitFor(30)).isZero();
    }
    assertThat(locker.owner()).isEmpty();
  }

  @Test
  void timeoutsAgainstAnotherProcessEndOnTime() throws Exception {
    DirectoryLocker locker = new DirectoryLocker(tmp);
    try (ChildJvm child = hold(tmp, LockMode.EXCLUSIVE)) {
      for (long millis : new long[] {3, 50, 300}) {
        long t0 = System.nanoTime();
        assertThat(locker.acquireExclusiveLock(Duration.ofMillis(millis))).isFalse();
        long took = System.nanoTime() - t0;
        assertThat(took).as("waited for %d ms", millis).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(millis));
        // generous: the machine is shared; the point is that nobody polls at a coarse interval
        assertThat(took).as("waited for %d ms", millis).isLessThan(TimeUnit.MILLISECONDS.toNanos(millis + 500));
      }
      child.send("release");
      assertThat(child.readLine()).isEqualTo("RELEASED");
    }
    assertThat(locker.acquireExclusiveLock(Duration.ZERO)).isTrue();
    locker.releaseLock();
  }

  /**
   * Two processes each holding one lock and waiting for the other's: the kernel answers one of the
   * waits with EDEADLK. That must not surface as an error; the waiter retries until its timeout, the
   * other then gets its lock.
   */
  @Test
  void aLockOrderCycleBetweenProcessesEndsInATimeoutNotAnError() throws Exception {
    Path a = tmp.resolve("a");
    Path b = tmp.resolve("b");
    DirectoryLocker lockerA = new DirectoryLocker(a);
    DirectoryLocker lockerB = new DirectoryLocker(b);
    assertThat(lockerA.acquireExclusiveLock(SHORT)).isTrue();
    try (ChildJvm child = ChildJvm.start(DirectoryLockerChild.class, "cross", b.toString(), a.toString(), "1500")) {
      assertThat(child.readLine()).isEqualTo("ACQUIRED");
      child.send("go");
      Thread.sleep(300); // the child now waits for a
      boolean gotB = lockerB.acquireExclusiveLock(Duration.ofSeconds(20));
      assertThat(child.readLine()).startsWith("TIMEOUT");
      assertThat(gotB).isTrue();
      lockerB.releaseLock();
      assertThat(child.waitFor(30)).isZero();
    } finally {
      lockerA.releaseLock();
    }
  }

  /**
   * The JDK reports EDEADLK with {@code strerror}'s text, which the locale translates (under
   * {@code LANG=de_DE.UTF-8}: "Verklemmung beim Zugriff auf eine Ressource vermieden"): a process in
   * such a locale took the cycle for an error when it looked for the word "deadlock". Here the child,
   * in German, is the one whose wait closes the cycle.
   */
  @Test
  void aLockOrderCycleEndsInATimeoutWhateverTheLocaleOfTheProcessThatClosesIt() throws Exception {
    Path locales = tmp.resolve("locales");
    Files.createDirectories(locales);
    Process localedef = new ProcessBuilder("localedef", "-i", "de_DE", "-f", "UTF-8", locales.resolve("de_DE.UTF-8").toString())
        .redirectErrorStream(true).start();
    localedef.getInputStream().readAllBytes();
    org.junit.jupiter.api.Assumptions.assumeTrue(localedef.waitFor(60, TimeUnit.SECONDS) && localedef.exitValue() == 0
        && Files.isDirectory(Path.of("/usr/share/locale/de/LC_MESSAGES")),
        "needs localedef and glibc's German messages (Debian: locales, libc-l10n)");
    Path a = tmp.resolve("a");
    Path b = tmp.resolve("b");
    DirectoryLocker lockerA = new DirectoryLocker(a);
    DirectoryLocker lockerB = new DirectoryLocker(b);
    assertThat(lockerA.acquireExclusiveLock(SHORT)).isTrue();
    // (bash itself cannot use the locale it exports: its warning is silenced)
    String german = "export LOCPATH='" + locales + "' LC_ALL=de_DE.UTF-8 LANG=de_DE.UTF-8 2>/dev/null";
    try (ChildJvm child = ChildJvm.startUnder(german, DirectoryLockerChild.class, "cross", b.toString(), a.toString(), "1500")) {
      assertThat(child.readLine()).isEqualTo("ACQUIRED");
      CompletableFuture<Boolean> gotB = CompletableFuture.supplyAsync(() -> lockerB.acquireExclusiveLock(Duration.ofSeconds(20)));
      Thread.sleep(300); // this JVM now waits in the kernel for b, which the child holds
      child.send("go"); // the child's wait for a closes the cycle: EDEADLK, in German
      assertThat(child.readLine()).startsWith("TIMEOUT");
      assertThat(gotB.get(30, TimeUnit.SECONDS)).isTrue();
      lockerB.releaseLock();
      assertThat(child.waitFor(30)).isZero();
    } finally {
      lockerA.releaseLock();
    }
  }

  @Test
  void aSharedHolderInAnotherProcessAdmitsSharedOnly() throws Exception {
    DirectoryLocker locker = new DirectoryLocker(tmp);
    try (ChildJvm child = hold(tmp, LockMode.SHARED)) {
      assertThat(locker.acquireSharedLock(Duration.ZERO)).isTrue();
      locker.releaseLock();
      assertThat(locker.acquireExclusiveLock(SHORT)).isFalse();
      child.send("release");
      assertThat(child.readLine()).isEqualTo("RELEASED");
      assertThat(locker.acquireExclusiveLock(Duration.ZERO)).isTrue();
      locker.releaseLock();
    }
  }

  @Test
  void sharedHoldersInThisJvmKeepAnotherProcessesWriterOut() throws Exception {
    DirectoryLocker a = new DirectoryLocker(tmp);
    DirectoryLocker b = new DirectoryLocker(tmp);
    assertThat(a.acquireSharedLock(SHORT)).isTrue();
    assertThat(b.acquireSharedLock(SHORT)).isTrue();
    a.releaseLock();
    assertThat(tryInChild(tmp, LockMode.EXCLUSIVE, 300)).startsWith("TIMEOUT");
    assertThat(tryInChild(tmp, LockMode.SHARED, 300)).isEqualTo("ACQUIRED");
    b.releaseLock();
    assertThat(tryInChild(tmp, LockMode.EXCLUSIVE, 0)).isEqualTo("ACQUIRED");
  }

  /**
   * Everything the library does while a lock is held (reading the owner record, other lockers in
   * this JVM waiting, timing out and giving up, nested holds, releases of lockers holding nothing,
   * an orphan sweep of the directory) must leave the kernel lock in place: any of them opening and
   * closing a channel to {@code .lock} would drop it.
   */
  @Test
  void nothingTheLibraryDoesWhileHoldingLetsAnotherProcessIn() throws Exception {
    DirectoryLocker holder = new DirectoryLocker(tmp);
    DirectoryLocker other = new DirectoryLocker(tmp);
    try (DirectoryLock lock = holder.lockExclusive(SHORT)) {
      DirectoryLockerTest.awaitRecordOf(tmp.resolve(".lock.owner"), ProcessHandle.current().pid());
      assertThat(holder.owner()).isPresent();
      assertThat(other.owner()).isPresent();
      assertThat(Files.readSymbolicLink(tmp.resolve(".lock.owner")).toString()).contains(" exclusive ");
      assertThat(other.acquireExclusiveLock(Duration.ZERO)).isFalse();
      assertThat(other.acquireSharedLock(SHORT)).isFalse();
      assertThatThrownBy(() -> other.lockExclusive(SHORT)).isInstanceOf(LockTimeoutException.class);
      other.releaseLock();
      new DirectoryLocker(tmp).releaseLock();
      try (DirectoryLock nested = holder.lockShared(Duration.ZERO)) {
        assertThat(nested.isHeld()).isTrue();
      }
      AtomicFiles.cleanupOrphanedTempFiles(tmp, Duration.ZERO);
      assertThat(tmp.resolve(".lock")).exists();

      String seen = tryInChild(tmp, LockMode.EXCLUSIVE, 300);
      assertThat(seen).isEqualTo("TIMEOUT " + ProcessHandle.current().pid() + " EXCLUSIVE");
      assertThat(tryInChild(tmp, LockMode.SHARED, 0)).startsWith("TIMEOUT");
    }
    assertThat(tryInChild(tmp, LockMode.EXCLUSIVE, 0)).isEqualTo("ACQUIRED");
  }

  @Test
  void anInterruptOfTheHoldingThreadNeverLetsAnotherProcessIn() throws Exception {
    DirectoryLocker holder = new DirectoryLocker(tmp);
    DirectoryLocker second = new DirectoryLocker(tmp);
    CountDownLatch held = new CountDownLatch(1);
    CountDownLatch interruptedWhileHolding = new CountDownLatch(1);
    CountDownLatch interruptedWhileWaiting = new CountDownLatch(1);
    CountDownLatch mayRelease = new CountDownLatch(1);
    AtomicBoolean secondGotIt = new AtomicBoolean(true);
    Thread t = new Thread(() -> {
      assertThat(holder.acquireExclusiveLock(SHORT)).isTrue();
      held.countDown();
      try {
        Thread.sleep(60_000);
      } catch (InterruptedException e) {
        interruptedWhileHolding.countDown();
      }
      // still holding, wait for a second locker of the same file and be interrupted in that wait
      secondGotIt.set(second.acquireExclusiveLock(Duration.ofSeconds(60)));
      interruptedWhileWaiting.countDown();
      Thread.interrupted();
      try {
        mayRelease.await();
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
      holder.releaseLock();
    });
    t.start();
    held.await();
    t.interrupt();
    interruptedWhileHolding.await();
    Thread.sleep(100);
    t.interrupt();
    interruptedWhileWaiting.await();
    assertThat(secondGotIt.get()).isFalse();
    assertThat(holder.heldMode()).contains(LockMode.EXCLUSIVE);
    assertThat(tryInChild(tmp, LockMode.EXCLUSIVE, 300)).startsWith("TIMEOUT");
    assertThat(tryInChild(tmp, LockMode.SHARED, 0)).startsWith("TIMEOUT");
    mayRelease.countDown();
    t.join();
    assertThat(tryInChild(tmp, LockMode.EXCLUSIVE, 0)).isEqualTo("ACQUIRED");
  }

  @Test
  void aWaiterInterruptedWhileTheKernelWaitsStopsAndTheLateGrantIsGivenBack() throws Exception {
    DirectoryLocker locker = new DirectoryLocker(tmp);
    try (ChildJvm child = hold(tmp, LockMode.EXCLUSIVE)) {
      AtomicBoolean result = new AtomicBoolean(true);
      AtomicLong returnedAt = new AtomicLong();
      Thread waiter = new Thread(() -> {
        result.set(locker.acquireExclusiveLock(Duration.ofSeconds(60)));
        returnedAt.set(System.nanoTime());
      });
      waiter.start();
      Thread.sleep(300);
      long interruptedAt = System.nanoTime();
      waiter.interrupt();
      waiter.join(5000);
      assertThat(result.get()).isFalse();
      assertThat(returnedAt.get() - interruptedAt).isLessThan(TimeUnit.MILLISECONDS.toNanos(500));
      // a timed-out waiter too
      assertThat(locker.acquireSharedLock(SHORT)).isFalse();
      child.send("release");
      assertThat(child.readLine()).isEqualTo("RELEASED");
    }
    // this JVM's kernel wait was still pending and got the lock for nobody: it must give it back
    assertThat(tryInChild(tmp, LockMode.EXCLUSIVE, 2000)).isEqualTo("ACQUIRED");
    assertThat(locker.acquireExclusiveLock(Duration.ZERO)).isTrue();
    locker.releaseLock();
  }

  @Test
  void killingTheHolderFreesTheLockForAnotherProcessWithinASecond() throws Exception {
    DirectoryLocker locker = new DirectoryLocker(tmp);
    try (ChildJvm child = hold(tmp, LockMode.EXCLUSIVE)) {
      AtomicLong gotAt = new AtomicLong();
      CompletableFuture<Boolean> waiter = CompletableFuture.supplyAsync(() -> {
        boolean ok = locker.acquireExclusiveLock(Duration.ofSeconds(30));
        gotAt.set(System.nanoTime());
        return ok;
      });
      Thread.sleep(300);
      assertThat(waiter).isNotDone();
      long killedAt = System.nanoTime();
      child.process.destroyForcibly();
      assertThat(waiter.get(10, TimeUnit.SECONDS)).isTrue();
      long nanos = gotAt.get() - killedAt;
      System.out.printf("lock free %.1f ms after SIGKILL of the holder%n", nanos / 1e6);
      assertThat(nanos).isLessThan(TimeUnit.SECONDS.toNanos(1));
      // the dead holder's record is not reported as the owner
      assertThat(locker.owner()).hasValueSatisfying(o -> assertThat(o.pid()).isEqualTo(ProcessHandle.current().pid()));
      locker.releaseLock();
    }
  }

  @Test
  void fourProcessesIncrementingACounterUnderTheLockLoseNoUpdate() throws Exception {
    Path counter = tmp.resolve("counter.txt");
    Path locks = tmp.resolve("locks");
    List<ChildJvm> children = new ArrayList<>();
    try {
      for (int i = 0; i < 4; i++) {
        children.add(ChildJvm.start(DirectoryLockerChild.class, "count", locks.toString(), counter.toString(), "50"));
      }
      for (ChildJvm c : children) {
        assertThat(c.readLine()).isEqualTo("DONE");
        assertThat(c.waitFor(90)).isZero();
      }
    } finally {
      children.forEach(ChildJvm::close);
    }
    assertThat(Files.readString(counter)).isEqualTo("200");
  }

  /**
   * Lucene's LockVerifyServer idea: each child reports "acquired" and "releasing" while it holds,
   * and waits for the answer, so the verifier's record of who holds is exact. Zero overlaps of an
   * exclusive hold with any other, and shared holders seen together (shared is not secretly
   * exclusive).
   */
  @Test
  void fourProcessesHammeringTheLockNeverOverlap() throws Exception {
    long seed = Long.getLong("lockStress.seed", System.nanoTime());
    int children = 4;
    int iterations = Integer.getInteger("lockStress.iterations", 300);
    System.out.println("DirectoryLocker stress: seed " + seed + " (rerun with -DlockStress.seed=" + seed + ")");
    Verifier verifier = new Verifier();
    List<ChildJvm> jvms = new ArrayList<>();
    long t0 = System.nanoTime();
    try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      server.setSoTimeout(60_000);
      for (int i = 0; i < children; i++) {
        jvms.add(ChildJvm.start(DirectoryLockerChild.class, "stress", tmp.toString(), Integer.toString(server.getLocalPort()),
            Long.toString(seed + i), Integer.toString(iterations)));
      }
      List<Thread> handlers = new ArrayList<>();
      for (int i = 0; i < children; i++) {
        Socket s = server.accept();
        s.setSoTimeout(60_000);
        Thread h = new Thread(() -> verifier.serve(s));
        h.start();
        handlers.add(h);
      }
      for (Thread h : handlers) {
        h.join(110_000);
      }
      for (ChildJvm c : jvms) {
        assertThat(c.waitFor(30)).isZero();
      }
    } finally {
      jvms.forEach(ChildJvm::close);
    }
    System.out.printf("DirectoryLocker stress: %d processes, %d holds (%d exclusive, %d shared), %d times shared holders"
        + " together, %d overlaps, %.1f s%n", children, verifier.holds, verifier.exclusive, verifier.holds - verifier.exclusive,
        verifier.sharedTogether, verifier.overlaps, (System.nanoTime() - t0) / 1e9);
    assertThat(verifier.errors).isEmpty();
    assertThat(verifier.finished).isEqualTo(children);
    assertThat(verifier.holds).isEqualTo((long) children * iterations);
    assertThat(verifier.overlaps).isZero();
    assertThat(verifier.sharedTogether).isPositive();
    assertThat(verifier.exclusive).isPositive();
  }

  private static final class Verifier {
    private int shared;
    private int exclusiveNow;
    long holds;
    long exclusive;
    long sharedTogether;
    long overlaps;
    int finished;
    final List<String> errors = new ArrayList<>();

    void serve(Socket s) {
      try (s) {
        DataInputStream in = new DataInputStream(s.getInputStream());
        DataOutputStream out = new DataOutputStream(s.getOutputStream());
        while (true) {
          byte b = in.readByte();
          if (b == '.') {
            synchronized (this) {
              finished++;
            }
            return;
          }
          synchronized (this) {
            switch (b) {
              case 'X' -> {
                holds++;
                exclusive++;
                if (exclusiveNow > 0 || shared > 0) {
                  overlaps++;
                }
                exclusiveNow++;
              }
              case 'S' -> {
                holds++;
                if (exclusiveNow > 0) {
                  overlaps++;
                }
                if (shared > 0) {
                  sharedTogether++;
                }
                shared++;
              }
              case 'x' -> exclusiveNow--;
              case 's' -> shared--;
              default -> errors.add("unknown message " + b);
            }
          }
          out.writeByte('k');
          out.flush();
        }
      } catch (EOFException e) {
        synchronized (this) {
          errors.add("a child hung up early");
        }
      } catch (IOException e) {
        synchronized (this) {
          errors.add(e.toString());
        }
      }
    }
  }
}
