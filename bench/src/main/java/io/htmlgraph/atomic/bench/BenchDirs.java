package io.htmlgraph.atomic.bench;

import io.htmlgraph.atomic.testsupport.TempTrees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Where benchmarks write: {@code -Dbench.dir}, default {@code bench/target/work}, on the disk measured. */
final class BenchDirs {
  private BenchDirs() {}

  static Path root() throws IOException {
    Path root = Path.of(System.getProperty("bench.dir", "bench/target/work")).toAbsolutePath();
    Files.createDirectories(root);
    return root;
  }

  /** A fresh, empty directory under the root. */
  static Path fresh(String name) throws IOException {
    return fresh(root(), name);
  }

  /** A fresh, empty directory under {@code root}. */
  static Path fresh(Path root, String name) throws IOException {
    return Files.createTempDirectory(root, name + "-");
  }

  /** Deletes {@code dir} and everything below it, as the tests delete their trees. */
  static void deleteTree(Path dir) throws IOException {
    TempTrees.delete(dir);
  }
}
