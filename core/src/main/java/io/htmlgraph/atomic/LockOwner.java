package io.htmlgraph.atomic;

import java.time.Instant;
import java.util.Objects;

/**
 * Who holds a directory lock, as the holder wrote it down: advice for people and error messages,
 * never trusted for exclusion (the kernel lock is the only authority).
 *
 * <p>Between processes the record names a process, not a {@link DirectoryLocker}: every holder in a
 * JVM shares one kernel lock. With shared holders in several processes the record names the one that
 * wrote it last.
 *
 * @param pid the process id of the holder
 * @param host the host name of the holder, as {@link java.net.InetAddress#getLocalHost()} gave it
 * @param mode how the process holds the lock
 * @param since when the process got the lock (wall clock)
 */
public record LockOwner(long pid, String host, LockMode mode, Instant since) {
  /**
   * @throws NullPointerException if {@code host}, {@code mode} or {@code since} is null
   */
  public LockOwner {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(mode, "mode");
    Objects.requireNonNull(since, "since");
  }

  /** @return e.g. {@code "pid 4242 on host build-7 (EXCLUSIVE since 2026-11-25T18:00:00Z)"} */
  @Override
  public String toString() {
    return "pid " + pid + " on host " + host + " (" + mode + " since " + since + ")";
  }
}
