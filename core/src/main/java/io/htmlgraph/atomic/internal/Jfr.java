package io.htmlgraph.atomic.internal;

import io.htmlgraph.atomic.Durability;
import io.htmlgraph.atomic.LockMode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * The library's JDK Flight Recorder events: a commit, a lock wait, a sweep (see
 * docs/observability.md). The only class that touches the event classes, and only where the
 * {@code jdk.jfr} module is present and readable.
 *
 * <p>The module declares {@code requires static jdk.jfr}: the library runs on {@code java.base}
 * alone (a {@code jlink} image without {@code jdk.jfr} works, without events). On the class path, and
 * for a modular application whose module graph has {@code jdk.jfr} (as every JVM started with
 * {@code -XX:StartFlightRecording} has, and without which {@code jcmd JFR.start} cannot record at all),
 * the events are there. So {@link #AVAILABLE} is decided once, and every entry point checks it before
 * it names an event class: a JVM that cannot load them never does. The callers pass and receive
 * events as {@code Object}, so that no class of theirs needs {@code jdk.jfr} to load or verify.
 *
 * <p>Cost: before the recorder is started, a {@code begin} call is a static check and one volatile
 * read; once it is started, with no recording or a recording without these events, one
 * {@code isEnabled()} of a shared event instance more (no allocation, no clock read); the caller then
 * reads no clock either. The {@code io.htmlgraph.atomic.jfr=false} system property turns
 * the events off for good (for measuring what they cost).
 */
public final class Jfr {
  /** The event names. */
  static final String COMMIT = "io.htmlgraph.atomic.Commit";
  static final String LOCK_WAIT = "io.htmlgraph.atomic.LockWait";
  static final String SWEEP = "io.htmlgraph.atomic.Sweep";
  /**
   * The default thresholds: a commit or a lock wait shorter than this is not recorded, so that a
   * default recording of a server doing thousands of commits a second stays small, and shows the
   * slow ones (the JDK's own file and monitor events default to 20 ms as well).
   */
  static final String COMMIT_THRESHOLD = "20 ms";
  static final String LOCK_WAIT_THRESHOLD = "20 ms";

  private static final boolean AVAILABLE = available();

  private Jfr() {}

  private static boolean available() {
    if ("false".equalsIgnoreCase(System.getProperty("io.htmlgraph.atomic.jfr"))) {
      return false;
    }
    try {
      Optional<Module> jfr = ModuleLayer.boot().findModule("jdk.jfr");
      return jfr.isPresent() && Jfr.class.getModule().canRead(jfr.get());
    } catch (RuntimeException | LinkageError e) {
      return false;
    }
  }

  /**
   * Whether the Flight Recorder has been started in this JVM (by {@code -XX:StartFlightRecording},
   * {@code jcmd JFR.start} or a {@code Recording}): only then are the event classes touched. The
   * first initialisation of an event class starts the recorder's Java side, about 270 classes and
   * about 100 ms here (JDK 17 and 25), which a short command such as {@code atomic write} must not
   * pay for events nobody records; asking whether the recorder is initialised loads one class.
   */
  private static boolean recorderRuns() {
    return AVAILABLE && jdk.jfr.FlightRecorder.isInitialized();
  }

  /** @return whether the events can be recorded in this JVM at all */
  public static boolean isAvailable() {
    return AVAILABLE;
  }

  // ---------------------------------------------------------------------------------------------
  // Commit

  /**
   * @return a begun commit event, or null (nothing to time) unless a recording takes commit events
   */
  public static Object beginCommit() {
    return recorderRuns() ? CommitEvent.beginIfEnabled() : null;
  }

  /**
   * Ends and records a commit event (if it passes the recording's threshold).
   *
   * @param start {@link System#nanoTime()} at the start of the commit; {@code synced}, {@code renamed}
   *     and {@code end} at the end of each phase, 0 for a phase not reached
   * @param outcome committed, not durable, or failed
   */
  public static void endCommit(Object event, Path target, long bytes, Durability durability, long start,
      long synced, long renamed, long end, boolean sharedDirectorySync, String outcome) {
    CommitEvent e = (CommitEvent) event;
    e.end();
    if (!e.shouldCommit()) {
      return;
    }
    e.path = target.toString();
    e.bytes = bytes;
    e.durability = durability.name();
    e.dataSync = synced == 0 ? end - start : synced - start;
    e.rename = synced == 0 ? 0 : renamed == 0 ? end - synced : renamed - synced;
    e.directorySync = renamed == 0 || durability != Durability.FULL ? 0 : end - renamed;
    e.sharedDirectorySync = sharedDirectorySync;
    e.outcome = outcome;
    e.commit();
  }

  // ---------------------------------------------------------------------------------------------
  // Lock wait

  /** @return a begun lock-wait event, or null unless a recording takes lock-wait events */
  public static Object beginLockWait() {
    return recorderRuns() ? LockWaitEvent.beginIfEnabled() : null;
  }

  /**
   * Ends and records a lock wait (if it passes the recording's threshold).
   *
   * @param locker directory or zookeeper
   * @param outcome granted, timeout, interrupted or failed
   */
  public static void endLockWait(Object event, String locker, String lock, LockMode mode, Duration timeout,
      String outcome) {
    LockWaitEvent e = (LockWaitEvent) event;
    e.end();
    if (!e.shouldCommit()) {
      return;
    }
    e.locker = locker;
    e.lock = lock;
    e.mode = mode.name().toLowerCase(Locale.ROOT);
    e.timeout = saturatedNanos(timeout);
    e.outcome = outcome;
    e.commit();
  }

  // ---------------------------------------------------------------------------------------------
  // Sweep

  /** @return a begun sweep event, or null unless a recording takes sweep events */
  public static Object beginSweep() {
    return recorderRuns() ? SweepEvent.beginIfEnabled() : null;
  }

  /** Ends and records a sweep of {@code dir}. */
  public static void endSweep(Object event, Path dir, Duration age, boolean dryRun, Sweeper.Tally tally,
      long removed, String outcome) {
    SweepEvent e = (SweepEvent) event;
    e.end();
    if (!e.shouldCommit()) {
      return;
    }
    e.directory = dir.toString();
    e.age = saturatedNanos(age);
    e.dryRun = dryRun;
    e.entries = tally.entries;
    e.removed = removed;
    e.skippedLive = tally.skippedLive;
    e.outcome = outcome;
    e.commit();
  }

  private static long saturatedNanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException overflow) {
      return d.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
  }
}
