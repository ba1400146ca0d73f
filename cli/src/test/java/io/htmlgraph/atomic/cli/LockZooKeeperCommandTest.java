package io.htmlgraph.atomic.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.htmlgraph.atomic.testsupport.Commands;
import io.htmlgraph.atomic.testsupport.ZooKeeperServer;
import io.htmlgraph.atomic.zookeeper.ZooKeeperLock;
import io.htmlgraph.atomic.zookeeper.ZooKeeperLocker;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code atomic lock --zookeeper}: against a ZooKeeper server started by the test. */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class LockZooKeeperCommandTest {
  @RegisterExtension static final ZooKeeperServer zooKeeper = new ZooKeeperServer();
  private final String lockPath = ZooKeeperServer.uniquePath("/cli");

  @TempDir Path dir;

  private ZooKeeperLocker locker() throws IOException, InterruptedException {
    return ZooKeeperLocker.create(zooKeeper.client(), lockPath);
  }

  /** {@code atomic lock --zookeeper SERVER --lock-path PATH [options] DIR -- command...} */
  private Cli.Result lock(List<String> options, String... command) {
    List<String> args = new ArrayList<>(List.of("lock", "--zookeeper", zooKeeper.connectString(), "--lock-path", lockPath));
    args.addAll(options);
    args.add(dir.toString());
    args.add("--");
    args.addAll(List.of(command));
    return Cli.run(args.toArray(String[]::new));
  }

  @Test
  void runsTheCommandUnderTheLockAndExitsWithItsCode() throws Exception {
    // inside the command, another process's single try of the same lock must fail: it is held
    Path seen = dir.resolve("seen");
    List<String> probe = ChildCli.launch(List.of(), "lock", "--timeout", "0s", "--zookeeper", zooKeeper.connectString(),
        "--lock-path", lockPath, dir.toString(), "--", "true").inShell("\"$@\"; echo $? > '" + seen + "'; exit 7").command();
    Cli.Result r = lock(List.of(), probe.toArray(String[]::new));
    assertThat(r.code()).isEqualTo(7);
    assertThat(Files.readString(seen).strip()).isEqualTo("75");
    assertThat(r.err()).isEmpty();
    // released when the command ended: free again, and no node left
    assertThat(zooKeeper.client().getChildren().forPath(lockPath)).isEmpty();
    Cli.Result status = Cli.run("lock", "--status", "--zookeeper", zooKeeper.connectString(), "--lock-path", lockPath,
        dir.toString());
    assertThat(status.out()).isEqualTo("free" + System.lineSeparator());
  }

  @Test
  void timesOutWith75NamingTheHolderWithoutRunningTheCommand() throws Exception {
    Path ran = dir.resolve("ran");
    try (ZooKeeperLock held = locker().lockExclusive(Duration.ofSeconds(5))) {
      assertThat(held.isHeld()).isTrue();
      Cli.Result r = lock(List.of("--timeout", "300ms"), "touch", ran.toString());
      assertThat(r.code()).isEqualTo(75);
      assertThat(r.err())
          .startsWith("atomic: " + zooKeeper.connectString() + lockPath + ": lock not obtained within 300ms")
          .contains("held by pid " + ProcessHandle.current().pid(), "exclusive", "not running touch")
          .doesNotContain("\tat ");
      Cli.Result status = Cli.run("lock", "--status", "--zookeeper", zooKeeper.connectString(), "--lock-path",
          lockPath, dir.toString());
      assertThat(status.code()).isZero();
      assertThat(status.out()).startsWith("held by pid " + ProcessHandle.current().pid() + " on ")
          .contains(", exclusive, since ");
    }
    assertThat(Files.exists(ran)).isFalse();
  }

  @Test
  void sharedHoldersRunTogetherButNotWithAnExclusiveOne() throws Exception {
    Path ran = dir.resolve("ran");
    try (ZooKeeperLock reader = locker().lockShared(Duration.ofSeconds(5))) {
      assertThat(reader.isHeld()).isTrue();
      assertThat(lock(List.of("--shared", "--timeout", "0s"), "touch", ran.toString()).code()).isZero();
      assertThat(Files.exists(ran)).isTrue();
      Files.delete(ran);
      assertThat(lock(List.of("--timeout", "100ms"), "touch", ran.toString()).code()).isEqualTo(75);
      assertThat(Files.exists(ran)).isFalse();
    }
  }

  @Test
  void aLockLostWhileTheCommandRunsStopsItAndExits76() throws Exception {
    Path started = dir.resolve("started");
    CompletableFuture<Cli.Result> run = CompletableFuture.supplyAsync(
        () -> lock(List.of(), "sh", "-c", "touch '" + started + "'; exec sleep 60"));
    CuratorFramework admin = zooKeeper.client();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!Files.exists(started) && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(started).exists();
    // the lock's node disappears under the running command (an operator, an expired session)
    long t0 = System.nanoTime();
    for (String child : admin.getChildren().forPath(lockPath)) {
      admin.delete().forPath(lockPath + "/" + child);
    }
    Cli.Result r = run.get(60, TimeUnit.SECONDS);
    assertThat(r.code()).isEqualTo(LockCommand.LOST);
    assertThat(r.err()).contains("the lock was lost", "stopping sh");
    // stopped, not run to its end
    assertThat(System.nanoTime() - t0).isLessThan(TimeUnit.SECONDS.toNanos(50));
  }

  @Test
  void badZooKeeperOptionsAreBadUsageAndRunNothing() throws Exception {
    Path ran = dir.resolve("ran");
    assertThat(Cli.run("lock", "--zookeeper", zooKeeper.connectString(), dir.toString(), "--", "touch", ran.toString())
        .err()).contains("--zookeeper needs --lock-path");
    assertThat(Cli.run("lock", "--lock-path", "/x", dir.toString(), "--", "touch", ran.toString()).code()).isEqualTo(2);
    assertThat(Cli.run("lock", "--session-timeout", "5s", dir.toString(), "--", "touch", ran.toString()).code())
        .isEqualTo(2);
    Cli.Result relative = Cli.run("lock", "--zookeeper", zooKeeper.connectString(), "--lock-path", "relative",
        dir.toString(), "--", "touch", ran.toString());
    assertThat(relative.code()).isEqualTo(2);
    assertThat(relative.err()).contains("--lock-path", "not a ZooKeeper path");
    Cli.Result missingDir = Cli.run("lock", "--zookeeper", zooKeeper.connectString(), "--lock-path", lockPath,
        dir.resolve("missing").toString(), "--", "touch", ran.toString());
    assertThat(missingDir.code()).isEqualTo(1);
    assertThat(missingDir.err()).contains("no such directory");
    assertThat(Files.exists(ran)).isFalse();
    assertThat(Files.exists(dir.resolve("missing"))).isFalse();
  }

  @Test
  void anUnreachableEnsembleIsAnErrorAfterTheConnectTimeout() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    Path ran = dir.resolve("ran");
    Cli.Result r = Cli.run("lock", "--zookeeper", "127.0.0.1:" + closedPort, "--lock-path", lockPath,
        "--connect-timeout", "1s", dir.toString(), "--", "touch", ran.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).isEqualTo("atomic: zookeeper 127.0.0.1:" + closedPort + ": no connection within 1s"
        + System.lineSeparator());
    assertThat(Files.exists(ran)).isFalse();
  }

  /**
   * The commands that never take a ZooKeeper lock never load a Curator or ZooKeeper class: above all
   * {@code atomic write}, whose start-up is its cost, and {@code atomic lock} on a directory.
   */
  @Test
  void onlyTheZooKeeperBranchLoadsCuratorClasses() throws Exception {
    List<String> loaded = classesLoadedBy("write", dir.resolve("out.txt").toString());
    assertThat(loaded).isNotEmpty().noneMatch(IS_ZOOKEEPER);
    assertThat(classesLoadedBy("lock", dir.toString(), "--", "true")).noneMatch(IS_ZOOKEEPER);
    assertThat(classesLoadedBy("lock", "--status", dir.toString())).noneMatch(IS_ZOOKEEPER);
    // and the check itself can fail: the ZooKeeper branch does load them
    assertThat(classesLoadedBy("lock", "--zookeeper", zooKeeper.connectString(), "--lock-path", lockPath,
        dir.toString(), "--", "true")).anyMatch(IS_ZOOKEEPER);
  }

  private static final java.util.function.Predicate<String> IS_ZOOKEEPER =
      java.util.regex.Pattern.compile("\\b(org\\.apache\\.(curator|zookeeper)|io\\.htmlgraph\\.atomic\\.zookeeper)\\.").asPredicate();

  private List<String> classesLoadedBy(String... args) throws IOException, InterruptedException {
    Path log = Files.createTempFile(dir, "classes", ".log");
    Commands.Result r = ChildCli.launch(List.of("-Xlog:class+load:file=" + log), args).mergeErrors()
        .input("data\n".getBytes(StandardCharsets.UTF_8)).run(Duration.ofSeconds(60));
    assertThat(r.exit()).as(r.out()).isZero();
    return Files.readAllLines(log);
  }
}
