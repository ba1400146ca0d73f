package io.htmlgraph.atomic.internal;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Threshold;
import jdk.jfr.Timespan;

/**
 * A commit of one file (see {@link PendingFile#commit()}): its duration is the whole commit, from
 * the data sync to the end of the directory sync. Loaded only where the {@code jdk.jfr} module is
 * (see {@link Jfr}).
 */
@Name(Jfr.COMMIT)
@Label("Atomic Commit")
@Category("htmlgraph-atomic")
@Description("A file replaced (or created) atomically: the temp synced, renamed onto the target, the directory synced")
@Threshold(Jfr.COMMIT_THRESHOLD)
final class CommitEvent extends jdk.jfr.Event {
  private static final CommitEvent PROBE = new CommitEvent();

  @Label("Path")
  @Description("The target, as the caller named it")
  String path;

  @Label("Bytes")
  @Description("The size of the new content")
  @DataAmount
  long bytes;

  @Label("Durability")
  @Description("NONE, FILE or FULL")
  String durability;

  @Label("Data Sync")
  @Description("Time in the temp's data sync (fdatasync)")
  @Timespan(Timespan.NANOSECONDS)
  long dataSync;

  @Label("Rename")
  @Description("Time in the rename onto the target (or the link, with no-clobber)")
  @Timespan(Timespan.NANOSECONDS)
  long rename;

  @Label("Directory Sync")
  @Description("Time in the directory sync (fsync) that makes the rename durable, at FULL")
  @Timespan(Timespan.NANOSECONDS)
  long directorySync;

  @Label("Shared Directory Sync")
  @Description("Whether the directory sync was shared with other writers of the same directory")
  boolean sharedDirectorySync;

  @Label("Outcome")
  @Description("committed; not durable (renamed, but a sync after the rename failed); failed (the target is untouched)")
  String outcome;

  /** @return a begun event, or null if no recording takes commit events */
  static Object beginIfEnabled() {
    if (!PROBE.isEnabled()) {
      return null;
    }
    CommitEvent e = new CommitEvent();
    e.begin();
    return e;
  }
}
