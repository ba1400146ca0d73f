package io.htmlgraph.atomic.json;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Run by {@link AtomicJsonFileFailureTest} under a file-size limit: writes about 1.3 MB of JSON and
 * prints the class of what was thrown, or "written".
 */
public final class BigWriteChild {
  private BigWriteChild() {}

  public static void main(String[] args) {
    List<String> rows = new ArrayList<>();
    for (int i = 0; i < 100_000; i++) {
      rows.add("row " + i);
    }
    try {
      AtomicJson.write(Path.of(args[0]), rows);
      System.out.println("written");
    } catch (Exception e) {
      System.out.println(e.getClass().getName() + ": " + e.getMessage());
    }
  }
}
