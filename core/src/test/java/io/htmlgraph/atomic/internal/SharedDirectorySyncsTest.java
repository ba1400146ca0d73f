package io.htmlgraph.atomic.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The shared directory syncs, with a sync that records when it began and ended on one logical clock
 * and can be held: every caller returns only after a sync that began after it arrived has ended.
 */
class SharedDirectorySyncsTest {
  private static final Path DIR = Path.of("/d");
  private static final Path OTHER = Path.of("/other");

  /** A sync that records itself and may be held until released. */
  private static final class FakeSync implements SharedDirectorySyncs.Action {
    final AtomicLong clock = new AtomicLong();
    final List<long[]> syncs = new CopyOnWriteArrayList<>(); // {began, ended} of each completed one
    final Map<Integer, CountDownLatch> held = new ConcurrentHashMap<>(); // by call number, from 1
    final Map<Integer, CountDownLatch> entered = new ConcurrentHashMap<>();
    final Map<Integer, Thread> maker = new ConcurrentHashMap<>();
    final AtomicInteger calls = new AtomicInteger();
    volatile int failCall = -1;
    volatile long nanos; // how long each sync takes

    @Override
    public void sync(Path dir) throws IOException {
      long began = clock.incrementAndGet();
      int call = calls.incrementAndGet();
      maker.put(call, Thread.currentThread());
      entered.computeIfAbsent(call, c -> new CountDownLatch(1)).countDown();
      CountDownLatch gate = held.get(call);
      if (gate != null) {
        try {
          gate.await();
        } catch (InterruptedException e) {
          // what a FileChannel does when its thread is interrupted during force()
          Thread.currentThread().interrupt();
          throw new ClosedByInterruptException();
        }
      }
      if (nanos > 0) {
        java.util.concurrent.locks.LockSupport.parkNanos(nanos);
      }
      if (call == failCall) {
        throw new IOException("Input/output error (injected)");
      }
      syncs.add(new long[] {began, clock.incrementAndGet()});
    }

    void hold(int call) {
      held.put(call, new CountDownLatch(1));
    }

    void release(int call) {
      held.get(call).countDown();
    }

    void awaitEntered(int call) throws InterruptedException {
      assertThat(entered.computeIfAbsent(call, c -> new CountDownLatch(1)).await(10, TimeUnit.SECONDS))
          .as("sync call " + call + " began").isTrue();
    }

    /** @return whether a sync that began after {@code arrived} ended before {@code returned} */
    boolean servedBetween(long arrived, long returned) {
      return syncs.stream().anyMatch(s -> s[0] > arrived && s[1] < returned);
    }
  }

  /** A caller on a thread of its own, recording its arrival, return and outcome on the clock. */
  private static final class Caller extends Thread {
    final SharedDirectorySyncs syncs;
    final FakeSync fake;
    final Path dir;
    volatile long arrived;
    volatile long returned;
    volatile Boolean shared;
    final AtomicReference<Throwable> failure = new AtomicReference<>();
    volatile boolean interruptedAfter;

    Caller(SharedDirectorySyncs syncs, FakeSync fake, Path dir) {
      this.syncs = syncs;
      this.fake = fake;
      this.dir = dir;
      setDaemon(true);
    }

    @Override
    public void run() {
      arrived = fake.clock.incrementAndGet();
      try {
        shared = syncs.sync(dir);
      } catch (Throwable t) {
        failure.set(t);
      }
      returned = fake.clock.incrementAndGet();
      interruptedAfter = Thread.currentThread().isInterrupted();
    }

    Caller begin() {
      start();
      return this;
    }

    /** Waits until it waits in the syncs (its thread parked in a monitor's wait). */
    Caller awaitWaiting() throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (getState() != State.WAITING) {
        assertThat(System.nanoTime()).as("caller waiting").isLessThan(deadline);
        Thread.sleep(1);
      }
      return this;
    }

