package io.htmlgraph.atomic.internal;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Threshold;
import jdk.jfr.Timespan;

/**
 * One call that takes a lock ({@code DirectoryLocker}, {@code ZooKeeperLocker}): its duration is
 * the time the caller waited. Loaded only where the {@code jdk.jfr} module is (see {@link Jfr}).
 */
@Name(Jfr.LOCK_WAIT)
@Label("Lock Wait")
@Category("htmlgraph-atomic")
@Description("A wait for a reader/writer lock of the library, and how it ended")
@Threshold(Jfr.LOCK_WAIT_THRESHOLD)
final class LockWaitEvent extends jdk.jfr.Event {
  private static final LockWaitEvent PROBE = new LockWaitEvent();

  @Label("Lock")
  @Description("The lock directory, or the ZooKeeper path")
  String lock;

  @Label("Locker")
  @Description("directory or zookeeper")
  String locker;

  @Label("Mode")
  @Description("exclusive or shared")
  String mode;

  @Label("Timeout")
  @Description("How long the caller was prepared to wait")
  @Timespan(Timespan.NANOSECONDS)
  long timeout;

  @Label("Outcome")
  @Description("granted, timeout, interrupted, or failed (an error other than contention)")
  String outcome;

  /** @return a begun event, or null if no recording takes lock-wait events */
  static Object beginIfEnabled() {
    if (!PROBE.isEnabled()) {
      return null;
    }
    LockWaitEvent e = new LockWaitEvent();
    e.begin();
    return e;
  }
}
