package io.htmlgraph.atomic.testsupport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Another local user, {@code nobody}, for tests of what a second user can plant in a shared
 * directory. Acting as that user needs root ({@code runuser}); tests skip with a reason elsewhere.
 */
public final class OtherUser {
  public static final String NAME = "nobody";

  private OtherUser() {}

  /** @return whether this process runs as root */
  public static boolean isRoot() {
    try {
      return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).intValue() == 0;
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      return false;
    }
  }

  /** Skips the test unless this process can act as {@code nobody}. */
  public static void assume() {
    Assumptions.assumeTrue(isRoot() && Files.isExecutable(Path.of("/usr/sbin/runuser")),
        "needs root and runuser to plant files as a second user (" + NAME + ")");
  }

  /**
   * Runs {@code command} as {@code nobody} and waits for it (30 s at most).
   *
   * @return its exit status
   */
  public static int run(String... command) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("/usr/sbin/runuser", "-u", NAME, "--"));
    cmd.addAll(List.of(command));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("did not end within 30 s: " + cmd);
    }
    if (p.exitValue() != 0) {
      System.out.println(String.join(" ", cmd) + ": " + new String(out, StandardCharsets.UTF_8).trim());
    }
    return p.exitValue();
  }

  /** Runs {@code command} as {@code nobody}; fails the test unless it succeeds. */
  public static void plant(String... command) throws IOException, InterruptedException {
    int status = run(command);
    if (status != 0) {
      throw new AssertionError("as " + NAME + ": " + String.join(" ", command) + " exited with " + status);
    }
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
}