    void finish() throws InterruptedException {
      join(TimeUnit.SECONDS.toMillis(10));
      assertThat(isAlive()).as("caller returned").isFalse();
    }
  }

  /** Starts a caller whose sync (the first) is held until {@code fake.release(1)}, and waits until it is in it. */
  private static Caller firstInItsSync(SharedDirectorySyncs syncs, FakeSync fake) throws InterruptedException {
    fake.hold(1);
    Caller first = new Caller(syncs, fake, DIR).begin();
    fake.awaitEntered(1);
    return first;
  }

  @Test
  void aLoneCallerMakesItsOwnSyncAtOnce() throws IOException {
    FakeSync fake = new FakeSync();
    SharedDirectorySyncs syncs = new SharedDirectorySyncs(fake);
    assertThat(syncs.sync(DIR)).as("shared").isFalse();
    assertThat(syncs.sync(DIR)).isFalse();
    assertThat(fake.calls).hasValue(2);
    assertThat(syncs.active()).isZero();
  }

  @Test
  void aCallerArrivingDuringASyncWaitsForTheNextWhichBeginsAfterItArrived() throws Exception {
    FakeSync fake = new FakeSync();
    SharedDirectorySyncs syncs = new SharedDirectorySyncs(fake);
    Caller first = firstInItsSync(syncs, fake);
    Caller late = new Caller(syncs, fake, DIR).begin().awaitWaiting();
    assertThat(late.returned).as("returned during a sync that began before it arrived").isZero();
    fake.release(1);
    first.finish();
    late.finish();
    assertThat(late.failure.get()).isNull();
    assertThat(fake.calls).hasValue(2);
    assertThat(fake.servedBetween(late.arrived, late.returned)).isTrue();
    assertThat(fake.syncs.get(0)[0]).as("the first sync began before the late caller arrived")
        .isLessThan(late.arrived);
    assertThat(syncs.active()).isZero();
  }

  @Test
  void callersGatheredDuringASyncShareTheNextOne() throws Exception {
    FakeSync fake = new FakeSync();
    SharedDirectorySyncs syncs = new SharedDirectorySyncs(fake);
    Caller first = firstInItsSync(syncs, fake);
    List<Caller> gathered = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      gathered.add(new Caller(syncs, fake, DIR).begin().awaitWaiting());
    }
    fake.release(1);
    first.finish();
    for (Caller c : gathered) {
      c.finish();
      assertThat(c.failure.get()).isNull();
      assertThat(c.shared).as("shared").isTrue();
      assertThat(fake.servedBetween(c.arrived, c.returned)).isTrue();
    }
    assertThat(first.shared).isFalse();
    assertThat(fake.calls).as("one sync for the eight").hasValue(2);
  }

  @Test
  void aFailedSyncFailsEveryCallerItServedAndIsNotRetried() throws Exception {
    FakeSync fake = new FakeSync();
    SharedDirectorySyncs syncs = new SharedDirectorySyncs(fake);
    fake.failCall = 2;
    Caller first = firstInItsSync(syncs, fake);
    List<Caller> gathered = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      gathered.add(new Caller(syncs, fake, DIR).begin().awaitWaiting());
    }
    fake.release(1);
    first.finish();
    assertThat(first.failure.get()).isNull();
    List<Throwable> failures = new ArrayList<>();
    for (Caller c : gathered) {
      c.finish();
      failures.add(c.failure.get());
    }
    assertThat(fake.calls).as("never retried").hasValue(2);
    assertThat(failures).allSatisfy(t -> assertThat(t).isInstanceOf(IOException.class)
        .satisfies(e -> assertThat(e.getCause() == null ? e : e.getCause()).hasMessageContaining("injected")));
    assertThat(failures).as("each its own exception").doesNotHaveDuplicates();
    assertThat(syncs.active()).isZero();
  }

  @Test
  void aWaiterInterruptedLeavesAloneWithItsStatusKept() throws Exception {
    FakeSync fake = new FakeSync();
    SharedDirectorySyncs syncs = new SharedDirectorySyncs(fake);
    Caller first = firstInItsSync(syncs, fake);
    Caller interrupted = new Caller(syncs, fake, DIR).begin().awaitWaiting();
    Caller other = new Caller(syncs, fake, DIR).begin().awaitWaiting();
    interrupted.interrupt();
    interrupted.finish();
    assertThat(interrupted.failure.get()).isInstanceOf(ClosedByInterruptException.class);
    assertThat(interrupted.interruptedAfter).as("interrupt status kept").isTrue();
    fake.release(1);
    first.finish();
    other.finish();
    assertThat(other.failure.get()).isNull();
    assertThat(fake.servedBetween(other.arrived, other.returned)).isTrue();
    assertThat(fake.calls).hasValue(2);
  }

  @Test
  void aSyncWhoseMakerIsInterruptedIsMadeAgainForItsOtherCallers() throws Exception {
    FakeSync fake = new FakeSync();
    SharedDirectorySyncs syncs = new SharedDirectorySyncs(fake);
    fake.hold(2);
    Caller first = firstInItsSync(syncs, fake);
    Caller b = new Caller(syncs, fake, DIR).begin().awaitWaiting();
    Caller c = new Caller(syncs, fake, DIR).begin().awaitWaiting();
    fake.release(1);
    fake.awaitEntered(2); // made by b or c, for both
    Caller maker = fake.maker.get(2) == b ? b : c;
    Caller waiter = maker == b ? c : b;
    assertThat(fake.maker.get(2)).isIn(b, c);
    maker.interrupt();
    maker.finish();
    waiter.finish();
    first.finish();
    assertThat(maker.failure.get()).isInstanceOf(ClosedByInterruptException.class);
    assertThat(maker.interruptedAfter).isTrue();
    assertThat(waiter.failure.get()).isNull();
    assertThat(fake.calls).as("the interrupted sync was made again").hasValue(3);
    assertThat(fake.servedBetween(waiter.arrived, waiter.returned)).isTrue();
    assertThat(syncs.active()).isZero();
  }

  @Test
  void aSyncOfOneDirectoryDoesNotWaitForAnotherDirectory() throws Exception {
    FakeSync fake = new FakeSync();
    SharedDirectorySyncs syncs = new SharedDirectorySyncs(fake);
    Caller first = firstInItsSync(syncs, fake);
    Caller elsewhere = new Caller(syncs, fake, OTHER).begin();
    elsewhere.finish(); // while the first directory's sync is still held
    assertThat(elsewhere.failure.get()).isNull();
    assertThat(first.isAlive()).isTrue();
    fake.release(1);
    first.finish();
    assertThat(fake.calls).hasValue(2);
  }

  /** Many callers at once, each checked: served by a sync of its directory that began after it arrived. */
  @Test
  void underContentionEveryCallerIsServedByASyncThatBeganAfterItArrived() throws Exception {
    Map<Path, FakeSync> fakes = Map.of(DIR, new FakeSync(), OTHER, new FakeSync());
    fakes.values().forEach(f -> f.nanos = TimeUnit.MICROSECONDS.toNanos(100)); // long enough to gather callers
    SharedDirectorySyncs syncs = new SharedDirectorySyncs(dir -> fakes.get(dir).sync(dir));
    int threads = 8;
    int each = 300;
    Map<Path, List<long[]>> calls = Map.of(DIR, new CopyOnWriteArrayList<>(), OTHER, new CopyOnWriteArrayList<>());
    List<Thread> workers = new ArrayList<>();
    AtomicReference<Throwable> failed = new AtomicReference<>();
    for (int t = 0; t < threads; t++) {
      Path dir = t % 4 == 3 ? OTHER : DIR; // two directories, one busier
      FakeSync fake = fakes.get(dir);
      Thread w = new Thread(() -> {
        try {
          for (int i = 0; i < each; i++) {
            long arrived = fake.clock.incrementAndGet();
            syncs.sync(dir);
            calls.get(dir).add(new long[] {arrived, fake.clock.incrementAndGet()});
          }
        } catch (Throwable e) {
          failed.set(e);
        }
      });
      workers.add(w);
      w.start();
    }
    for (Thread w : workers) {
      w.join(TimeUnit.SECONDS.toMillis(60));
      assertThat(w.isAlive()).isFalse();
    }
    assertThat(failed.get()).isNull();
    int total = 0;
    for (Path dir : List.of(DIR, OTHER)) {
      FakeSync fake = fakes.get(dir);
      assertThat(calls.get(dir)).allSatisfy(c -> assertThat(fake.servedBetween(c[0], c[1])).isTrue());
      total += calls.get(dir).size();
      System.out.println("[shared-syncs] " + dir + ": " + calls.get(dir).size() + " callers, "
          + fake.calls.get() + " syncs");
    }
    assertThat(total).isEqualTo(threads * each);
    assertThat(fakes.get(DIR).calls.get()).as("syncs shared on the busy directory").isLessThan(threads * each * 3 / 4);
    assertThat(syncs.active()).isZero();
  }
}
