package io.htmlgraph.atomic.examples;

import java.time.Instant;
import java.util.Objects;

/**
 * One session of a {@link SessionRegistry}, as its JSON file holds it.
 *
 * @param id the session's name, unique in its registry
 * @param pid the process that registered it
 * @param started when it was registered
 * @param lastHeartbeat when it last reported in
 * @param archived when it was archived, or {@code null} while it is active
 */
public record Session(String id, long pid, Instant started, Instant lastHeartbeat, Instant archived) {
  /**
   * Checks that the required components are present.
   *
   * @param id the session's name, unique in its registry
   * @param pid the process that registered it
   * @param started when it was registered
   * @param lastHeartbeat when it last reported in
   * @param archived when it was archived, or {@code null} while it is active
   * @throws NullPointerException if {@code id}, {@code started} or {@code lastHeartbeat} is null
   */
  public Session {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(started, "started");
    Objects.requireNonNull(lastHeartbeat, "lastHeartbeat");
  }

  Session withHeartbeat(Instant at) {
    return new Session(id, pid, started, at, archived);
  }

  Session withArchived(Instant at) {
    return new Session(id, pid, started, lastHeartbeat, at);
  }
}
