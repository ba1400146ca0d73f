package io.htmlgraph.atomic.internal;

/**
 * The library's one logger, {@code io.htmlgraph.atomic}, created on first use.
 *
 * <p>{@link System#getLogger} initialises the JDK's logging back end (some forty classes); the
 * library logs only on failure paths, so a program that never fails never pays for it. That is a
 * visible part of the start-up of a short-lived command such as {@code atomic write}.
 */
public final class Log {
  private Log() {}

  private static final class Holder {
    static final System.Logger LOGGER = System.getLogger("io.htmlgraph.atomic");
  }

  /** @return the library's logger */
  public static System.Logger get() {
    return Holder.LOGGER;
  }
}
