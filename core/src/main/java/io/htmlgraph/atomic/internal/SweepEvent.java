package io.htmlgraph.atomic.internal;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Timespan;

/**
 * One sweep of orphaned temps ({@code cleanupOrphanedTempFiles}, {@code findOrphanedTempFiles}): its
 * duration is the sweep's. Loaded only where the {@code jdk.jfr} module is (see {@link Jfr}).
 */
@Name(Jfr.SWEEP)
@Label("Temp Sweep")
@Category("htmlgraph-atomic")
@Description("A sweep of orphaned temp files and private directories in one directory")
final class SweepEvent extends jdk.jfr.Event {
  private static final SweepEvent PROBE = new SweepEvent();

  @Label("Directory")
  String directory;

  @Label("Age")
  @Description("Only temps older than this were candidates")
  @Timespan(Timespan.NANOSECONDS)
  long age;

  @Label("Dry Run")
  @Description("Whether the sweep only listed what it would remove")
  boolean dryRun;

  @Label("Entries")
  @Description("Entries of the directory the sweep looked at")
  long entries;

  @Label("Removed")
  @Description("Orphaned temps and private directories removed (or that would be, in a dry run)")
  long removed;

  @Label("Skipped Live")
  @Description("Temps and private directories left alone because a live writer holds them")
  long skippedLive;

  @Label("Outcome")
  @Description("done, or failed (an I/O error ended the sweep)")
  String outcome;

  /** @return a begun event, or null if no recording takes sweep events */
  static Object beginIfEnabled() {
    if (!PROBE.isEnabled()) {
      return null;
    }
    SweepEvent e = new SweepEvent();
    e.begin();
    return e;
  }
}
