package io.htmlgraph.atomic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.htmlgraph.atomic.testsupport.ChildJvm;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import jdk.jfr.EventType;
import jdk.jfr.FlightRecorder;
import jdk.jfr.Recording;
import jdk.jfr.SettingDescriptor;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The library's Flight Recorder events, recorded to a file with every threshold at zero and read
 * back: a commit with its phases, a lock wait with its outcome, a sweep with what it saw. And the
 * library without the {@code jdk.jfr} module: no events, no failure.
 */
class FlightRecorderEventsTest {
  private static final String COMMIT = "io.htmlgraph.atomic.Commit";
  private static final String LOCK_WAIT = "io.htmlgraph.atomic.LockWait";
  private static final String SWEEP = "io.htmlgraph.atomic.Sweep";

  @TempDir Path dir;
  private Recording recording;

  @BeforeEach
  void record() {
    recording = new Recording();
    for (String name : List.of(COMMIT, LOCK_WAIT, SWEEP)) {
      recording.enable(name).withThreshold(Duration.ZERO);
    }
    recording.start();
  }

  @AfterEach
  void stop() {
    recording.close();
  }

  /** Stops the recording, writes it to a file and reads back the events named {@code name}. */
  private List<RecordedEvent> recorded(String name) throws IOException {
    recording.stop();
    Path file = dir.resolve("recording.jfr");
    recording.dump(file);
    return RecordingFile.readAllEvents(file).stream().filter(e -> e.getEventType().getName().equals(name)).toList();
  }

  private static RecordedEvent only(List<RecordedEvent> events, String field, String value) {
    List<RecordedEvent> matching = events.stream().filter(e -> value.equals(e.getString(field))).toList();
    assertThat(matching).as("events with %s = %s among %s", field, value, events).hasSize(1);
    return matching.get(0);
  }

  @Test
  void aCommitIsRecordedWithItsSizeDurabilityPhasesAndOutcome() throws IOException {
    Path full = dir.resolve("full.txt");
    Path none = dir.resolve("none.txt");
    byte[] content = "x".repeat(1234).getBytes(StandardCharsets.UTF_8);
    AtomicFileWriter.atomicWrite(full, content);
    AtomicFileWriter.atomicWrite(none, new byte[7], WriteOptions.builder().durability(Durability.NONE).build());

    List<RecordedEvent> commits = recorded(COMMIT);
    RecordedEvent f = only(commits, "path", full.toString());
    assertThat(f.getLong("bytes")).isEqualTo(1234);
    assertThat(f.getString("durability")).isEqualTo("FULL");
    assertThat(f.getString("outcome")).isEqualTo("committed");
    assertThat(f.getBoolean("sharedDirectorySync")).isFalse();
    assertThat(f.getDuration("dataSync")).isPositive();
    assertThat(f.getDuration("rename")).isPositive();
    assertThat(f.getDuration("directorySync")).isPositive();
    // the phases lie within the event's own duration
    assertThat(f.getDuration("dataSync").plus(f.getDuration("rename")).plus(f.getDuration("directorySync")))
        .isLessThanOrEqualTo(f.getDuration());
    assertThat(f.getThread().getJavaName()).isEqualTo(Thread.currentThread().getName());

    RecordedEvent n = only(commits, "path", none.toString());
    assertThat(n.getLong("bytes")).isEqualTo(7);
    assertThat(n.getString("durability")).isEqualTo("NONE");
    assertThat(n.getString("outcome")).isEqualTo("committed");
    assertThat(n.getDuration("directorySync")).isZero();
  }

