package io.htmlgraph.atomic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.htmlgraph.atomic.testsupport.ChildJvm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The private directory in which a replace makes its copy of the old file (see "What a replace
 * keeps" in the README) is made in the target's directory, then kept in {@code java.io.tmpdir} for
 * the next replaces of the JVM, and removed when unused for a while or when the JVM exits: the
 * target's directory never shows it once a write returns. Each child JVM gets a temp directory of its
 * own, so that what it parks can be told from what other JVMs park.
 */
class PrivateDirParkingTest {
  private static final String PARKED = ".tmp-htmlgraph-atomic-";

  @TempDir Path dir;

  private static List<String> parked(Path tmp) throws IOException {
    try (Stream<Path> s = Files.list(tmp)) {
      return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(PARKED)).sorted()
          .collect(Collectors.toList());
    }
  }

  private Path tmpOfItsOwn(String name, String mode) throws IOException {
    Path t = Files.createDirectory(dir.resolve(name));
    Files.setAttribute(t, "unix:mode", Integer.parseInt(mode, 8));
    return t;
  }

  private Path targetDir() throws IOException {
    Path d = Files.createDirectory(dir.resolve("target"));
    Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxr-xr-x"));
    return d;
  }

  private static ChildJvm child(Path tmp, String... args) throws IOException {
    return ChildJvm.start(List.of("-Djava.io.tmpdir=" + tmp, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"),
        Child.class, args);
  }

  @Test
  void theCopyIsMadeInOneParkedDirectoryReusedByEveryReplaceAndTheTargetsDirectoryShowsNone() throws Exception {
    Path tmp = tmpOfItsOwn("tmp", "700");
    Path d = targetDir();
    try (ChildJvm c = child(tmp, d.toString(), "3", "wait")) {
      List<String> seen = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        String line = c.readLine();
        assertThat(line).startsWith("written " + i + " ").endsWith(" entries [f]");
        seen.add(line.substring(line.indexOf("parked "), line.indexOf(" entries")));
      }
      assertThat(seen).as("one parked directory, the same for every replace").containsOnly(seen.get(0));
      List<String> names = parked(tmp);
      assertThat(names).hasSize(1);
      Path p = tmp.resolve(names.get(0));
      assertThat(Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS)).isEqualTo(040700);
      try (Stream<Path> s = Files.list(p)) {
        assertThat(s.map(x -> x.getFileName().toString())).as("nothing but its mark between writes")
            .containsExactly("live");
      }
      assertThat(TestFiles.names(d)).containsExactly("f");
      assertThat(d.resolve("f")).hasContent("v2");
      c.send("exit");
      assertThat(c.waitFor(60)).isZero();
    }
    assertThat(parked(tmp)).as("removed when the JVM exits").isEmpty();
  }

  @Test
  void aParkedDirectoryUnusedForAWhileIsRemovedWhileTheJvmRuns() throws Exception {
    Path tmp = tmpOfItsOwn("tmp", "700");
    Path d = targetDir();
    try (ChildJvm c = child(tmp, d.toString(), "2", "linger")) {
      assertThat(c.readLine()).startsWith("written 0 ");
      assertThat(c.readLine()).startsWith("written 1 parked [" + PARKED);
      assertThat(c.readLine()).isEqualTo("gone while running");
      assertThat(c.waitFor(60)).isZero();
    }
    assertThat(TestFiles.names(d)).containsExactly("f");
  }

  @Test
  void aParkedDirectoryLeftByAKilledJvmIsSweptByTheNextThatParksOne() throws Exception {
    Path tmp = tmpOfItsOwn("tmp", "700");
    Path d = targetDir();
    String left;
    try (ChildJvm killed = child(tmp, d.toString(), "1", "wait")) {
      assertThat(killed.readLine()).startsWith("written 0 ");
      left = parked(tmp).get(0);
      killed.process.destroyForcibly().waitFor();
    }
    assertThat(parked(tmp)).containsExactly(left);
    try (ChildJvm next = child(tmp, d.toString(), "1", "swept:" + left)) {
      assertThat(next.readLine()).startsWith("written 0 ");
      assertThat(next.readLine()).isEqualTo("swept " + left);
      assertThat(next.waitFor(60)).isZero();
    }
    assertThat(parked(tmp)).isEmpty();
  }

  @Test
  void aTempDirectoryOthersCouldRenameInIsNotUsedAndTheCopyIsMadeBesideTheTemp() throws Exception {
    Path tmp = tmpOfItsOwn("tmp", "777"); // writable by all, without the sticky bit
    Path d = targetDir();
    try (ChildJvm c = child(tmp, d.toString(), "2", "exit")) {
      assertThat(c.readLine()).isEqualTo("written 0 parked [] entries [f]");
      assertThat(c.readLine()).isEqualTo("written 1 parked [] entries [f]");
      assertThat(c.waitFor(60)).isZero();
    }
    assertThat(d.resolve("f")).hasContent("v1");
  }

  @Test
  void aTargetOnAnotherMountOfTheSameDeviceGetsItsCopyMadeBesideTheTemp() throws Exception {
    assumeTrue(TestFiles.isRoot(), "needs root for a bind mount; skipped");
    Path tmp = tmpOfItsOwn("tmp", "700");
    Path source = targetDir();
    Path mounted = Files.createDirectory(dir.resolve("mounted"));
    assumeTrue(TestFiles.run("mount", "--bind", source.toString(), mounted.toString()) == 0, "mount --bind failed");
    try {
      // same device as the temp directory, another mount: rename(2) between them fails with EXDEV
      try (ChildJvm c = child(tmp, mounted.toString(), "2", "exit")) {
        assertThat(c.readLine()).isEqualTo("written 0 parked [] entries [f]");
        assertThat(c.readLine()).isEqualTo("written 1 parked [] entries [f]");
        assertThat(c.waitFor(60)).isZero();
      }
      assertThat(mounted.resolve("f")).hasContent("v1");
    } finally {
      if (TestFiles.run("umount", mounted.toString()) != 0) {
        TestFiles.run("umount", "-l", mounted.toString());
      }
    }
  }

  @Test
  void sixteenWritersInOneDirectoryAndEachInItsOwnLeaveNothingBehind() throws Exception {
    Path d = targetDir();
    List<Path> files = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      Path own = Files.createDirectory(dir.resolve("own" + i));
      for (Path f : List.of(d.resolve("f" + i), own.resolve("f"))) {
        Files.writeString(f, "old");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
        files.add(f);
      }
    }
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (Path f : files) {
        done.add(pool.submit(() -> {
          for (int k = 0; k < 20; k++) {
            AtomicFileWriter.atomicWrite(f, "new " + k);
          }
          return null;
        }));
      }
      for (Future<?> f : done) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    for (Path f : files) {
      assertThat(f).hasContent("new 19");
      assertThat(Files.getAttribute(f, "unix:mode")).isEqualTo(0100644);
      assertThat(TestFiles.temps(f.getParent())).isEmpty();
    }
  }

  /**
   * Replaces {@code DIR/f} (mode 0644) COUNT times, printing after each the parked directories in
   * {@code java.io.tmpdir} and the entries of DIR; then: {@code exit}; {@code wait} (for a line on
   * stdin); {@code linger} (until no directory is parked, at most 30 s); {@code swept:NAME} (until
   * NAME is gone from {@code java.io.tmpdir}, at most 30 s).
   */
  public static final class Child {
    public static void main(String[] args) throws Exception {
      Path d = Path.of(args[0]);
      Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
      Path f = d.resolve("f");
      if (!Files.exists(f)) {
        Files.writeString(f, "old");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
      }
      int count = Integer.parseInt(args[1]);
      for (int i = 0; i < count; i++) {
        AtomicFileWriter.atomicWrite(f, "v" + i);
        System.out.println("written " + i + " parked " + parked(tmp) + " entries " + TestFiles.names(d));
      }
      String then = args[2];
      if (then.equals("wait")) {
        new java.io.BufferedReader(new java.io.InputStreamReader(System.in)).readLine();
      } else if (then.equals("linger")) {
        System.out.println(await(tmp, null) ? "gone while running" : "still parked after 30 s");
      } else if (then.startsWith("swept:")) {
        String name = then.substring("swept:".length());
        System.out.println(await(tmp, name) ? "swept " + name : "not swept: " + parked(tmp));
      }
    }

    /** Waits until {@code name} (or every parked directory) is gone from {@code tmp}, at most 30 s. */
    private static boolean await(Path tmp, String name) throws Exception {
      for (int i = 0; i < 300; i++) {
        List<String> now = parked(tmp);
        if (name == null ? now.isEmpty() : !now.contains(name)) {
          return true;
        }
        Thread.sleep(100);
      }
      return false;
    }
  }
}
