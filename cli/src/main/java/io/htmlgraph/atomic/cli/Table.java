package io.htmlgraph.atomic.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** A plain-text table with left-aligned columns, as the verdicts of {@code check} and {@code demo}. */
final class Table {
  private final List<String[]> rows = new ArrayList<>();
  private final boolean[] rightAligned;

  Table(boolean... rightAligned) {
    this.rightAligned = rightAligned;
  }

  Table row(String... cells) {
    rows.add(cells);
    return this;
  }

  void print(PrintWriter out) {
    int cols = rows.stream().mapToInt(r -> r.length).max().orElse(0);
    int[] width = new int[cols];
    for (String[] r : rows) {
      for (int i = 0; i < r.length; i++) {
        width[i] = Math.max(width[i], r[i].length());
      }
    }
    for (String[] r : rows) {
      StringBuilder sb = new StringBuilder("  ");
      for (int i = 0; i < r.length; i++) {
        boolean right = i < rightAligned.length && rightAligned[i];
        String pad = " ".repeat(width[i] - r[i].length());
        sb.append(right ? pad + r[i] : r[i] + (i == r.length - 1 ? "" : pad));
        if (i < r.length - 1) {
          sb.append("   ");
        }
      }
      out.println(sb.toString().stripTrailing());
    }
  }
}
