package io.htmlgraph.atomic.testing;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.htmlgraph.atomic.FileTransaction;
import io.htmlgraph.atomic.FileVersion;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link FileTransaction} at every crash point the simulator finds, under both sync models: after
 * recovery ({@link FileTransaction#recover}) the root holds every file old or every file new, never a
 * mix, with nothing of the transaction left over; once {@code commit()} has returned, every file new.
 * Commits of 1, 2 and 20 files, with deletes (one of a missing file), files in new directories, a large
 * file whose writes a crash can cut, and conditional writes ({@code writeIf}).
 */
class FileTransactionCrashTest {
  static final String RETURNED = "returned";
  private static final String BIG = "0123456789abcdef".repeat(600) + "\n"; // spans blocks

  /** One change of a scenario. */
  record Change(String file, String content, boolean conditional) {
    static Change write(String file, String content) {
      return new Change(file, content, false);
    }

    static Change writeIf(String file, String content) {
      return new Change(file, content, true);
    }

    static Change delete(String file) {
      return new Change(file, null, false);
    }
  }

  /** Files before, and the changes of one transaction. */
  record Scenario(String name, Map<String, String> old, List<Change> changes, int cap) {
    Map<String, String> expectedNew() {
      Map<String, String> m = new TreeMap<>(old);
      for (Change c : changes) {
        if (c.content() == null) {
          m.remove(c.file());
        } else {
          m.put(c.file(), c.content());
        }
      }
      return m;
    }

    @Override
    public String toString() {
      return name;
    }
  }

  static Scenario one() {
    return new Scenario("1 file", Map.of("a.txt", "old a\n"), List.of(Change.write("a.txt", "new a, longer\n")), 4096);
  }

  static Scenario two() {
    return new Scenario("2 files, a delete, a new directory, writeIf",
        Map.of("a.txt", "old a\n", "gone.txt", "to be deleted\n"),
        List.of(Change.writeIf("a.txt", "new a, longer\n"), Change.write("sub/b.txt", "new b\n"), Change.delete("gone.txt")),
        4096);
  }

  static Scenario twenty() {
    Map<String, String> old = new LinkedHashMap<>();
    List<Change> changes = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      old.put("r" + i + ".txt", "old " + i + "\n");
    }
    old.put("gone1.txt", "gone 1\n");
    old.put("gone2.txt", "gone 2\n");
    changes.add(Change.writeIf("r0.txt", "new 0 (conditional)\n"));
    changes.add(Change.writeIf("r1.txt", "new 1 (conditional)\n"));
    changes.add(Change.write("r2.txt", BIG));
    for (int i = 3; i < 8; i++) {
      changes.add(Change.write("r" + i + ".txt", "new " + i + "\n"));
    }
    for (int i = 0; i < 9; i++) {
      changes.add(Change.write("n" + i + ".txt", "created " + i + "\n"));
    }
    changes.add(Change.write("x/1.txt", "in a new directory\n"));
    changes.add(Change.write("x/y/2.txt", "two new directories deep\n"));
    changes.add(Change.writeIf("z/3.txt", "new, only if absent\n"));
    changes.add(Change.delete("gone1.txt"));
    changes.add(Change.delete("gone2.txt"));
    changes.add(Change.delete("never-there.txt"));
    return new Scenario("20 files, 3 deletes, new directories, writeIf", old, changes, 256);
  }

  static Stream<Arguments> scenarios() {
    List<Arguments> out = new ArrayList<>();
    for (Scenario s : List.of(one(), two(), twenty())) {
      for (SyncModel m : SyncModel.values()) {
        out.add(Arguments.of(s, m));
      }
    }
    return out.stream();
  }

  /**
   * @return the user's files under {@code root}: everything but the lock's files (and the temp of its
   *     owner record) and the staging directory
   */
  static Map<String, String> userFiles(Path root) throws IOException {
    Map<String, String> m = new TreeMap<>();
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.toList()) {
        String rel = root.relativize(p).toString();
        if (rel.equals(".lock") || rel.equals(".lock.owner") || rel.equals(".txn") || rel.startsWith(".txn/")) {
          continue;
        }
        if (rel.startsWith(".tmp-")) {
          continue; // the temp of the DirectoryLocker's owner record, which a crash can leave (swept later)
        }
        if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
          m.put(rel, Files.readString(p, UTF_8));
        }
      }
    }
    return m;
  }

  /** @return what the staging directory holds besides the fence file */
  static List<String> staged(Path root) throws IOException {
    Path staging = root.resolve(".txn");
    if (!Files.isDirectory(staging)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(staging)) {
      return s.map(p -> p.getFileName().toString()).filter(n -> !n.equals("fence")).toList();
    }
  }

  static CrashSimulator.Workload setup(Map<String, String> old) {
    return root -> {
      for (Map.Entry<String, String> e : old.entrySet()) {
        Files.writeString(root.resolve(e.getKey()), e.getValue());
      }
    };
  }

  static void commit(Path root, List<Change> changes) throws IOException {
    Map<String, FileVersion> versions = new LinkedHashMap<>();
    for (Change c : changes) {
      if (c.conditional()) {
        versions.put(c.file(), FileVersion.of(root.resolve(c.file())));
      }
    }
    try (FileTransaction tx = FileTransaction.begin(root, new InJvmLocker(), Duration.ofSeconds(5))) {
      for (Change c : changes) {
        if (c.content() == null) {
          tx.delete(Path.of(c.file()));
        } else if (c.conditional()) {
          tx.writeIf(Path.of(c.file()), versions.get(c.file()), c.content().getBytes(UTF_8));
        } else {
          tx.write(Path.of(c.file()), c.content());
        }
      }
      tx.commit();
    }
    CrashSimulator.mark(root, RETURNED);
  }

  @org.junit.jupiter.api.Test
  void withTheDefaultLockerOfTheRootTooEveryStateRecoversToAllOldOrAllNew() throws IOException {
    Scenario scenario = two();
    Map<String, String> old = new TreeMap<>(scenario.old());
    Map<String, String> fresh = scenario.expectedNew();
    CrashReport report = CrashSimulator.create().setup(setup(scenario.old()))
        .run(root -> {
          try (FileTransaction tx = FileTransaction.begin(root)) {
            tx.write(java.nio.file.Path.of("a.txt"), "new a, longer\n");
            tx.write(java.nio.file.Path.of("sub/b.txt"), "new b\n");
            tx.delete(java.nio.file.Path.of("gone.txt"));
            tx.commit();
          }
          CrashSimulator.mark(root, RETURNED);
        }, state -> {
          FileTransaction.recover(state.root());
          Map<String, String> files = userFiles(state.root());
          assertThat(files).isIn(old, fresh);
          if (state.passed(RETURNED)) {
            assertThat(files).isEqualTo(fresh);
          }
        });
    System.out.println("[crashsim] FileTransaction.begin(root) with its DirectoryLocker: " + report.summary());
    report.assertNoViolations();
  }

  /**
   * A root that does not exist before the transaction: {@code begin(root)} creating three levels, and
   * a {@code DirectoryLocker} creating it (as a registry opened in a new directory does) before
   * {@code begin(root, locker, timeout)}. Once {@code commit()} returned, the root and its file are
   * there after any crash: the entries of the new directories are synced too.
   */
  @ParameterizedTest(name = "{0} under {1}")
  @MethodSource("newRoots")
  void aCommitIntoANewRootSurvivesOnceItReturned(String how, SyncModel model) throws IOException {
    String rootName = how.equals("begin(root)") ? "a/b/root" : "root";
    AtomicInteger returned = new AtomicInteger();
    CrashReport report = CrashSimulator.create().model(model).run(base -> {
      Path root = base.resolve(rootName);
      try (FileTransaction tx = how.equals("begin(root)") ? FileTransaction.begin(root)
          : FileTransaction.begin(root, new io.htmlgraph.atomic.DirectoryLocker(root), Duration.ofSeconds(5))) {
        tx.write(Path.of("f.txt"), "new\n");
        tx.commit();
      }
      CrashSimulator.mark(base, RETURNED);
    }, state -> {
      Path root = state.root().resolve(rootName);
      if (Files.isDirectory(root)) {
        FileTransaction.recover(root);
      }
      if (state.passed(RETURNED)) {
        returned.incrementAndGet();
        assertThat(root).as("the root, once commit() returned").isDirectory();
        assertThat(userFiles(root)).isEqualTo(Map.of("f.txt", "new\n"));
      } else if (Files.isDirectory(root)) {
        assertThat(userFiles(root)).isIn(Map.of(), Map.of("f.txt", "new\n"));
      }
    });
    System.out.println("[crashsim] FileTransaction into a new root, " + how + " (" + model + "): " + report.summary());
    report.assertNoViolations();
    assertThat(returned.get()).isPositive();
  }

  static Stream<Arguments> newRoots() {
    List<Arguments> out = new ArrayList<>();
    for (String how : List.of("begin(root)", "DirectoryLocker, then begin(root, locker)")) {
      for (SyncModel m : SyncModel.values()) {
        out.add(Arguments.of(how, m));
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0} under {1}")
  @MethodSource("scenarios")
  void afterRecoveryEveryFileIsOldOrEveryFileIsNew(Scenario scenario, SyncModel model) throws IOException {
    Map<String, String> old = new TreeMap<>(scenario.old());
    Map<String, String> fresh = scenario.expectedNew();
    AtomicInteger allOld = new AtomicInteger();
    AtomicInteger allNew = new AtomicInteger();
    AtomicInteger afterReturn = new AtomicInteger();
    CrashReport report = CrashSimulator.create().model(model).maxStatesPerCrashPoint(scenario.cap())
        .timeLimit(Duration.ofMinutes(4))
        .setup(setup(scenario.old()))
        .run(root -> commit(root, scenario.changes()), state -> {
          FileTransaction.recover(state.root(), new InJvmLocker(), Duration.ofSeconds(5));
          Map<String, String> files = userFiles(state.root());
          if (state.passed(RETURNED)) {
            afterReturn.incrementAndGet();
            assertThat(files).as("after commit() returned").isEqualTo(fresh);
          } else {
            assertThat(files).as("after recovery: all old or all new").isIn(old, fresh);
          }
          (files.equals(old) ? allOld : allNew).incrementAndGet();
          assertThat(staged(state.root())).as("left in the staging directory after recovery").isEmpty();
        });
    System.out.println("[crashsim] FileTransaction, " + scenario + " (" + model + "): " + report.summary()
        + "; after recovery all old in " + allOld + ", all new in " + allNew + ", " + afterReturn + " after return");
    if (System.getProperty("crashsim.ops") != null) {
      report.operations().forEach(o -> System.out.println("    " + o));
    }
    report.assertNoViolations();
    assertThat(allOld.get()).as("states that recovered to all old").isPositive();
    assertThat(allNew.get() - afterReturn.get()).as("states before the return that recovered to all new").isPositive();
    assertThat(afterReturn.get()).isPositive();
  }
}
