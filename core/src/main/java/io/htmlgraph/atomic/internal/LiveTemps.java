package io.htmlgraph.atomic.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The temp files of the writers that are open in this JVM, so that a sweep in this JVM never touches
 * them.
 *
 * <p>Across processes a writer proves it is alive with an OS lock on its temp, and a sweep skips any
 * temp it cannot lock. Within one JVM that test is not usable: Linux file locks belong to the process,
 * and closing <em>any</em> channel to a file drops the process's lock on it, so a sweep that opened a
 * live temp to test it would strip the writer of its proof of life towards other processes. The sweep
 * therefore asks this registry first and never opens a registered temp.
 *
 * <p>The gate makes "create the temp and register it" atomic with respect to "check a candidate and
 * delete it": writers hold the read side for the few microseconds of creation, a sweep holds the write
 * side while it decides on one candidate.
 */
public final class LiveTemps {
  private static final Set<Path> LIVE = ConcurrentHashMap.newKeySet();
  private static final ReentrantReadWriteLock GATE = new ReentrantReadWriteLock();

  private LiveTemps() {}

  /** Something done while holding a gate. */
  public interface Action<T> {
    T run() throws IOException;
  }

  /**
   * Enters the writers' side of the gate, to create and register a temp; {@link #endCreating()} in a
   * {@code finally}. (Two calls rather than a lambda: this is on the path of every write, where a
   * lambda's first use costs a class spun at run time.)
   */
  public static void beginCreating() {
    GATE.readLock().lock();
  }

  /** Leaves the writers' side of the gate. */
  public static void endCreating() {
    GATE.readLock().unlock();
  }

  /** Runs one sweep decision with the sweep's side of the gate: no temp is created meanwhile. */
  public static <T> T sweeping(Action<T> decide) throws IOException {
    GATE.writeLock().lock();
    try {
      return decide.run();
    } finally {
      GATE.writeLock().unlock();
    }
  }

  /** @param temp a temp file this JVM just created and will write */
  public static void register(Path temp) {
    LIVE.add(temp.toAbsolutePath());
  }

  /** @param temp a temp file that is committed or discarded */
  public static void unregister(Path temp) {
    LIVE.remove(temp.toAbsolutePath());
  }

  /**
   * Tells whether {@code candidate}, a file with the given key, is the temp of an open writer in this
   * JVM. Call it inside {@link #sweeping}.
   *
   * @param candidate the path as the sweep found it
   * @param fileKey its {@link BasicFileAttributes#fileKey()} (device and inode), or null if unknown
   */
  public static boolean isLive(Path candidate, Object fileKey) {
    if (LIVE.isEmpty()) {
      return false;
    }
    Path abs = candidate.toAbsolutePath().normalize();
    for (Path live : LIVE) {
      if (live.normalize().equals(abs)) {
        return true;
      }
      if (fileKey != null && live.getFileSystem() == candidate.getFileSystem()) {
        try {
          Object key = Files.readAttributes(live, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
          if (Objects.equals(key, fileKey)) {
            return true;
          }
        } catch (NoSuchFileException gone) {
          // renamed onto its target or discarded a moment ago
        } catch (IOException unreadable) {
          // cannot tell which file it is: err on the side of keeping the candidate
          return true;
        }
      }
    }
    return false;
  }
}
