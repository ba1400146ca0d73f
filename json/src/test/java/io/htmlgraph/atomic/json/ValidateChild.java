package io.htmlgraph.atomic.json;

import java.nio.file.Path;

/** Run by {@link AtomicJsonValidateTest} in a JVM with a small heap: validates each file given. */
public final class ValidateChild {
  private ValidateChild() {}

  public static void main(String[] args) {
    StringBuilder out = new StringBuilder();
    long start = System.nanoTime();
    for (String a : args) {
      out.append(AtomicJson.validate(Path.of(a))).append(' ');
    }
    long ms = (System.nanoTime() - start) / 1_000_000;
    System.out.println(out.append("in ").append(ms).append(" ms"));
  }
}
