package io.htmlgraph.atomic;

import java.io.IOException;
import java.nio.file.Path;

/**
 * One {@code FileTransaction} of {@code ROOT} writing {@code TEXT} to each {@code FILE}, in a JVM of
 * its own, run as another user by {@link ReplaceKeepsAccessTest}: prints {@code OK}, or {@code FAILED}
 * and the exception, exit status 3.
 */
public final class TxnWriteChild {
  private TxnWriteChild() {}

  /** @param args ROOT TEXT FILE... (names relative to ROOT) */
  public static void main(String[] args) {
    try (FileTransaction tx = FileTransaction.begin(Path.of(args[0]))) {
      for (int i = 2; i < args.length; i++) {
        tx.write(Path.of(args[i]), args[1]);
      }
      tx.commit();
      System.out.println("OK");
    } catch (IOException e) {
      System.out.println("FAILED " + e);
      System.exit(3);
    }
  }
}
