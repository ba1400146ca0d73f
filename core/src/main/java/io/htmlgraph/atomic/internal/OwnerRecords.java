package io.htmlgraph.atomic.internal;

import io.htmlgraph.atomic.LockMode;
import io.htmlgraph.atomic.LockOwner;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The text form of a lock's owner record: {@code key=value} lines (pid, host, mode, since), so that a
 * person can {@code cat} it.
 */
public final class OwnerRecords {
  private OwnerRecords() {}

  /** @return this process's pid */
  public static long pid() {
    return ProcessHandle.current().pid();
  }

  /** @return this host's name (looked up once; {@code "localhost"} if the lookup fails) */
  public static String host() {
    return Host.NAME;
  }

  private static final class Host {
    // Looked up once: a host with a misconfigured resolver may take seconds per lookup.
    static final String NAME = lookup();

    private static String lookup() {
      try {
        return InetAddress.getLocalHost().getHostName();
      } catch (java.io.IOException | SecurityException e) {
        return "localhost";
      }
    }
  }

  /** @return a record for this process */
  public static LockOwner self(LockMode mode, Instant since) {
    return new LockOwner(pid(), host(), mode, since);
  }

  /** @return the bytes of the record */
  public static byte[] format(LockOwner owner) {
    String text = "pid=" + owner.pid() + "\nhost=" + owner.host().replace('\n', ' ') + "\nmode=" + owner.mode()
        + "\nsince=" + owner.since() + "\n";
    return text.getBytes(StandardCharsets.UTF_8);
  }

  /** @return the record, or empty if the bytes are not one */
  public static Optional<LockOwner> parse(byte[] bytes) {
    Map<String, String> fields = new HashMap<>();
    for (String line : new String(bytes, StandardCharsets.UTF_8).split("\n")) {
      int eq = line.indexOf('=');
      if (eq > 0) {
        fields.put(line.substring(0, eq), line.substring(eq + 1));
      }
    }
    try {
      return Optional.of(new LockOwner(Long.parseLong(fields.get("pid")), fields.get("host"),
          LockMode.valueOf(fields.get("mode")), Instant.parse(fields.get("since"))));
    } catch (NullPointerException | IllegalArgumentException | DateTimeParseException e) {
      return Optional.empty();
    }
  }

  /**
   * Tells whether a record read from disk is stale beyond doubt: it names a process of this host that
   * no longer runs (the holder was killed; the kernel freed its lock but not its record).
   */
  public static boolean isDeadHolder(LockOwner owner) {
    return owner.host().equals(host()) && ProcessHandle.of(owner.pid()).map(p -> !p.isAlive()).orElse(true);
  }
}
