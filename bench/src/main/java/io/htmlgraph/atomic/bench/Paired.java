package io.htmlgraph.atomic.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Measures contestants side by side in short alternating slices, so that the load of a shared machine
 * (which drifts over seconds) weighs on all of them alike: in each round every contestant runs for the
 * same slice of time, in a rotated order; the ratio to the first contestant is taken per round and its
 * median reported.
 */
final class Paired {
  /** One operation to time. */
  @FunctionalInterface
  interface Op {
    void run() throws Exception;
  }

  private Paired() {}

  /** @return ops/s per round for each contestant, in the given order */
  static Map<String, List<Double>> run(Map<String, Op> contestants, int rounds, long sliceMillis) throws Exception {
    List<String> names = new ArrayList<>(contestants.keySet());
    Map<String, List<Double>> out = new LinkedHashMap<>();
    names.forEach(n -> out.put(n, new ArrayList<>()));
    for (String n : names) {
      slice(contestants.get(n), sliceMillis); // warm-up, not counted
    }
    for (int round = 0; round < rounds; round++) {
      for (int k = 0; k < names.size(); k++) {
        String n = names.get((k + round) % names.size());
        out.get(n).add(slice(contestants.get(n), sliceMillis));
      }
    }
    return out;
  }

  private static double slice(Op op, long millis) throws Exception {
    long start = System.nanoTime();
    long end = start + millis * 1_000_000L;
    long ops = 0;
    long now;
    do {
      op.run();
      ops++;
      now = System.nanoTime();
    } while (now < end);
    return ops / ((now - start) / 1e9);
  }

  /** Per-round ratios a[i] / b[i]. */
  static List<Double> ratios(List<Double> a, List<Double> b) {
    List<Double> r = new ArrayList<>();
    for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
      r.add(a.get(i) / b.get(i));
    }
    return r;
  }
}
