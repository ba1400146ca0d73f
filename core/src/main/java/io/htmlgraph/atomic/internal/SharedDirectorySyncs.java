package io.htmlgraph.atomic.internal;

import java.io.IOException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One {@code fsync} of a directory for every caller that needs one at the same moment: the group
 * commit of independent writers. A writer whose rename has happened needs a sync of the directory
 * that <em>starts</em> after its rename and completes; when sixteen writers of one directory each
 * make their own, the disk serves sixteen syncs (and on a disk without a journal, sixteen cache
 * flushes) where one that began after the sixteenth rename would have served them all.
 *
 * <p>The protocol, per directory, and the failure each step prevents:
 * <ol>
 *   <li>A caller that finds no sync of the directory running starts one itself, at once: a lone
 *       writer waits for nothing but its own sync (one map update and one monitor more).
 *   <li>A caller that finds a sync running does not count on it: that sync may have begun before the
 *       caller's rename, and then need not carry it (the known-bad {@link Flaw#JOIN_RUNNING}). It
 *       joins the <em>next</em> sync, which no one has begun yet, and which begins as soon as the
 *       running one ends, made by the first of its callers to get there. So at most two syncs of a
 *       directory are in the air, one running and one gathering callers.
 *   <li>A caller returns only when the sync it joined has completed: returning as soon as one is
 *       begun leaves a moment where the caller has returned and its rename can still be lost (the
 *       known-bad {@link Flaw#RETURN_BEFORE_SYNC}).
 *   <li>A sync that fails fails every caller that joined it, each with an exception of its own whose
 *       cause is the failure; none is retried (a second {@code fsync} may report success for entries
 *       the first lost).
 *   <li>A caller interrupted while it waits leaves with {@link ClosedByInterruptException} and its
 *       interrupt status set, as the channel it would have synced itself throws; the others are not
 *       disturbed. A caller interrupted while it makes the sync fails the same way; since the sync's
 *       outcome is then unknown rather than failed, its other callers join the next sync instead.
 * </ol>
 * Only callers of one directory wait for each other: the state of a directory is found in a
 * concurrent map by its path, and a directory's entry is removed when its last caller leaves. Two
 * paths naming one directory (through a link) do not share a sync; each is still synced.
 */
public final class SharedDirectorySyncs {
  /** The sync of one directory, as the file system makes it. */
  @FunctionalInterface
  public interface Action {
    void sync(Path dir) throws IOException;
  }

  /** Ways to break the protocol, for the tests of the crash simulator; never set outside tests. */
  public enum Flaw {
    /** The protocol as documented: the control. */
    NONE,
    /** A caller that finds a sync running joins it, although it may have begun before its rename. */
    JOIN_RUNNING,
    /** A caller that finds a sync running returns at once, counting on it (or on the next). */
    RETURN_BEFORE_SYNC
  }

  /** Sees the syncs of the threads it is installed on; for tests. */
  public interface Hook {
    /** @return how to break the protocol */
    default Flaw flaw() {
      return Flaw.NONE;
    }

    /**
     * Called by the caller that made a sync, after it and before its callers are told: a test holds
     * a sync there as a slow disk would (a change made meanwhile was not carried by it).
     */
    default void afterSync(Path dir) throws IOException { }
  }

  private static final ThreadHook<Hook> HOOK = new ThreadHook<>();

  /** One sync, with the callers it serves. Guarded by the monitor of its {@link Dir}. */
  private static final class Sync {
    int callers = 1;
    boolean done;
    IOException failure;
    /** Set when its maker was interrupted: its callers belong to this later sync now. */
    Sync movedTo;
  }

  /** A directory's syncs. Fields guarded by its monitor, but {@code users}, by the map's lock. */
  private static final class Dir {
    Sync running;
    Sync next;
    int users;
  }

  private final ConcurrentHashMap<Path, Dir> dirs = new ConcurrentHashMap<>();
  private final Action action;

  /** @param action the sync itself, made by one caller for all */
  public SharedDirectorySyncs(Action action) {
    this.action = Objects.requireNonNull(action, "action");
  }

  /**
   * Returns once a sync of {@code dir} that began after this call did has completed.
   *
   * @return whether that sync served other callers as well
   * @throws IOException the sync failed (its maker's own exception, or for the others an exception
   *     whose cause it is), or {@link ClosedByInterruptException} if this thread was interrupted
   */
  public boolean sync(Path dir) throws IOException {
    Dir d = dirs.compute(dir, (k, v) -> {
      Dir in = v == null ? new Dir() : v;
      in.users++;
      return in;
    });
    try {
      return syncIn(d, dir);
    } finally {
      dirs.computeIfPresent(dir, (k, v) -> --v.users == 0 ? null : v);
    }
  }

  /** @return the directories with callers right now (for tests: none once all have returned) */
  int active() {
    return dirs.size();
  }

  private boolean syncIn(Dir d, Path dir) throws IOException {
    Hook hook = HOOK.get();
    Flaw flaw = hook == null ? Flaw.NONE : hook.flaw();
    Sync s;
    synchronized (d) {
      if (d.running == null && d.next == null) {
        s = new Sync();
        d.running = s;
      } else if (flaw == Flaw.RETURN_BEFORE_SYNC) {
        return true;
      } else if (flaw == Flaw.JOIN_RUNNING && d.running != null) {
        s = d.running;
        s.callers++;
        while (!s.done) {
          waitOn(d, s);
        }
        return finish(s, dir);
      } else {
        if (d.next != null) {
          d.next.callers++;
        } else {
          d.next = new Sync();
        }
        s = awaitTurn(d, d.next);
        if (s.done) {
          return finish(s, dir);
        }
      }
    }
    return make(d, s, dir, hook);
  }

  /**
   * Waits, holding {@code d}'s monitor, until the sync joined is done (by another caller), or may be
   * begun by this one ({@code d.running} is then set to it).
   *
   * @param s the sync joined (not begun)
   * @return the sync, done or to be made: {@code s} or the one its callers were moved to
   */
  private static Sync awaitTurn(Dir d, Sync s) throws ClosedByInterruptException {
    while (true) {
      while (s.movedTo != null) {
        s = s.movedTo;
      }
      if (s.done) {
        return s;
      }
      if (d.running == null && d.next == s) {
        d.next = null;
        d.running = s;
        return s;
      }
      waitOn(d, s);
    }
  }

  private static void waitOn(Dir d, Sync s) throws ClosedByInterruptException {
    try {
      d.wait();
    } catch (InterruptedException e) {
      s.callers--; // the sync goes on for its other callers
      if (s.callers == 0 && d.next == s) {
        d.next = null;
      }
      Thread.currentThread().interrupt();
      throw new ClosedByInterruptException();
    }
  }

  /** What a caller whose sync another made gets. Holds {@code d}'s monitor. */
  private static boolean finish(Sync s, Path dir) throws IOException {
    if (s.failure != null) {
      throw new IOException("sync of directory " + dir + " (made for " + s.callers + " writers) failed: "
          + s.failure.getMessage(), s.failure);
    }
    return s.callers > 1;
  }

  private boolean make(Dir d, Sync s, Path dir, Hook hook) throws IOException {
    IOException failure = null;
    boolean interrupted = false;
    boolean shared = false;
    try {
      action.sync(dir);
      if (hook != null) {
        hook.afterSync(dir);
      }
    } catch (ClosedByInterruptException e) {
      interrupted = true;
      failure = e;
    } catch (IOException e) {
      failure = e;
    } catch (RuntimeException | Error e) {
      failure = new IOException(e.toString(), e);
      throw e;
    } finally {
      synchronized (d) {
        d.running = null;
        if (interrupted && s.callers > 1) {
          // the outcome is unknown, not a failure the device reported: the others need a sync that
          // begins after their renames, which the next one does
          s.callers--;
          if (d.next == null) {
            d.next = s;
          } else {
            d.next.callers += s.callers;
            s.movedTo = d.next;
          }
        } else {
          s.done = true;
          s.failure = failure;
          shared = s.callers > 1;
        }
        d.notifyAll();
      }
    }
    if (failure != null) {
      throw failure;
    }
    return shared;
  }

  /** Runs {@code body} with {@code hook} seeing (and breaking, if it asks) this thread's syncs. */
  public static <T> T withHook(Hook hook, ThreadHook.Body<T> body) throws IOException {
    return HOOK.with(hook, body);
  }
}
