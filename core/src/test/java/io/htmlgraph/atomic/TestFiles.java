package io.htmlgraph.atomic;

import io.htmlgraph.atomic.testsupport.Commands;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Helpers for the core's tests. */
final class TestFiles {
  private TestFiles() {}

  /** @return the names of the writer's temp files ({@code .tmp-*}) in {@code dir} */
  static List<String> temps(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".tmp-")).sorted().collect(Collectors.toList());
    }
  }

  /** @return every name in {@code dir} */
  static List<String> names(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
    }
  }

  static boolean isRoot() {
    return Commands.isRoot();
  }

  /** @return the exit status of {@code cmd} */
  static int run(String... cmd) throws IOException, InterruptedException {
    return Commands.run(cmd).exit();
  }

  /** A tmpfs mounted for one test (root only); unmounted on close. */
  static final class Tmpfs implements AutoCloseable {
    final Path dir;

    Tmpfs(Path dir, String options) throws IOException, InterruptedException {
      this.dir = Files.createDirectories(dir);
      int rc = run("mount", "-t", "tmpfs", "-o", options, "tmpfs", dir.toString());
      if (rc != 0) {
        throw new IOException("mount tmpfs on " + dir + " failed: exit " + rc);
      }
    }

    void remount(String options) throws IOException, InterruptedException {
      int rc = run("mount", "-o", "remount," + options, dir.toString());
      if (rc != 0) {
        throw new IOException("remount " + options + " failed: exit " + rc);
      }
    }

    @Override
    public void close() throws IOException, InterruptedException {
      if (run("umount", dir.toString()) != 0) {
        run("umount", "-l", dir.toString());
      }
    }
  }

  /** @return whether this process may mount a tmpfs (root on Linux with mount available) */
  static boolean canMount() {
    if (!isRoot() || !System.getProperty("os.name").toLowerCase().contains("linux")) {
      return false;
    }
    try {
      Path probe = Files.createTempDirectory("mount-probe");
      try (Tmpfs t = new Tmpfs(probe, "size=64k")) {
        return true;
      } catch (IOException e) {
        return false;
      } finally {
        Files.deleteIfExists(probe);
      }
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }
}
