package io.htmlgraph.atomic.internal;

import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The names of the temp files that this JVM's writers own, so that a sweep in this JVM never opens,
 * let alone deletes, one of them.
 *
 * <p>Across processes a writer proves it is alive with an OS lock on its temp, and a sweep skips any
 * temp it cannot lock. Within one JVM that test is not usable: Linux file locks belong to the process,
 * and closing <em>any</em> channel to a file drops the process's lock on it, so a sweep that opened a
 * live temp to test it would strip the writer of its proof of life towards other processes.
 *
 * <p>Each temp name is claimed, atomically ({@link ConcurrentMap#putIfAbsent}), by one party at a
 * time: a writer from before it creates the file until the file is renamed or deleted, a sweep while
 * it examines a candidate. Nobody ever waits for a claim: a writer that finds its name claimed draws
 * another, a sweep skips the candidate. So a sweep blocks no writer, and no writer a sweep. The
 * cases, for a sweep in this JVM that meets a file named {@code N}:
 *
 * <ol>
 *   <li>A writer claimed {@code N} first: the sweep's claim fails and it leaves the file alone,
 *       unopened.
 *   <li>The sweep claimed {@code N} first: a writer that draws {@code N} fails to claim it and draws
 *       another name without creating anything, so the file the sweep examines is not a temp of a
 *       live writer of this JVM.
 *   <li>A writer claimed {@code N} and released it: it released it only after its temp was renamed
 *       onto the target or deleted, so what has that name now is not its temp.
 *   <li>The same name in another directory (a copy of a live temp): claims go by name, so it is
 *       skipped while the writer lives; a later sweep takes it.
 *   <li>Another name of a live temp (a hard link someone else made): not recognised by name. The
 *       sweep skips files with more than one link, so it never opens it (see {@link Sweeper}).
 * </ol>
 *
 * <p>Names are unique: temps are named with microseconds and random characters and created with
 * {@code O_EXCL}, so two writers never hold one name in fact; a writer's claim is released by its
 * writer only, a sweep's by that sweep only (each sweep claims with its own token).
 */
public final class LiveTemps {
  private static final Object WRITER = new Object();
  private static final ConcurrentMap<String, Object> CLAIMED = new ConcurrentHashMap<>();

  private LiveTemps() {}

  /**
   * Claims {@code temp}'s name for a writer, before the writer creates it.
   *
   * @return false if the name is claimed (a sweep in this JVM is looking at a file of that name):
   *     draw another
   */
  public static boolean register(Path temp) {
    return CLAIMED.putIfAbsent(nameOf(temp), WRITER) == null;
  }

  /** Releases a writer's claim on {@code temp}, once it is renamed, deleted, or never was created. */
  public static void unregister(Path temp) {
    CLAIMED.remove(nameOf(temp), WRITER);
  }

  /** @return whether a writer of this JVM claims {@code temp}'s name (its live temp has that name) */
  static boolean isWriters(Path temp) {
    return CLAIMED.get(nameOf(temp)) == WRITER;
  }

  /**
   * Claims {@code candidate}'s name for a sweep.
   *
   * @return the token to release it with, or null if the name is claimed (a live writer's temp)
   */
  static Object claimForSweep(Path candidate) {
    Object token = new Object();
    return CLAIMED.putIfAbsent(nameOf(candidate), token) == null ? token : null;
  }

  /** Releases a sweep's claim. */
  static void releaseSweep(Path candidate, Object token) {
    CLAIMED.remove(nameOf(candidate), token);
  }

  private static String nameOf(Path p) {
    Path name = p.getFileName();
    return name != null ? name.toString() : p.toString();
  }
}
