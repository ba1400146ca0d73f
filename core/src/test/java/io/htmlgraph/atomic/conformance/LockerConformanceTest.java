package io.htmlgraph.atomic.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.htmlgraph.atomic.HeldLock;
import io.htmlgraph.atomic.LockMode;
import io.htmlgraph.atomic.LockOwner;
import io.htmlgraph.atomic.LockTimeoutException;
import io.htmlgraph.atomic.Locker;
import io.htmlgraph.atomic.internal.OwnerRecords;
import io.htmlgraph.atomic.testsupport.ChildJvm;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The rules every {@link Locker} keeps (the {@code Locker} javadoc's), run against each
 * implementation by a subclass: exclusion between lockers, threads and JVMs, shared admits shared,
 * timeouts, interrupts, re-entry, no upgrade, the holder's name. Every test is bounded in time.
 *
 * <p>A subclass says how to make a new locker of one lock (a new owner each call; all of one test's
 * lockers on the same lock) and how a child JVM makes one ({@link LockerChild}).
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
public abstract class LockerConformanceTest {
  protected static final Duration SHORT = Duration.ofMillis(200);
  protected static final Duration LONG = Duration.ofSeconds(30);

  /** @return a new locker of this test's lock: a new owner */
  protected abstract Locker newLocker() throws Exception;

  /** @return the factory a child JVM makes a locker of this test's lock with */
  protected abstract Class<? extends LockerFactory> childFactory();

  /** @return the arguments of {@link #childFactory()} for this test's lock */
  protected abstract List<String> childFactoryArgs();

  /** @return the name {@link LockTimeoutException#lockName()} gives this test's lock */
  protected abstract String lockName();

  private static HeldLock lock(Locker l, LockMode mode, Duration timeout) throws IOException {
    return mode == LockMode.EXCLUSIVE ? l.lockExclusive(timeout) : l.lockShared(timeout);
  }

  /** @return whether {@code l} gets {@code mode} on a single try (released at once if so) */
  private static boolean gets(Locker l, LockMode mode) throws IOException {
    try (HeldLock h = lock(l, mode, Duration.ZERO)) {
      return h.isHeld();
    } catch (LockTimeoutException e) {
      return false;
    }
  }

  private ChildJvm child(String command, LockMode mode, Duration wait) throws IOException {
    List<String> args = new ArrayList<>(List.of(childFactory().getName(), command, mode.name(),
        Long.toString(wait.toMillis())));
    args.addAll(childFactoryArgs());
    return ChildJvm.start(LockerChild.class, args.toArray(String[]::new));
  }

  // ---------------------------------------------------------------------------------------------
  // Exclusion

  @Test
  void anExclusiveHoldKeepsOutAnotherLockersExclusiveAndShared() throws Exception {
    Locker a = newLocker();
    Locker b = newLocker();
    try (HeldLock held = a.lockExclusive(SHORT)) {
      assertThat(held.isHeld()).isTrue();
      assertThat(held.mode()).isEqualTo(LockMode.EXCLUSIVE);
      assertThat(gets(b, LockMode.EXCLUSIVE)).isFalse();
      assertThat(gets(b, LockMode.SHARED)).isFalse();
    }
    assertThat(gets(b, LockMode.EXCLUSIVE)).isTrue();
  }

  @Test
  void sharedAdmitsSharedAndKeepsOutExclusive() throws Exception {
    Locker a = newLocker();
    Locker b = newLocker();
    Locker c = newLocker();
    try (HeldLock ra = a.lockShared(SHORT); HeldLock rb = b.lockShared(SHORT)) {
      assertThat(ra.isHeld()).isTrue();
      assertThat(rb.isHeld()).isTrue();
      assertThat(gets(c, LockMode.EXCLUSIVE)).isFalse();
      assertThatThrownBy(() -> c.lockExclusive(SHORT)).isInstanceOf(LockTimeoutException.class);
    }
    assertThat(gets(c, LockMode.EXCLUSIVE)).isTrue();
  }

  @Test
  void aWaiterIsServedWhenTheHolderReleases() throws Exception {
    Locker a = newLocker();
    Locker b = newLocker();
    HeldLock held = a.lockExclusive(SHORT);
    CompletableFuture<HeldLock> waiter = CompletableFuture.supplyAsync(() -> {
      try {
        return b.lockExclusive(LONG);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    Thread.sleep(300);
    assertThat(waiter).isNotDone();
    held.close();
    try (HeldLock got = waiter.get(20, TimeUnit.SECONDS)) {
      assertThat(got.isHeld()).isTrue();
      assertThat(gets(a, LockMode.SHARED)).isFalse();
    }
  }

  /** Lucene's LockStressTest idea: holders count themselves in and out; an overlap is a failure. */
  @Test
  void fourThreadsWithTheirOwnLockersNeverOverlapAnExclusiveHold() throws Exception {
    AtomicInteger readers = new AtomicInteger();
    AtomicInteger writers = new AtomicInteger();
    AtomicInteger overlaps = new AtomicInteger();
    AtomicInteger exclusiveHolds = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        Locker locker = newLocker();
        int seed = t;
        done.add(pool.submit(() -> {
          java.util.Random random = new java.util.Random(seed);
          for (int i = 0; i < 40; i++) {
            boolean exclusive = random.nextInt(3) == 0;
            try (HeldLock h = lock(locker, exclusive ? LockMode.EXCLUSIVE : LockMode.SHARED, LONG)) {
              if (exclusive) {
                exclusiveHolds.incrementAndGet();
                if (writers.incrementAndGet() != 1 || readers.get() != 0) {
                  overlaps.incrementAndGet();
                }
                java.util.concurrent.locks.LockSupport.parkNanos(200_000);
                writers.decrementAndGet();
              } else {
                readers.incrementAndGet();
                if (writers.get() != 0) {
                  overlaps.incrementAndGet();
                }
                java.util.concurrent.locks.LockSupport.parkNanos(200_000);
                readers.decrementAndGet();
              }
            }
          }
          return null;
        }));
      }
      for (Future<?> f : done) {
        f.get(100, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(overlaps.get()).isZero();
    assertThat(exclusiveHolds.get()).isPositive();
  }

  @Test
  void anExclusiveHolderInAnotherJvmKeepsThisOneOutAndIsNamed() throws Exception {
    Locker mine = newLocker();
    try (ChildJvm holder = child("hold", LockMode.EXCLUSIVE, LONG)) {
      assertThat(holder.readLine()).isEqualTo("ACQUIRED");
      assertThat(gets(mine, LockMode.SHARED)).isFalse();
      // a DirectoryLocker's holder writes its record after 10 ms of holding: ask until it is there
      Optional<LockOwner> owner = Optional.empty();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (owner.isEmpty() && System.nanoTime() < deadline) {
        owner = mine.owner();
        Thread.sleep(20);
      }
      assertThat(owner).hasValueSatisfying(o -> {
        assertThat(o.pid()).isEqualTo(holder.pid());
        assertThat(o.mode()).isEqualTo(LockMode.EXCLUSIVE);
      });
      assertThatThrownBy(() -> mine.lockExclusive(SHORT))
          .isInstanceOfSatisfying(LockTimeoutException.class,
              e -> assertThat(e.holder()).hasValueSatisfying(o -> assertThat(o.pid()).isEqualTo(holder.pid())));
      holder.send("release");
      assertThat(holder.readLine()).isEqualTo("RELEASED");
      // released means released: a single try gets it now
      assertThat(gets(mine, LockMode.EXCLUSIVE)).isTrue();
      assertThat(holder.waitFor(60)).isZero();
    }
  }

  @Test
  void aSharedHolderInThisJvmAdmitsAnotherJvmsSharedAndKeepsOutItsExclusive() throws Exception {
    Locker mine = newLocker();
    try (HeldLock shared = mine.lockShared(SHORT)) {
      try (ChildJvm reader = child("try", LockMode.SHARED, SHORT)) {
        assertThat(reader.readLine()).isEqualTo("ACQUIRED");
        assertThat(reader.waitFor(60)).isZero();
      }
      try (ChildJvm writer = child("try", LockMode.EXCLUSIVE, SHORT)) {
        assertThat(writer.readLine()).isEqualTo("TIMEOUT " + ProcessHandle.current().pid());
        assertThat(writer.waitFor(60)).isZero();
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Timeouts

  @Test
  void aZeroOrNegativeTimeoutTriesOnce() throws Exception {
    Locker a = newLocker();
    Locker b = newLocker();
    try (HeldLock free = b.lockExclusive(Duration.ZERO)) {
      assertThat(free.isHeld()).isTrue();
    }
    try (HeldLock held = a.lockExclusive(SHORT)) {
      long t0 = System.nanoTime();
      assertThatThrownBy(() -> b.lockExclusive(Duration.ZERO)).isInstanceOf(LockTimeoutException.class);
      assertThatThrownBy(() -> b.lockShared(Duration.ofSeconds(-5))).isInstanceOf(LockTimeoutException.class);
      // neither waited for the holder (which never lets go here): generous, the machine is shared
      assertThat(System.nanoTime() - t0).isLessThan(TimeUnit.SECONDS.toNanos(10));
    }
    try (HeldLock again = b.lockShared(Duration.ofSeconds(-1))) {
      assertThat(again.isHeld()).isTrue();
    }
  }

  @Test
  void aShortTimeoutEndsInBoundedTimeWithAnExceptionNamingTheLockAndTheHolder() throws Exception {
    Locker a = newLocker();
    Locker b = newLocker();
    try (HeldLock held = a.lockExclusive(SHORT)) {
      long t0 = System.nanoTime();
      LockTimeoutException e = (LockTimeoutException) org.assertj.core.api.Assertions.catchThrowable(
          () -> b.lockShared(SHORT));
      long took = System.nanoTime() - t0;
      assertThat(e).isNotNull();
      assertThat(took).isGreaterThanOrEqualTo(SHORT.toNanos());
      assertThat(took).isLessThan(SHORT.toNanos() + TimeUnit.SECONDS.toNanos(10));
      assertThat(e.mode()).isEqualTo(LockMode.SHARED);
      assertThat(e.lockName()).isEqualTo(lockName());
      assertThat(e.getMessage()).contains(lockName(), "within " + SHORT.toMillis() + " ms",
          "pid " + ProcessHandle.current().pid());
      assertThat(e.holder()).hasValueSatisfying(o -> {
        assertThat(o.pid()).isEqualTo(ProcessHandle.current().pid());
        assertThat(o.host()).isEqualTo(OwnerRecords.host());
        assertThat(o.mode()).isEqualTo(LockMode.EXCLUSIVE);
      });
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Interrupts

  @Test
  void anInterruptedThreadDoesNotAcquireEvenAFreeLock() throws Exception {
    Locker a = newLocker();
    Locker b = newLocker();
    Thread.currentThread().interrupt();
    try {
      assertThatThrownBy(() -> a.lockExclusive(SHORT)).isInstanceOf(InterruptedIOException.class);
      assertThat(Thread.currentThread().isInterrupted()).isTrue();
      assertThatThrownBy(() -> a.lockShared(Duration.ZERO)).isInstanceOf(InterruptedIOException.class);
      assertThat(Thread.currentThread().isInterrupted()).isTrue();
    } finally {
      Thread.interrupted();
    }
    assertThat(gets(b, LockMode.EXCLUSIVE)).isTrue();
  }

  @Test
  void anInterruptedWaiterStopsKeepsItsStatusAndHoldsNothing() throws Exception {
    Locker a = newLocker();
    Locker b = newLocker();
    Locker c = newLocker();
    HeldLock held = a.lockExclusive(SHORT);
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    AtomicBoolean statusKept = new AtomicBoolean();
    Thread waiter = new Thread(() -> {
      try {
        b.lockExclusive(LONG).close();
      } catch (Throwable e) {
        thrown.set(e);
        statusKept.set(Thread.currentThread().isInterrupted());
      }
    });
    waiter.start();
    Thread.sleep(300);
    waiter.interrupt();
    waiter.join(10_000);
    assertThat(waiter.isAlive()).as("the waiter stopped").isFalse();
    assertThat(thrown.get()).isInstanceOf(InterruptedIOException.class);
    assertThat(statusKept.get()).isTrue();
    held.close();
    // the interrupted waiter left nothing behind: neither a hold nor a place in a queue
    assertThat(gets(c, LockMode.EXCLUSIVE)).isTrue();
    assertThat(gets(b, LockMode.EXCLUSIVE)).isTrue();
  }

  @Test
  void anInterruptOfTheHolderNeverReleasesTheLock() throws Exception {
    Locker a = newLocker();
    Locker b = newLocker();
    CountDownLatch held = new CountDownLatch(1);
    CountDownLatch interrupted = new CountDownLatch(1);
    CountDownLatch mayRelease = new CountDownLatch(1);
    AtomicBoolean heldWhileInterrupted = new AtomicBoolean();
    AtomicBoolean statusKept = new AtomicBoolean();
    Thread holder = new Thread(() -> {
      try (HeldLock h = a.lockExclusive(SHORT)) {
        held.countDown();
        try {
          Thread.sleep(60_000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        heldWhileInterrupted.set(h.isHeld());
        statusKept.set(Thread.currentThread().isInterrupted());
        interrupted.countDown();
        // wait with the status cleared, then close with it set again
        Thread.interrupted();
        mayRelease.await();
        Thread.currentThread().interrupt();
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    });
    holder.start();
    assertThat(held.await(30, TimeUnit.SECONDS)).isTrue();
    holder.interrupt();
    assertThat(interrupted.await(30, TimeUnit.SECONDS)).isTrue();
    assertThat(heldWhileInterrupted.get()).as("isHeld() in the interrupted holder").isTrue();
    assertThat(statusKept.get()).isTrue();
    assertThat(gets(b, LockMode.SHARED)).isFalse();
    mayRelease.countDown();
    holder.join(30_000);
    // the holder closed its hold with its interrupt status set: that close released it
    assertThat(gets(b, LockMode.EXCLUSIVE)).isTrue();
  }

  // ---------------------------------------------------------------------------------------------
  // Re-entry, upgrade, owner of the holds

  @Test
  void reacquiringIsCountedAndEachHoldNeedsOneClose() throws Exception {
    Locker a = newLocker();
    Locker b = newLocker();
    HeldLock first = a.lockExclusive(SHORT);
    HeldLock second = a.lockExclusive(Duration.ZERO);
    assertThat(second.isHeld()).isTrue();
    second.close();
    assertThat(first.isHeld()).isTrue();
    assertThat(gets(b, LockMode.SHARED)).isFalse();
    first.close();
    assertThat(first.isHeld()).isFalse();
    assertThat(gets(b, LockMode.SHARED)).isTrue();
  }

  @Test
  void anExclusiveHolderMayAlsoTakeSharedAndStaysExclusive() throws Exception {
    Locker a = newLocker();
    Locker b = newLocker();
    try (HeldLock outer = a.lockExclusive(SHORT)) {
      try (HeldLock inner = a.lockShared(Duration.ZERO)) {
        assertThat(inner.isHeld()).isTrue();
        assertThat(gets(b, LockMode.SHARED)).isFalse();
      }
      assertThat(outer.isHeld()).isTrue();
      assertThat(gets(b, LockMode.SHARED)).isFalse();
    }
    assertThat(gets(b, LockMode.SHARED)).isTrue();
  }

  @Test
  void thereIsNoUpgradeFromSharedToExclusive() throws Exception {
    Locker a = newLocker();
    Locker b = newLocker();
    try (HeldLock shared = a.lockShared(SHORT)) {
      assertThatThrownBy(() -> a.lockExclusive(SHORT))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("no upgrade");
      assertThat(shared.isHeld()).isTrue();
      assertThat(gets(b, LockMode.SHARED)).isTrue();
      assertThat(gets(b, LockMode.EXCLUSIVE)).isFalse();
    }
    assertThat(gets(b, LockMode.EXCLUSIVE)).isTrue();
  }

  @Test
  void threadsSharingOneLockerShareItsHolds() throws Exception {
    Locker shared = newLocker();
    Locker other = newLocker();
    HeldLock mine = shared.lockExclusive(SHORT);
    HeldLock theirs = CompletableFuture.supplyAsync(() -> {
      try {
        return shared.lockExclusive(Duration.ZERO);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }).get(30, TimeUnit.SECONDS);
    assertThat(theirs.isHeld()).isTrue();
    mine.close();
    assertThat(gets(other, LockMode.SHARED)).isFalse();
    // a hold can be given back by any thread
    CompletableFuture.runAsync(theirs::close).get(30, TimeUnit.SECONDS);
    assertThat(theirs.isHeld()).isFalse();
    assertThat(gets(other, LockMode.EXCLUSIVE)).isTrue();
  }

  @Test
  void closingTwiceReleasesOnceAndAClosedHoldIsNotHeld() throws Exception {
    Locker a = newLocker();
    Locker b = newLocker();
    HeldLock outer = a.lockShared(SHORT);
    HeldLock inner = a.lockShared(SHORT);
    inner.close();
    inner.close();
    assertThat(inner.isHeld()).isFalse();
    assertThat(outer.isHeld()).isTrue();
    assertThat(gets(b, LockMode.EXCLUSIVE)).isFalse();
    outer.close();
    assertThat(outer.isHeld()).isFalse();
    assertThat(gets(b, LockMode.EXCLUSIVE)).isTrue();
  }

  @Test
  void ownerNamesTheHolderWhileHeldAndNobodyAfter() throws Exception {
    Locker a = newLocker();
    Locker b = newLocker();
    assertThat(b.owner()).isEmpty();
    try (HeldLock held = a.lockShared(SHORT)) {
      Optional<LockOwner> owner = b.owner();
      assertThat(owner).hasValueSatisfying(o -> {
        assertThat(o.pid()).isEqualTo(ProcessHandle.current().pid());
        assertThat(o.host()).isEqualTo(OwnerRecords.host());
        assertThat(o.mode()).isEqualTo(LockMode.SHARED);
      });
    }
    assertThat(b.owner()).isEmpty();
  }

  @Test
  void fencingTokensGrowWithEveryExclusiveGrantOrAreZero() throws Exception {
    Locker a = newLocker();
    Locker b = newLocker();
    long first;
    try (HeldLock h = a.lockExclusive(SHORT)) {
      first = h.fencingToken();
    }
    long second;
    try (HeldLock h = b.lockExclusive(SHORT)) {
      second = h.fencingToken();
    }
    long third;
    try (HeldLock h = a.lockExclusive(SHORT)) {
      third = h.fencingToken();
    }
    if (first == 0) {
      assertThat(List.of(second, third)).as("a lock that cannot be lost has no tokens").containsOnly(0L);
    } else {
      assertThat(second).isGreaterThan(first);
      assertThat(third).isGreaterThan(second);
    }
  }

  @Test
  void badArgumentsAreRefusedAndNothingIsHeld() throws Exception {
    Locker a = newLocker();
    Locker b = newLocker();
    assertThatThrownBy(() -> a.lockExclusive(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> a.lockShared(null)).isInstanceOf(NullPointerException.class);
    assertThat(gets(b, LockMode.EXCLUSIVE)).isTrue();
  }
}
