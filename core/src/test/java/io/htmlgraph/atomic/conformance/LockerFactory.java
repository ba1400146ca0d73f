package io.htmlgraph.atomic.conformance;

import io.htmlgraph.atomic.Locker;
import java.util.List;

/**
 * Makes, in a child JVM ({@link LockerChild}), a locker of the lock a {@link LockerConformanceTest}
 * tests. Implementations need a public no-argument constructor.
 */
public interface LockerFactory extends AutoCloseable {
  /**
   * @param args what the test passed (a directory, a connection string and a lock path, ...)
   * @return a locker of that lock
   */
  Locker open(List<String> args) throws Exception;

  /** Frees what {@link #open} made (a client, a session). */
  @Override
  default void close() throws Exception {}
}
