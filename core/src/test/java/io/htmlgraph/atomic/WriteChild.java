package io.htmlgraph.atomic;

import java.io.IOException;
import java.nio.file.Path;

/**
 * One {@code AtomicFileWriter.atomicWrite(FILE, TEXT)} in a JVM of its own, run as another user by
 * {@link ReplaceKeepsAccessTest}: prints {@code OK}, or {@code FAILED} and the exception, exit status 3.
 */
public final class WriteChild {
  private WriteChild() {}

  public static void main(String[] args) {
    try {
      AtomicFileWriter.atomicWrite(Path.of(args[0]), args[1]);
      System.out.println("OK");
    } catch (IOException e) {
      System.out.println("FAILED " + e);
      System.exit(3);
    }
  }
}
