package io.htmlgraph.atomic.testsupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;

/**
 * Another local user, {@code nobody}: for the tests of what a second user can plant in a shared
 * directory, and of what the library does when run by one. Acting as that user needs root
 * ({@code runuser}); tests skip with a reason elsewhere ({@link #assume()}).
 */
public final class OtherUser {
  public static final String NAME = "nobody";
  public static final int UID = 65534;
  private static final String RUNUSER = "/usr/sbin/runuser";

  private OtherUser() {}

  /** @return whether this process runs as root */
  public static boolean isRoot() {
    return Commands.isRoot();
  }

  /** @return whether this process can run commands as {@code nobody} */
  public static boolean available() {
    if (!isRoot() || !Files.isExecutable(Path.of(RUNUSER))) {
      return false;
    }
    try {
      return run("true").exit() == 0;
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }

  /** Skips the test unless this process can act as {@code nobody}. */
  public static void assume() {
    Assumptions.assumeTrue(available(), "needs root and runuser to act as a second user (" + NAME + ")");
  }

  /** Runs {@code command} as {@code nobody}, its standard error merged into its output. */
  public static Commands.Result run(String... command) throws IOException, InterruptedException {
    return Commands.run(asNobody(List.of(command)));
  }

  /** Runs {@code command} as {@code nobody}; fails the test unless it succeeds. */
  public static void plant(String... command) throws IOException, InterruptedException {
    Commands.Result r = run(command);
    if (r.exit() != 0) {
      throw new AssertionError("as " + NAME + ": " + String.join(" ", command) + ": " + r);
    }
  }

  /**
   * @return a child JVM running {@code main} as {@code nobody}, on the class directories only (nobody
   *     may not read the jars in root's Maven repository), to be set up further, then run
   */
  public static ChildJvm.Launch launch(Class<?> main, String... args) {
    return ChildJvm.launch(main, args).classPath(ChildJvm.classDirectories()).under(asNobody(List.of()));
  }

  /** Runs {@link #launch} to its end; its standard error merged into its output. */
  public static Commands.Result java(Class<?> main, String... args) throws IOException, InterruptedException {
    return launch(main, args).mergeErrors().run(Commands.TIMEOUT);
  }

  private static List<String> asNobody(List<String> command) {
    List<String> cmd = new ArrayList<>(List.of(RUNUSER, "-u", NAME, "--"));
    cmd.addAll(command);
    return cmd;
  }

  /**
   * @return a new directory {@code parent/name} that every user may write, sticky as {@code /tmp}
   *     ({@code 1777}); {@code parent} is made searchable by everyone
   */
  public static Path sharedDirectory(Path parent, String name) throws IOException {
    Files.setAttribute(parent, "unix:mode", 0755);
    Path dir = Files.createDirectory(parent.resolve(name));
    Files.setAttribute(dir, "unix:mode", 01777);
    return dir;
  }

  /** @return a new directory {@code parent/name} only its owner may enter ({@code 0700}) */
  public static Path privateDirectory(Path parent, String name) throws IOException {
    Path dir = Files.createDirectory(parent.resolve(name));
    Files.setAttribute(dir, "unix:mode", 0700);
    return dir;
  }

  /** Makes {@code dir} and its parents up to {@code top} searchable by every user. */
  public static void openUp(Path top, Path dir) throws IOException {
    for (Path p = dir; p != null && p.startsWith(top); p = p.getParent()) {
      if (!Files.isSymbolicLink(p)) {
        int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(p, "unix:mode", (mode & 07777) | 0111, LinkOption.NOFOLLOW_LINKS);
      }
    }
  }

  /** @return a symbolic link {@code link -> to} owned by {@code nobody} (lchown), as that user would plant it */
  public static Path link(Path link, Path to) throws IOException {
    Files.createSymbolicLink(link, to);
    Files.setAttribute(link, "unix:uid", UID, LinkOption.NOFOLLOW_LINKS);
    return link;
  }

  /** @return {@code file}, written with {@code content}, which only its owner may read or write */
  public static Path ownerOnly(Path file, String content) throws IOException {
    Files.writeString(file, content);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    return file;
  }
}
