package io.htmlgraph.atomic.internal;

import io.htmlgraph.atomic.CommittedNotDurableException;
import io.htmlgraph.atomic.Durability;
import io.htmlgraph.atomic.PartiallyCommittedException;
import io.htmlgraph.atomic.SymlinkPolicy;
import io.htmlgraph.atomic.WriteOptions;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Writes many files with one group commit: each file is atomic on its own, exactly as a single
 * {@link PendingFile#commit()}, but the expensive waits are shared.
 *
 * <p>The protocol, per chunk of at most {@link #CHUNK} files (a chunk bounds the open descriptors):
 * <ol>
 *   <li><b>Stage</b>, in parallel on {@code parallelism} threads: for each file, create its temp
 *       ({@code CREATE_NEW}, locked, registered as live), write the content, and sync its data
 *       ({@link PendingFile#syncData()}, {@code fdatasync}). The syncs are issued together so that the
 *       file system can commit them in shared journal transactions (ext4's jbd2 and XFS's log both
 *       batch concurrent waiters) instead of one transaction per file. If any file fails here, every
 *       temp of the chunk is removed; the targets of the chunk are untouched.
 *   <li><b>Publish</b>, on the calling thread, in the map's iteration order: close each temp and
 *       {@code rename(2)} it onto its target ({@link PendingFile#publishSynced()}). Every rename comes
 *       after its own file's data sync, so a power cut never leaves a target empty or torn: each
 *       target holds its old content or its new content, complete.
 * </ol>
 * <b>Directory sync</b>, once, after every chunk is published: each distinct directory that the
 * renames changed is synced ({@code fsync}) once, at {@link Durability#FULL}. Only then does the call
 * return, so once it has returned every file survives a power cut, the same guarantee as separate
 * {@code FULL} writes. A power cut <em>during</em> the call can keep any subset of the renames (each
 * file old or new, never torn), as separate writes interrupted at the same moment would.
 *
 * <p>Failures:
 * <ul>
 *   <li>before the first rename (bad input, a temp that cannot be created, a failed write or data
 *       sync, an interrupt): nothing changed, no temp is left, the failure is thrown as is (the other
 *       files' failures suppressed on it). Missing parent directories may have been created.
 *   <li>a rename fails after others succeeded, or a later chunk fails: the directories of the committed
 *       files are synced, every other temp is removed, and {@link PartiallyCommittedException} lists
 *       exactly which targets were committed and which are untouched.
 *   <li>the final directory sync fails: every file is committed, not durable:
 *       {@link CommittedNotDurableException} naming the directory. Never retried.
 * </ul>
 */
public final class GroupCommit {
  /** At most this many temps are open at once. */
  public static final int CHUNK = 256;
  /**
   * Threads that stage files at once: enough concurrent data syncs for a journaling file system to
   * join them in shared commits, few enough not to contend. The figures by thread count, per file
   * system, are in docs/benchmarks.md (workload 3), where bench/run measures them.
   */
  public static final int DEFAULT_PARALLELISM = 32;

  private GroupCommit() {}

  /**
   * Writes every entry of {@code files} (target to content) with one group commit.
   *
   * @param parallelism how many files are staged (written and synced) at once, at least 1
   */
  public static void writeAll(Map<Path, byte[]> files, WriteOptions options, int parallelism) throws IOException {
    Objects.requireNonNull(files, "files");
    Objects.requireNonNull(options, "options");
    if (parallelism < 1) {
      throw new IllegalArgumentException("parallelism must be at least 1, was " + parallelism);
    }
    List<Path> targets = new ArrayList<>(files.size());
    List<byte[]> contents = new ArrayList<>(files.size());
    List<SafeFiles.Resolved> resolved = new ArrayList<>(files.size());
    checkInput(files, options, targets, contents, resolved);
    if (targets.isEmpty()) {
      return;
    }
    int threads = Math.min(parallelism, Math.min(CHUNK, targets.size()));
    ExecutorService pool = threads > 1 ? Executors.newFixedThreadPool(threads, DAEMONS) : null;
    List<Path> committed = new ArrayList<>(targets.size());
    Set<Path> dirs = new LinkedHashSet<>();
    CommittedNotDurableException closeFailure = null;
    try {
      for (int from = 0; from < targets.size(); from += CHUNK) {
        int to = Math.min(targets.size(), from + CHUNK);
        PendingFile[] staged;
        try {
          staged = stage(targets.subList(from, to), resolved.subList(from, to), contents.subList(from, to), options,
              pool);
        } catch (IOException | RuntimeException | Error e) {
          throw partial(committed, targets, dirs, options, e);
        }
        for (int i = 0; i < staged.length; i++) {
          try {
            staged[i].publishSynced();
          } catch (IOException | RuntimeException | Error e) {
            for (int j = i + 1; j < staged.length; j++) {
              staged[j].abort();
            }
            throw partial(committed, targets, dirs, options, e);
          }
          committed.add(targets.get(from + i));
          dirs.addAll(staged[i].directoriesToSync());
          if (closeFailure == null && staged[i].closeFailure() != null) {
            closeFailure = new CommittedNotDurableException(targets.get(from + i),
                "closing its temp file after the rename failed", staged[i].closeFailure());
          }
        }
      }
    } finally {
      if (pool != null) {
        pool.shutdownNow();
      }
    }
    if (options.durability() == Durability.FULL) {
      DirectorySync.syncPublished(dirs, null, closeFailure);
    }
    if (closeFailure != null) {
      throw closeFailure;
    }
  }

  /**
   * Checks every entry before anything touches the disk; fills targets and contents in map order.
   *
   * <p>Two entries name the same file if the kernel would resolve them to the same name in the same
   * directory (links followed under the link rule, {@code ..} taken in the real directory, as
   * {@code d/link/../f} is not {@code d/f} when {@code d/link} points elsewhere), or to the same
   * existing file (two hard links). A lexical comparison gets both wrong: it accepts
   * {@code {d/link/../f, other/f}}, one file whose first content is silently lost, and refuses
   * {@code {d/link/../g, d/g}}, two files.
   */
  private static void checkInput(Map<Path, byte[]> files, WriteOptions options, List<Path> targets,
      List<byte[]> contents, List<SafeFiles.Resolved> resolutions) throws IOException {
    Map<Object, Path> seen = new HashMap<>();
    boolean follow = options.symlinks() == SymlinkPolicy.FOLLOW;
    for (Map.Entry<Path, byte[]> e : files.entrySet()) {
      Path target = Objects.requireNonNull(e.getKey(), "a target is null");
      PathArguments.checkFile(target, "target");
      byte[] content = Objects.requireNonNull(e.getValue(), () -> "the content of " + target + " is null");
      SafeFiles.Resolved r = SafeFiles.resolve(target, follow);
      Path real = r.path();
      Object dirKey = r.parentExists() ? r.parent().fileKey() : null;
      Object name = dirKey != null
          ? List.of(dirKey, real.getFileName().toString())
          : real.toAbsolutePath().normalize(); // a missing directory has no link in it: its path is its identity
      Object fileKey = r.metadata().exists() ? r.metadata().fileKey() : null;
      Path earlier = seen.putIfAbsent(name, target);
      if (earlier == null && fileKey != null) {
        earlier = seen.putIfAbsent(fileKey, target);
      }
      if (earlier != null) {
        // two renames onto one file: the second would silently win, and the batch order would matter
        throw new IllegalArgumentException("two entries of the batch name the same file: " + earlier + ", " + target);
      }
      targets.add(target);
      contents.add(content);
      resolutions.add(r);
    }
  }

  /** Opens, writes and syncs each file of a chunk; on any failure removes every temp of the chunk. */
  private static PendingFile[] stage(List<Path> targets, List<SafeFiles.Resolved> resolved, List<byte[]> contents,
      WriteOptions options, ExecutorService pool) throws IOException {
    PendingFile[] staged = new PendingFile[targets.size()];
    if (pool == null) {
      try {
        for (int i = 0; i < staged.length; i++) {
          staged[i] = stageOne(targets.get(i), resolved.get(i), contents.get(i), options, null, i);
        }
        return staged;
      } catch (IOException | RuntimeException | Error e) {
        abortAll(staged);
        throw e;
      }
    }
    // each task stores its file as soon as it exists, so that whatever happens, every temp is found
    AtomicReferenceArray<PendingFile> made = new AtomicReferenceArray<>(staged.length);
    List<Future<?>> futures = new ArrayList<>(staged.length);
    for (int i = 0; i < staged.length; i++) {
      int slot = i;
      futures.add(pool.submit(() -> {
        stageOne(targets.get(slot), resolved.get(slot), contents.get(slot), options, made, slot);
        return null;
      }));
    }
    Throwable first = null;
    for (Future<?> f : futures) {
      try {
        f.get();
      } catch (InterruptedException e) {
        // stop the others (an interrupt closes a channel inside force(), failing that file), then wait
        // for every task to end: no task may create a temp after the clean-up below
        pool.shutdownNow();
        awaitUninterruptibly(pool);
        Thread.currentThread().interrupt();
        first = addFailure(first, new InterruptedIOException("interrupted during a group commit; nothing committed"));
        break;
      } catch (ExecutionException e) {
        first = addFailure(first, e.getCause());
      }
    }
    for (int i = 0; i < staged.length; i++) {
      staged[i] = made.get(i);
    }
    if (first != null) {
      abortAll(staged);
      if (first instanceof IOException io) {
        throw io;
      }
      if (first instanceof RuntimeException re) {
        throw re;
      }
      if (first instanceof Error err) {
        throw err;
      }
      throw new IOException(first);
    }
    return staged;
  }

  private static void awaitUninterruptibly(ExecutorService pool) {
    boolean interrupted = false;
    while (true) {
      try {
        if (pool.awaitTermination(1, TimeUnit.SECONDS)) {
          break;
        }
      } catch (InterruptedException again) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private static Throwable addFailure(Throwable first, Throwable next) {
    if (first == null) {
      return next;
    }
    if (first != next) {
      first.addSuppressed(next);
    }
    return first;
  }

  /** Opens a temp for {@code target}, writes {@code content}, syncs it; on failure nothing is left. */
  private static PendingFile stageOne(Path target, SafeFiles.Resolved resolved, byte[] content,
      WriteOptions options, AtomicReferenceArray<PendingFile> made, int slot) throws IOException {
    // resolved once, by checkInput: the link rule was applied there
    PendingFile f = PendingFile.open(target, options, resolved, null);
    if (made != null) {
      made.set(slot, f);
    }
    try {
      f.write(ByteBuffer.wrap(content));
      f.syncData();
      return f;
    } catch (Throwable t) {
      f.abort();
      throw t;
    }
  }

  private static void abortAll(PendingFile[] staged) {
    for (PendingFile f : staged) {
      if (f != null) {
        f.abort();
      }
    }
  }

  /**
   * The failure to throw when the batch stops: as is when nothing was committed; otherwise after
   * syncing the committed files' directories, a {@link PartiallyCommittedException} listing them.
   */
  private static IOException partial(List<Path> committed, List<Path> targets, Set<Path> dirs,
      WriteOptions options, Throwable cause) {
    if (committed.isEmpty()) {
      if (cause instanceof IOException io) {
        return io;
      }
      if (cause instanceof RuntimeException re) {
        throw re;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      return new IOException(cause);
    }
    boolean durable = options.durability() == Durability.FULL;
    if (durable) {
      for (Path dir : dirs) {
        try {
          DirectorySync.sync(dir);
        } catch (IOException e) {
          durable = false;
          cause.addSuppressed(e);
        }
      }
    }
    List<Path> rest = new ArrayList<>(targets.subList(committed.size(), targets.size()));
    return new PartiallyCommittedException(committed, rest, durable, cause);
  }

  private static final ThreadFactory DAEMONS = r -> {
    Thread t = new Thread(r, "htmlgraph-atomic-group-commit");
    t.setDaemon(true);
    return t;
  };
}
