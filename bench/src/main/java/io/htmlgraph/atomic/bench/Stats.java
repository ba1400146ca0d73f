package io.htmlgraph.atomic.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/** Median and spread of repeated measurements. */
record Stats(double median, double min, double max, int n) {
  static Stats of(List<Double> values) {
    if (values.isEmpty()) {
      return new Stats(Double.NaN, Double.NaN, Double.NaN, 0);
    }
    List<Double> v = new ArrayList<>(values);
    Collections.sort(v);
    int n = v.size();
    double median = n % 2 == 1 ? v.get(n / 2) : (v.get(n / 2 - 1) + v.get(n / 2)) / 2;
    return new Stats(median, v.get(0), v.get(n - 1), n);
  }

  /** The value at quantile q (0..1) of sorted values, nearest rank. */
  static double quantile(List<Double> values, double q) {
    List<Double> v = new ArrayList<>(values);
    Collections.sort(v);
    int idx = (int) Math.ceil(q * v.size()) - 1;
    return v.get(Math.max(0, Math.min(v.size() - 1, idx)));
  }

  String median(String fmt) {
    return String.format(Locale.ROOT, fmt, median);
  }

  String spread(String fmt) {
    return String.format(Locale.ROOT, fmt + " – " + fmt, min, max);
  }

  /** median / other.median */
  double ratioTo(Stats other) {
    return median / other.median;
  }
}
