package io.htmlgraph.atomic.cli;

import io.htmlgraph.atomic.AtomicFileOutputStream;
import io.htmlgraph.atomic.WriteOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;

/**
 * Makes {@code atomic write} leave no temp behind when SIGINT, SIGTERM or SIGHUP ends it: the old
 * file stays, or, if the rename had already happened, the new one, complete.
 *
 * <p>Why: the JVM answers those signals by running its shutdown hooks and halting with status
 * 128 + the signal's number; the thread that is writing is never told, so without a hook its
 * {@code .tmp-*} stayed beside the target (seen with {@code kill -INT} while {@code atomic write}
 * waited for more input).
 *
 * <p>How it stays free of races: every step of the write that touches the temp (creating it,
 * each write, the commit) runs under this guard's monitor, and so does the hook. The hook therefore
 * runs either before a step, and then discards the temp and marks the guard stopped, so that the
 * writer thread never creates, writes or commits again (it waits for the halt instead); or after a
 * step, and then a commit that returned is kept (discarding is a no-op once committed) and one that
 * failed has already removed its temp. A commit in progress is waited for, never cut: its rename is
 * either undone by nobody or not done at all. The wait is bounded by the commit's own I/O (a sync);
 * reading standard input, which may block for ever, happens outside the monitor.
 *
 * <p>Not for signals the JVM cannot catch: SIGKILL (or a power cut) leaves the temp, which
 * {@code atomic sweep} removes once its writer is dead. A signal ignored when the JVM started (as
 * {@code nohup} ignores SIGHUP) stays ignored and the write goes on.
 */
final class ShutdownGuard {
  private final Object lock = new Object();
  private final Path file;
  private final PrintWriter err;
  private final Thread hook;
  private AtomicFileOutputStream out; // the write in progress, or null
  private boolean committed;
  private boolean stopped; // the hook ran: nothing may be created, written or committed any more

  private ShutdownGuard(Path file, PrintWriter err) {
    this.file = file;
    this.err = err;
    this.hook = new Hook(this);
  }

  /** @return a guard for a write of {@code file}, already registered as a shutdown hook */
  static ShutdownGuard install(Path file, PrintWriter err) {
    ShutdownGuard g = new ShutdownGuard(file, err);
    Runtime.getRuntime().addShutdownHook(g.hook);
    return g;
  }

  /** Unregisters the hook once the write is over (committed, or failed with its temp removed). */
  void uninstall() {
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // the hook runs now or has run: it finds the write over and does nothing
    }
  }

  /** Opens the temp of the write, unless the JVM is stopping. */
  void open(WriteOptions options) throws IOException {
    synchronized (lock) {
      awaitHaltIfStopped();
      out = new AtomicFileOutputStream(file, options);
    }
  }

  /** Writes {@code n} bytes of {@code buf} to the temp, unless the JVM is stopping. */
  void write(byte[] buf, int n) throws IOException {
    synchronized (lock) {
      awaitHaltIfStopped();
      out.write(buf, 0, n);
    }
  }

  /** Commits the write, unless the JVM is stopping; a hook that comes meanwhile waits for the end. */
  void commit() throws IOException {
    synchronized (lock) {
      awaitHaltIfStopped();
      out.commit();
      committed = true;
    }
  }

  /** Discards the temp unless committed (idempotent): the end of every write that did not commit. */
  void discard() {
    synchronized (lock) {
      if (out != null) {
        out.abort();
      }
    }
  }

  /**
   * Runs {@code write}, a whole write that creates and commits (or removes) its own temp, unless the
   * JVM is stopping; a hook that comes meanwhile waits for it to end.
   */
  void runWhole(IoAction write) throws IOException {
    synchronized (lock) {
      awaitHaltIfStopped();
      write.run();
      committed = true;
    }
  }

  /** A step that may throw {@link IOException}. */
  interface IoAction {
    void run() throws IOException;
  }

  /** What the hook does: discards the temp unless the write was committed, after any step in progress. */
  void onShutdown() {
    synchronized (lock) {
      stopped = true;
      if (committed) {
        return;
      }
      if (out != null) {
        out.abort(); // a no-op if a failed commit already removed the temp
      }
    }
    err.println("atomic: " + file + ": not written: stopped by a signal");
    err.flush();
  }

  /**
   * Once the hook ran, the writer must not go on: the JVM halts as soon as the hooks are done, so the
   * thread waits for that (releasing the monitor) rather than reporting an error of its own.
   */
  private void awaitHaltIfStopped() {
    while (stopped) {
      try {
        lock.wait();
      } catch (InterruptedException e) {
        // keep waiting: the halt is coming
      }
    }
  }

  /** The shutdown hook (a class of its own, not a lambda: no class is spun at start-up). */
  private static final class Hook extends Thread {
    private final ShutdownGuard guard;

    Hook(ShutdownGuard guard) {
      super("atomic-write-shutdown");
      this.guard = guard;
    }

    @Override
    public void run() {
      guard.onShutdown();
    }
  }
}
