package io.htmlgraph.atomic.testsupport;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * The removal of trees a test or a benchmark makes outside JUnit's {@code @TempDir} (on another file
 * system, in a benchmark's work directory).
 */
public final class TempTrees {
  private TempTrees() {}

  /**
   * Deletes {@code dir} and everything below it; nothing if it does not exist. Links are deleted, never
   * followed: a tree holding a link to elsewhere deletes the link only.
   *
   * @throws IOException the first failure to delete; what was deleted before it stays deleted
   */
  public static void delete(Path dir) throws IOException {
    if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    Files.walkFileTree(dir, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        Files.delete(file);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
        if (e != null) {
          throw e;
        }
        Files.delete(d);
        return FileVisitResult.CONTINUE;
      }
    });
  }
}
