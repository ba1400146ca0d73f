package io.htmlgraph.atomic;

import java.io.IOException;

/**
 * A function that may throw {@link IOException}: the reader given to
 * {@link FileTransaction#read(java.nio.file.Path, IOFunction)}.
 *
 * @param <T> what it takes
 * @param <R> what it returns
 */
@FunctionalInterface
public interface IOFunction<T, R> {
  /**
   * @param t the argument
   * @return the result
   * @throws IOException as the function sees fit
   */
  R apply(T t) throws IOException;
}
