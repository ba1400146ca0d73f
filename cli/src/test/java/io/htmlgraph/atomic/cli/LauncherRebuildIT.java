package io.htmlgraph.atomic.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * When the {@code ./atomic} launcher rebuilds its jar. The real script runs on a copy of the
 * repository's layout with stand-ins for {@code mvn} (writes the jar) and {@code java} (records its
 * arguments), so each case takes milliseconds instead of a build: what is checked is which runs call
 * {@code mvn}, and that the command then runs with its arguments.
 */
class LauncherRebuildIT {
  @TempDir Path root;

  private Path log;
  private Path jar;
  private final Instant sourcesTime = Instant.now().minus(Duration.ofHours(1));
  private final Instant jarTime = Instant.now().minus(Duration.ofMinutes(10));

  @BeforeEach
  void layout() throws IOException {
    Files.copy(Launcher.path(), root.resolve("atomic"), StandardCopyOption.COPY_ATTRIBUTES);
    for (String f : List.of("pom.xml", "core/pom.xml", "json/pom.xml", "cli/pom.xml", "bench/pom.xml",
        "README.md", "core/src/main/java/io/htmlgraph/atomic/AtomicFiles.java",
        "core/src/test/java/io/htmlgraph/atomic/AtomicFilesTest.java",
        "json/src/main/java/io/htmlgraph/atomic/json/AtomicJson.java",
        "zookeeper/pom.xml", "zookeeper/src/main/java/io/htmlgraph/atomic/zookeeper/ZooKeeperLocker.java",
        "cli/src/main/java/io/htmlgraph/atomic/cli/Main.java",
        "cli/src/main/resources/io/htmlgraph/atomic/cli/version.properties",
        "testing/src/main/java/io/htmlgraph/atomic/testing/CrashSimulator.java",
        "bench/src/main/java/io/htmlgraph/atomic/bench/RunAll.java")) {
      Path p = root.resolve(f);
      Files.createDirectories(p.getParent());
      Files.writeString(p, "v1\n");
    }
    log = root.resolve("calls.log");
    jar = root.resolve("cli/target/atomic.jar");
    // mvn: records the call and writes the jar; $DURING_BUILD, if set, runs while it "builds"
    script("bin/mvn", "echo \"mvn $*\" >> \"$CALLS\"\n"
        + "if [ -n \"${DURING_BUILD:-}\" ]; then sleep 0.05; eval \"$DURING_BUILD\"; fi\n"
        + "mkdir -p \"$ROOT/cli/target\" && echo jar > \"$ROOT/cli/target/atomic.jar\"\n");
    // java: records the call; a -Xshare:dump run writes its archive, as the real one does
    script("jdk/bin/java", "echo \"java $*\" >> \"$CALLS\"\n"
        + "out=; dump=\n"
        + "for a in \"$@\"; do case $a in -XX:SharedArchiveFile=*) out=${a#*=} ;; -Xshare:dump) dump=1 ;; esac; done\n"
        + "if [ -n \"$dump\" ]; then echo archive > \"$out\"; fi\n");
    try (Stream<Path> all = Files.walk(root)) {
      for (Path p : all.toList()) {
        Files.setLastModifiedTime(p, FileTime.from(sourcesTime));
      }
    }
  }

  private void script(String path, String body) throws IOException {
    Path p = root.resolve(path);
    Files.createDirectories(p.getParent());
    Files.writeString(p, "#!/usr/bin/env bash\n" + body);
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  /** A jar built after the sources, with its archives, as the launcher leaves it. */
  private void builtJar() throws Exception {
    assertThat(run("--rebuild").code()).isZero();
    Files.setLastModifiedTime(jar, FileTime.from(jarTime));
    Files.writeString(log, "");
  }

  private record Run(int code, String err, List<String> calls) {
    long builds() {
      return calls.stream().filter(c -> c.startsWith("mvn ")).count();
    }

    /** The run of the command itself: the last call of java, which is not a training run. */
    String command() {
      return calls.isEmpty() ? "" : calls.get(calls.size() - 1);
    }
  }

  private Run run(String... args) throws Exception {
    return runWhileBuilding(null, args);
  }

  /** Runs the launcher; {@code duringBuild}, if not null, is a shell command the stand-in mvn runs. */
  private Run runWhileBuilding(String duringBuild, String... args) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(Stream.concat(Stream.of(root.resolve("atomic").toString()),
        Stream.of(args)).toList());
    pb.directory(root.toFile());
    pb.environment().put("PATH", root.resolve("bin") + ":" + System.getenv("PATH"));
    pb.environment().put("JAVA_HOME", root.resolve("jdk").toString());
    pb.environment().put("CALLS", log.toString());
    pb.environment().put("ROOT", root.toString());
    if (duringBuild != null) {
      pb.environment().put("DURING_BUILD", duringBuild);
    }
    pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
    Process p = pb.start();
    byte[] err = p.getErrorStream().readAllBytes();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    List<String> calls = Files.exists(log) ? Files.readAllLines(log) : List.of();
    Files.writeString(log, "");
    return new Run(p.exitValue(), new String(err, StandardCharsets.UTF_8), calls);
  }

