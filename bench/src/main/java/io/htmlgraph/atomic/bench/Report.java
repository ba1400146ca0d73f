package io.htmlgraph.atomic.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** Accumulates the Markdown of docs/benchmarks.md. */
final class Report {
  private final StringBuilder md = new StringBuilder();

  Report line(String s) {
    md.append(s).append('\n');
    return this;
  }

  Report blank() {
    return line("");
  }

  Report header(String... cols) {
    line("| " + String.join(" | ", cols) + " |");
    StringBuilder sep = new StringBuilder("|");
    for (int i = 0; i < cols.length; i++) {
      sep.append(i == 0 ? " --- |" : " ---: |");
    }
    return line(sep.toString());
  }

  Report row(Object... cells) {
    StringBuilder b = new StringBuilder("|");
    for (Object c : cells) {
      b.append(' ').append(c).append(" |");
    }
    return line(b.toString());
  }

  static String f(String fmt, Object... args) {
    return String.format(Locale.ROOT, fmt, args);
  }

  static String ratio(double r) {
    return Double.isNaN(r) ? "–" : String.format(Locale.ROOT, "%.2f×", r);
  }

  /** "met" / "missed" against a threshold. */
  static String verdict(boolean met) {
    return met ? "met" : "**missed**";
  }

  /**
   * Whether {@code ratio} reaches {@code target}; a miss shows three decimals, so that a ratio printed
   * as the target's two ("0.95×") but below it reads as what it is.
   */
  static String verdict(double ratio, double target) {
    return ratio >= target ? "met" : String.format(Locale.ROOT, "**missed** (%.3f×)", ratio);
  }

  void writeTo(Path out) throws IOException {
    if (out.getParent() != null) {
      Files.createDirectories(out.getParent());
    }
    Files.writeString(out, md.toString(), StandardCharsets.UTF_8);
  }

  @Override
  public String toString() {
    return md.toString();
  }

  static String join(List<String> parts) {
    return String.join(", ", parts);
  }
}
