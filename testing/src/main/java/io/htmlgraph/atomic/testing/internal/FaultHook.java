package io.htmlgraph.atomic.testing.internal;

import java.io.IOException;

/**
 * Asked by the provider and its channels before an operation that a test may want to fail. Each
 * method either returns (the operation goes ahead) or throws the failure to report instead. Paths are
 * given as the workload sees them, relative to the simulated root ({@code /} is the root).
 */
public interface FaultHook {
  /** Lets everything through: the crash simulator's file system. */
  FaultHook NONE = new FaultHook() { };

  /**
   * Before {@link java.nio.channels.FileChannel#force(boolean)}.
   *
   * @param path the file or directory to sync
   * @param directory whether it is a directory
   * @throws IOException to fail the sync (the real sync is then not made)
   */
  default void beforeSync(String path, boolean directory) throws IOException { }

  /**
   * Before a move.
   *
   * @param from the source
   * @param to the destination
   * @throws IOException to fail the move (nothing is then changed)
   */
  default void beforeRename(String from, String to) throws IOException { }

  /**
   * Before a delete.
   *
   * @param path the entry to remove
   * @throws IOException to fail the delete (the entry then stays)
   */
  default void beforeDelete(String path) throws IOException { }

  /**
   * After a channel was closed (the descriptor is released either way, as {@code close(2)} does).
   *
   * @param path the file whose channel was closed
   * @throws IOException to report the close as failed
   */
  default void afterClose(String path) throws IOException { }

  /**
   * Before a write.
   *
   * @param path the file written
   * @param length the bytes the caller asked to write, more than 0
   * @return how many of them may be written (a short write when less than {@code length}), more than 0
   * @throws IOException to fail the write when no byte may be written
   */
  default int beforeWrite(String path, int length) throws IOException {
    return length;
  }
}
