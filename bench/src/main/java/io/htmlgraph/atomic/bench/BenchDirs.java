package io.htmlgraph.atomic.bench;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

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

  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    Files.walkFileTree(dir, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        Files.delete(file);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
        Files.delete(d);
        return FileVisitResult.CONTINUE;
      }
    });
  }
}
