package io.htmlgraph.atomic.internal;

import java.io.IOException;
import java.util.Objects;

/**
 * A test hook of one engine, per thread: what a test puts in place around a body to see (and break,
 * if it asks) the steps the engine takes on that thread. Null, and so free, everywhere else.
 *
 * @param <H> the engine's hook
 */
public final class ThreadHook<H> {
  /** A body run with a hook in place. */
  public interface Body<T> {
    T run() throws IOException;
  }

  private final ThreadLocal<H> current = new ThreadLocal<>();

  /** @return this thread's hook, or null */
  public H get() {
    return current.get();
  }

  /** Runs {@code body} with {@code hook} in place on this thread; the one before it comes back after. */
  public <T> T with(H hook, Body<T> body) throws IOException {
    H before = current.get();
    current.set(Objects.requireNonNull(hook, "hook"));
    try {
      return body.run();
    } finally {
      if (before == null) {
        current.remove();
      } else {
        current.set(before);
      }
    }
  }
}
