package io.htmlgraph.atomic;

import java.io.IOException;

/**
 * A consumer that may throw {@link IOException}: the body of the lambda forms
 * {@link AtomicFileWriter#atomicWrite(java.nio.file.Path, IOConsumer)} and
 * {@link AtomicFileOutputStream#atomicWrite(java.nio.file.Path, IOConsumer)}.
 *
 * @param <T> what the body receives
 */
@FunctionalInterface
public interface IOConsumer<T> {
  /**
   * Performs this operation on the given argument.
   *
   * @param t the argument
   * @throws IOException if the body fails; the write is then rolled back
   */
  void accept(T t) throws IOException;
}
