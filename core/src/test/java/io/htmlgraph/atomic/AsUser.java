package io.htmlgraph.atomic;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs things as another user, for the tests of what another local user can do to the library (and
 * what the library does when run by one). Needs root (runuser); callers skip otherwise.
 */
final class AsUser {
  static final String NOBODY = "nobody";
  static final int NOBODY_UID = 65534;

  private AsUser() {}

  /** @return whether this process can run commands as nobody */
  static boolean available() {
    if (!TestFiles.isRoot()) {
      return false;
    }
    try {
      return run(NOBODY, "true").exit == 0;
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }

  /** What a command printed and how it ended. */
  static final class Result {
    final int exit;
    final String output;

    Result(int exit, String output) {
      this.exit = exit;
      this.output = output;
    }

    @Override
    public String toString() {
      return "exit " + exit + ": " + output;
    }
  }

  /** Runs {@code cmd} as {@code user}, at most 60 s. */
  static Result run(String user, String... cmd) throws IOException, InterruptedException {
    List<String> all = new ArrayList<>(List.of("runuser", "-u", user, "--"));
    all.addAll(List.of(cmd));
    Process p = new ProcessBuilder(all).redirectErrorStream(true).start();
    p.getOutputStream().close();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException("timed out: " + all);
    }
    return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes()).trim());
  }

  /**
   * Runs {@link UserMain} in a JVM as {@code user}, on this module's classes only (the user may not
   * read the dependencies in the Maven repository).
   */
  static Result java(String user, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-XX:TieredStopAtLevel=1");
    cmd.add("-XX:+UseSerialGC");
    cmd.add("-cp");
    cmd.add(codeSource(AtomicFileWriter.class) + java.io.File.pathSeparator + codeSource(UserMain.class));
    cmd.add(UserMain.class.getName());
    cmd.addAll(List.of(args));
    return run(user, cmd.toArray(new String[0]));
  }

  private static String codeSource(Class<?> c) {
    try {
      return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    } catch (java.net.URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A directory like /tmp: sticky and writable by all. */
  static Path stickyDirectory(Path dir) throws IOException {
    Files.createDirectories(dir);
    Files.setAttribute(dir, "unix:mode", 01777);
    return dir;
  }

  /** Makes {@code dir} and its parents up to {@code top} searchable by every user. */
  static void openUp(Path top, Path dir) throws IOException {
    for (Path p = dir; p != null && p.startsWith(top); p = p.getParent()) {
      if (!Files.isSymbolicLink(p)) {
        int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(p, "unix:mode", (mode & 07777) | 0111, LinkOption.NOFOLLOW_LINKS);
      }
    }
  }

  /** A symbolic link owned by {@code uid} (lchown), as another user would plant it. */
  static Path link(Path link, Path to, int uid) throws IOException {
    Files.createSymbolicLink(link, to);
    Files.setAttribute(link, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
    return link;
  }

  /** A file only root may read or write. */
  static Path rootOnly(Path file, String content) throws IOException {
    Files.writeString(file, content);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    return file;
  }

  /** The program {@link #java} runs: one library call, its outcome printed. */
  public static final class UserMain {
    public static void main(String[] args) throws Exception {
      try {
        switch (args[0]) {
          case "write" -> AtomicFileWriter.atomicWrite(Path.of(args[1]), args[2]);
          case "read" -> System.out.print(AtomicFileWriter.safeReadWithRetry(Path.of(args[1]), 1, java.time.Duration.ZERO));
          default -> throw new IllegalArgumentException(args[0]);
        }
        System.out.println("OK");
      } catch (IOException e) {
        System.out.println("FAILED " + e);
        System.exit(3);
      }
    }
  }
}