  @Test
  void aMissingJarIsBuiltThenTheCommandRuns() throws Exception {
    Run r = run("--version");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.builds()).isEqualTo(1);
    assertThat(r.err()).contains("atomic: building " + jar + " (first run)");
    assertThat(r.command()).endsWith("-jar " + jar + " --version");
    assertThat(jar).exists();
  }

  @Test
  void aJarNewerThanEverySourceRunsAtOnce() throws Exception {
    builtJar();
    Run r = run("write", "f");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.builds()).isZero();
    assertThat(r.err()).isEmpty();
    assertThat(r.command()).endsWith("-jar " + jar + " write f");
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "core/src/main/java/io/htmlgraph/atomic/AtomicFiles.java",
      "json/src/main/java/io/htmlgraph/atomic/json/AtomicJson.java",
      "zookeeper/src/main/java/io/htmlgraph/atomic/zookeeper/ZooKeeperLocker.java",
      "zookeeper/pom.xml",
      "cli/src/main/java/io/htmlgraph/atomic/cli/Main.java",
      "cli/src/main/resources/io/htmlgraph/atomic/cli/version.properties",
      "pom.xml",
      "cli/pom.xml"})
  void anUncommittedEditOfASourceRebuildsOnce(String source) throws Exception {
    builtJar();
    Files.writeString(root.resolve(source), "v2\n");
    Run first = run("--version");
    assertThat(first.code()).as(first.err()).isZero();
    assertThat(first.builds()).isEqualTo(1);
    assertThat(first.err()).contains("(" + source + " changed)");
    assertThat(first.command()).endsWith("-jar " + jar + " --version");
    Run second = run("--version");
    assertThat(second.builds()).isZero();
  }

  @Test
  void aRemovedOrAddedSourceRebuilds() throws Exception {
    builtJar();
    Files.delete(root.resolve("core/src/main/java/io/htmlgraph/atomic/AtomicFiles.java"));
    assertThat(run("--version").builds()).isEqualTo(1);
    assertThat(run("--version").builds()).isZero();
    Files.setLastModifiedTime(jar, FileTime.from(jarTime));
    Files.writeString(root.resolve("json/src/main/java/io/htmlgraph/atomic/json/New.java"), "class New {}\n");
    assertThat(run("--version").builds()).isEqualTo(1);
  }

  @Test
  void filesTheJarIsNotBuiltFromDoNotRebuild() throws Exception {
    builtJar();
    for (String f : List.of("README.md", "bench/pom.xml", "core/src/test/java/io/htmlgraph/atomic/AtomicFilesTest.java",
        "testing/src/main/java/io/htmlgraph/atomic/testing/CrashSimulator.java",
        "bench/src/main/java/io/htmlgraph/atomic/bench/RunAll.java")) {
      Files.writeString(root.resolve(f), "v2\n");
    }
    Run r = run("--version");
    assertThat(r.builds()).isZero();
    assertThat(r.command()).endsWith("-jar " + jar + " --version");
  }

  @Test
  void aSourceSavedWhileTheBuildRunsRebuildsAgain() throws Exception {
    builtJar();
    Path source = root.resolve("core/src/main/java/io/htmlgraph/atomic/AtomicFiles.java");
    Files.writeString(source, "v2\n");
    Run during = runWhileBuilding("echo v3 > \"$ROOT/core/src/main/java/io/htmlgraph/atomic/AtomicFiles.java\"", "--version");
    assertThat(during.builds()).isEqualTo(1);
    // the jar was written after v3 was saved, yet it holds v2: it must not pass for newer than v3
    assertThat(Files.getLastModifiedTime(jar)).isLessThan(Files.getLastModifiedTime(source));
    assertThat(run("--version").builds()).isEqualTo(1);
    assertThat(run("--version").builds()).isZero();
  }

  @Test
  void rebuildBuildsWhateverTheTimesSayThenRunsTheRest() throws Exception {
    builtJar();
    Run r = run("--rebuild", "--version");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.builds()).isEqualTo(1);
    assertThat(r.err()).contains("(--rebuild)");
    assertThat(r.command()).endsWith("-jar " + jar + " --version");
  }

  @Test
  void rebuildAloneOnlyBuilds() throws Exception {
    builtJar();
    Run r = run("--rebuild");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.builds()).isEqualTo(1);
    // only the training runs of the new jar, never the command itself
    assertThat(r.calls()).filteredOn(c -> c.startsWith("java ")).allMatch(c -> c.contains("-XX:DumpLoadedClassList=")
        || c.contains("-Xshare:dump"));
  }
}