  /**
   * Writer A's directory sync is held until B and C wait for theirs: B and C then share one, and their
   * events say so; A's does not.
   */
  @Test
  void aDirectorySyncSharedByTwoWritersIsRecordedAsShared() throws Exception {
    java.util.concurrent.CountDownLatch held = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    Thread a = new Thread(() -> {
      try {
        io.htmlgraph.atomic.internal.SharedDirectorySyncs.withHook(new io.htmlgraph.atomic.internal.SharedDirectorySyncs.Hook() {
          @Override
          public void afterSync(Path d) throws IOException {
            held.countDown();
            try {
              release.await();
            } catch (InterruptedException e) {
              throw new java.io.InterruptedIOException();
            }
          }
        }, () -> {
          AtomicFileWriter.atomicWrite(dir.resolve("a.txt"), "a");
          return null;
        });
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    a.start();
    assertThat(held.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    List<Thread> others = new java.util.ArrayList<>();
    for (String name : List.of("b.txt", "c.txt")) {
      Thread t = new Thread(() -> {
        try {
          AtomicFileWriter.atomicWrite(dir.resolve(name), name);
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      t.start();
      others.add(t);
    }
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
    while (!others.stream().allMatch(t -> t.getState() == Thread.State.WAITING)) {
      assertThat(System.nanoTime()).as("b and c wait for the directory sync").isLessThan(deadline);
      Thread.sleep(1);
    }
    release.countDown();
    for (Thread t : others) {
      t.join(10_000);
    }
    a.join(10_000);
    assertThat(dir.resolve("c.txt")).hasContent("c.txt");

    List<RecordedEvent> commits = recorded(COMMIT);
    assertThat(only(commits, "path", dir.resolve("a.txt").toString()).getBoolean("sharedDirectorySync")).isFalse();
    assertThat(only(commits, "path", dir.resolve("b.txt").toString()).getBoolean("sharedDirectorySync")).isTrue();
    assertThat(only(commits, "path", dir.resolve("c.txt").toString()).getBoolean("sharedDirectorySync")).isTrue();
  }

  @Test
  void aCommitThatFailsIsRecordedAsFailed() throws IOException {
    Path target = dir.resolve("target.txt");
    AtomicFileOutputStream out = new AtomicFileOutputStream(target);
    out.write(new byte[3]);
    Files.delete(out.tempPath()); // the rename then fails: the target is untouched
    assertThatThrownBy(out::commit).isInstanceOf(IOException.class);
    assertThat(target).doesNotExist();

    RecordedEvent e = only(recorded(COMMIT), "path", target.toString());
    assertThat(e.getString("outcome")).isEqualTo("failed");
    assertThat(e.getDuration("directorySync")).isZero();
  }

  @Test
  void lockWaitsAreRecordedWithTheirModeTimeoutAndOutcome() throws Exception {
    Path granted = dir.resolve("granted");
    Path contended = dir.resolve("contended");
    DirectoryLocker a = new DirectoryLocker(contended);
    DirectoryLocker b = new DirectoryLocker(contended);
    try (DirectoryLock shared = new DirectoryLocker(granted).lockShared(Duration.ofSeconds(1))) {
      assertThat(shared.isHeld()).isTrue();
    }
    try (DirectoryLock held = a.lockExclusive(Duration.ofSeconds(1))) {
      assertThat(b.acquireExclusiveLock(Duration.ofMillis(50))).isFalse();
      AtomicBoolean got = new AtomicBoolean(true);
      Thread waiter = new Thread(() -> got.set(b.acquireSharedLock(Duration.ofSeconds(30))), "waiter");
      waiter.start();
      waiter.interrupt(); // before or during the wait: either way the call ends interrupted
      waiter.join(10_000);
      assertThat(waiter.isAlive()).isFalse();
      assertThat(got).isFalse();
    }

    List<RecordedEvent> waits = recorded(LOCK_WAIT);
    RecordedEvent g = only(waits, "lock", granted.toString());
    assertThat(g.getString("locker")).isEqualTo("directory");
    assertThat(g.getString("mode")).isEqualTo("shared");
    assertThat(g.getString("outcome")).isEqualTo("granted");
    assertThat(g.getDuration("timeout")).isEqualTo(Duration.ofSeconds(1));

    List<RecordedEvent> onContended = waits.stream().filter(e -> contended.toString().equals(e.getString("lock")))
        .toList();
    assertThat(onContended).extracting(e -> e.getString("mode") + " " + e.getString("outcome"))
        .containsExactlyInAnyOrder("exclusive granted", "exclusive timeout", "shared interrupted");
    RecordedEvent timedOut = onContended.stream().filter(e -> e.getString("outcome").equals("timeout")).findFirst()
        .orElseThrow();
    assertThat(timedOut.getDuration("timeout")).isEqualTo(Duration.ofMillis(50));
    assertThat(timedOut.getDuration()).as("the time waited").isGreaterThanOrEqualTo(Duration.ofMillis(50));
  }

  @Test
  void aSweepIsRecordedWithWhatItSawRemovedAndLeftToLiveWriters() throws IOException {
    Path swept = Files.createDirectory(dir.resolve("swept"));
    Files.writeString(swept.resolve("keep.txt"), "not a temp");
    Path orphan = Files.writeString(swept.resolve(".tmp-1764093296123456-orphanxx.tmp"), "left by a dead writer");
    Files.setLastModifiedTime(orphan, FileTime.from(Instant.now().minusSeconds(3600)));
    try (AtomicFileOutputStream live = new AtomicFileOutputStream(swept.resolve("live.txt"))) {
      live.write(new byte[5]);
      assertThat(AtomicFiles.cleanupOrphanedTempFiles(swept, Duration.ZERO)).isEqualTo(1);
    }
    assertThat(orphan).doesNotExist();

    RecordedEvent e = only(recorded(SWEEP), "directory", swept.toString());
    assertThat(e.getLong("entries")).isEqualTo(3);
    assertThat(e.getLong("removed")).isEqualTo(1);
    assertThat(e.getLong("skippedLive")).isEqualTo(1);
    assertThat(e.getBoolean("dryRun")).isFalse();
    assertThat(e.getDuration("age")).isZero();
    assertThat(e.getString("outcome")).isEqualTo("done");
  }

  @Test
  void theDefaultSettingsRecordOnlySlowCommitsAndWaitsAndEverySweep() throws IOException {
    // the event types are registered once their classes are used
    AtomicFileWriter.atomicWrite(dir.resolve("f"), "x");
    new DirectoryLocker(dir.resolve("lock")).lockShared(Duration.ZERO).close();
    AtomicFiles.cleanupOrphanedTempFiles(dir);
    List<EventType> types = FlightRecorder.getFlightRecorder().getEventTypes().stream()
        .filter(t -> t.getName().startsWith("io.htmlgraph.atomic.")).toList();
    assertThat(types).extracting(EventType::getName).containsExactlyInAnyOrder(COMMIT, LOCK_WAIT, SWEEP);
    for (EventType t : types) {
      assertThat(t.getCategoryNames()).containsExactly("htmlgraph-atomic");
      String threshold = t.getSettingDescriptors().stream().filter(s -> s.getName().equals("threshold"))
          .map(SettingDescriptor::getDefaultValue).findFirst().orElse("none");
      assertThat(threshold).as(t.getName()).isEqualTo(t.getName().equals(SWEEP) ? "0 ns" : "20 ms");
    }
  }

  @Test
  void withoutTheJfrModuleTheLibraryRunsWithoutEvents() throws Exception {
    // a run-time image with java.base alone: the event classes cannot be loaded, and are never tried
    try (ChildJvm child = ChildJvm.start(List.of("--limit-modules", "java.base", "-XX:+UseSerialGC"),
        WithoutJfrChild.class, dir.toString())) {
      assertThat(child.readLine()).isEqualTo("jdk.jfr absent; written, locked, swept");
      assertThat(child.waitFor(60)).isZero();
    }
    assertThat(dir.resolve("written.txt")).hasContent("without events");
  }

  /** A child JVM run with {@code --limit-modules java.base}: uses every instrumented path once. */
  public static final class WithoutJfrChild {
    public static void main(String[] args) throws Exception {
      Path dir = Path.of(args[0]);
      boolean jfr = ModuleLayer.boot().findModule("jdk.jfr").isPresent();
      AtomicFileWriter.atomicWrite(dir.resolve("written.txt"), "without events");
      try (DirectoryLock lock = new DirectoryLocker(dir.resolve("lock")).lockExclusive(Duration.ofSeconds(1))) {
        AtomicFiles.cleanupOrphanedTempFiles(dir, Duration.ZERO);
      }
      System.out.println("jdk.jfr " + (jfr ? "present" : "absent") + "; written, locked, swept");
    }
  }
}
