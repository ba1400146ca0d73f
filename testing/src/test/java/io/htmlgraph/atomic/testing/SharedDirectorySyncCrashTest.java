package io.htmlgraph.atomic.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.htmlgraph.atomic.AtomicFileWriter;
import io.htmlgraph.atomic.internal.SharedDirectorySyncs;
import io.htmlgraph.atomic.internal.SharedDirectorySyncs.Flaw;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Two writers of one directory at {@code FULL} whose directory syncs are shared, at every crash
 * point: writer A's sync is held (after the fsync, before its callers are told) until writer B has
 * renamed its file, so B arrives while a sync runs that began before its rename. The shared syncs must make B wait for a sync that begins after its
 * rename: once either call has returned, its file is new. The protocol with one step broken (built in
 * through the engine's test hook) must be caught, under both sync models: B joining the sync that was
 * running when it came ({@link Flaw#JOIN_RUNNING}), or returning without waiting for one
 * ({@link Flaw#RETURN_BEFORE_SYNC}).
 */
class SharedDirectorySyncCrashTest {
  private static final String A_RETURNED = "a returned";
  private static final String B_RETURNED = "b returned";

  @ParameterizedTest(name = "{0} under STRICT")
  @EnumSource(Flaw.class)
  void strictModel(Flaw flaw) throws Exception {
    check(flaw, SyncModel.STRICT);
  }

  @ParameterizedTest(name = "{0} under EXT4_LIKE")
  @EnumSource(Flaw.class)
  void ext4LikeModel(Flaw flaw) throws Exception {
    check(flaw, SyncModel.EXT4_LIKE);
  }

  private static void check(Flaw flaw, SyncModel model) throws Exception {
    CrashReport report = CrashSimulator.create().model(model)
        .setup(root -> {
          Files.writeString(root.resolve("a.txt"), "old a");
          Files.writeString(root.resolve("b.txt"), "old b");
        })
        .run(root -> concurrentWrites(root, flaw), state -> {
          String a = state.read("a.txt").orElseThrow(() -> new AssertionError("a.txt lost"));
          String b = state.read("b.txt").orElseThrow(() -> new AssertionError("b.txt lost"));
          assertThat(a).isIn("old a", "new a");
          assertThat(b).isIn("old b", "new b");
          if (state.passed(A_RETURNED)) {
            assertThat(a).as("a.txt once its write returned").isEqualTo("new a");
          }
          if (state.passed(B_RETURNED)) {
            assertThat(b).as("b.txt once its write returned").isEqualTo("new b");
          }
        });
    System.out.println("[crashsim] shared directory syncs, " + flaw + " (" + model + "): " + report.summary());
    if (flaw == Flaw.NONE) {
      report.assertNoViolations();
    } else {
      assertThat(report.violationCount()).as("a flawed shared sync must be caught: " + flaw).isPositive();
      assertThat(report.violations()).allSatisfy(v -> assertThat(v.failure()).contains("b.txt once its write returned"));
    }
  }

  /** A writes a.txt and holds its directory sync until B has renamed b.txt (with the flaw, if any). */
  private static void concurrentWrites(Path root, Flaw flaw) throws Exception {
    CountDownLatch aSyncing = new CountDownLatch(1);
    AtomicBoolean first = new AtomicBoolean(true);
    AtomicReference<Throwable> bFailed = new AtomicReference<>();
    Thread b = new Thread(() -> {
      try {
        assertThat(aSyncing.await(10, TimeUnit.SECONDS)).isTrue();
        SharedDirectorySyncs.withHook(new SharedDirectorySyncs.Hook() {
          @Override
          public Flaw flaw() {
            return flaw;
          }
        }, () -> {
          AtomicFileWriter.atomicWrite(root.resolve("b.txt"), "new b");
          return null;
        });
        CrashSimulator.mark(root, B_RETURNED);
      } catch (Throwable t) {
        bFailed.set(t);
      }
    }, "writer b");
    b.start();
    SharedDirectorySyncs.withHook(new SharedDirectorySyncs.Hook() {
      @Override
      public void afterSync(Path dir) throws IOException {
        if (!first.getAndSet(false)) {
          return;
        }
        aSyncing.countDown();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!Files.readString(root.resolve("b.txt")).equals("new b")) {
          assertThat(System.nanoTime()).as("b renamed").isLessThan(deadline);
          sleep(1);
        }
        // B has renamed: let it reach the directory sync (and wait there, or return with the flaw)
        while (b.getState() != Thread.State.WAITING && b.getState() != Thread.State.TERMINATED) {
          assertThat(System.nanoTime()).as("b at its directory sync").isLessThan(deadline);
          sleep(1);
        }
      }
    }, () -> {
      AtomicFileWriter.atomicWrite(root.resolve("a.txt"), "new a");
      return null;
    });
    CrashSimulator.mark(root, A_RETURNED);
    b.join(TimeUnit.SECONDS.toMillis(20));
    assertThat(b.isAlive()).isFalse();
    if (bFailed.get() != null) {
      throw new AssertionError("writer b failed", bFailed.get());
    }
  }

  private static void sleep(long ms) throws IOException {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException();
    }
  }
}
