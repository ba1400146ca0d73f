package io.htmlgraph.atomic;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A quick side-by-side figure (printed, never asserted), not the benchmark: one transaction of 10 small
 * files against 10 separate {@code FULL} writes and against {@code atomicWriteAll} of the 10, the three
 * alternated round by round in three directories of {@code DIR}, medians.
 *
 * <pre>
 * mvn -q -o -pl core test-compile
 * java -cp core/target/classes:core/target/test-classes io.htmlgraph.atomic.TransactionQuickBench DIR [rounds=60]
 * </pre>
 */
public final class TransactionQuickBench {
  private static final int FILES = 10;
  private static final int WARM_UP = 5;

  private TransactionQuickBench() {}

  public static void main(String[] args) throws IOException {
    Path base = Files.createTempDirectory(Path.of(args[0]), "txbench-");
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 60;
    Path txRoot = Files.createDirectories(base.resolve("tx"));
    Path sepRoot = Files.createDirectories(base.resolve("separate"));
    Path allRoot = Files.createDirectories(base.resolve("all"));
    List<Long> tx = new ArrayList<>();
    List<Long> separate = new ArrayList<>();
    List<Long> all = new ArrayList<>();
    for (int r = -WARM_UP; r < rounds; r++) {
      byte[][] content = new byte[FILES][];
      for (int i = 0; i < FILES; i++) {
        content[i] = String.format("round %6d file %2d %s%n", r, i, "x".repeat(70)).getBytes(StandardCharsets.UTF_8);
      }
      long t0 = System.nanoTime();
      try (FileTransaction t = FileTransaction.begin(txRoot)) {
        for (int i = 0; i < FILES; i++) {
          t.write(Path.of("f" + i), content[i]);
        }
        t.commit();
      }
      long t1 = System.nanoTime();
      for (int i = 0; i < FILES; i++) {
        AtomicFileWriter.atomicWrite(sepRoot.resolve("f" + i), content[i]);
      }
      long t2 = System.nanoTime();
      Map<Path, byte[]> batch = new LinkedHashMap<>();
      for (int i = 0; i < FILES; i++) {
        batch.put(allRoot.resolve("f" + i), content[i]);
      }
      AtomicFiles.atomicWriteAll(batch);
      long t3 = System.nanoTime();
      if (r >= 0) {
        tx.add(t1 - t0);
        separate.add(t2 - t1);
        all.add(t3 - t2);
      }
    }
    double mt = median(tx);
    double ms = median(separate);
    double ma = median(all);
    System.out.printf("%s, %d rounds, %d files of ~100 B, medians: transaction %.2f ms, %d separate FULL writes %.2f ms, "
        + "atomicWriteAll %.2f ms; separate/transaction %.2fx, transaction/atomicWriteAll %.2fx%n",
        args[0], rounds, FILES, mt, FILES, ms, ma, ms / mt, mt / ma);
  }

  private static double median(List<Long> nanos) {
    List<Long> s = new ArrayList<>(nanos);
    Collections.sort(s);
    return s.get(s.size() / 2) / 1e6;
  }
}
