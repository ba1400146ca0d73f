package io.htmlgraph.atomic.testing;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The crash model itself: what survives which sync, and the simulator's bounds and determinism. */
class CrashSimulatorTest {
  private static final String DONE = "done";

  /** Creates {@code name} with {@code content} and no sync at all. */
  private static FileChannel create(Path root, String name, String content) throws IOException {
    FileChannel ch = FileChannel.open(root.resolve(name), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    ch.write(ByteBuffer.wrap(content.getBytes(UTF_8)));
    return ch;
  }

  private static void syncDir(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }

  private static Outcomes outcomesOf(CrashSimulator sim, CrashSimulator.Workload w, String file, String old,
      String expected) throws IOException {
    Outcomes o = new Outcomes();
    CrashReport r = sim.run(w, s -> o.add(s, DONE, Outcome.of(s, file, old, expected)));
    assertThat(r.passed()).isTrue();
    return o;
  }

  @Test
  void anUnsyncedNewFileMayBeMissingEmptyZeroFilledOrComplete() throws IOException {
    Outcomes o = outcomesOf(CrashSimulator.create(), root -> {
      create(root, "f", "hello").close();
      CrashSimulator.mark(root, DONE);
    }, "f", null, "hello");
    assertThat(o.after).containsExactlyInAnyOrder(Outcome.ABSENT, Outcome.EMPTY, Outcome.ZEROS, Outcome.NEW);
  }

  @Test
  void aFileSyncedWithItsDirectorySurvivesEveryCrashAfterward() throws IOException {
    Outcomes o = outcomesOf(CrashSimulator.create(), root -> {
      try (FileChannel ch = create(root, "f", "hello")) {
        ch.force(false);
      }
      syncDir(root);
      CrashSimulator.mark(root, DONE);
    }, "f", null, "hello");
    assertThat(o.after).containsExactly(Outcome.NEW);
    assertThat(o.before).contains(Outcome.ABSENT, Outcome.EMPTY, Outcome.NEW);
  }

  @Test
  void strictModelLosesTheNameOfANewFileWhoseDirectoryWasNotSynced() throws IOException {
    CrashSimulator.Workload w = root -> {
      try (FileChannel ch = create(root, "f", "hello")) {
        ch.force(true);
      }
      CrashSimulator.mark(root, DONE);
    };
    Outcomes strict = outcomesOf(CrashSimulator.create(), w, "f", null, "hello");
    Outcomes ext4 = outcomesOf(CrashSimulator.create().model(SyncModel.EXT4_LIKE), w, "f", null, "hello");
    assertThat(strict.after).containsExactlyInAnyOrder(Outcome.ABSENT, Outcome.NEW);
    assertThat(ext4.after).containsExactly(Outcome.NEW);
  }

  @Test
  void entryChangesOfOneDirectorySurviveAsAnInOrderPrefix() throws IOException {
    Set<String> seen = Collections.synchronizedSet(new HashSet<>());
    CrashReport r = CrashSimulator.create().run(root -> {
      create(root, "a", "1").close();
      create(root, "b", "2").close();
      create(root, "c", "3").close();
    }, s -> {
      String present = (s.exists("a") ? "a" : "") + (s.exists("b") ? "b" : "") + (s.exists("c") ? "c" : "");
      seen.add(present);
      assertThat(present).isIn("", "a", "ab", "abc");
    });
    r.assertNoViolations();
    assertThat(seen).containsExactlyInAnyOrder("", "a", "ab", "abc");
  }

  @Test
  void aRenameWithinOneDirectoryIsAtomic() throws IOException {
    Set<String> seen = Collections.synchronizedSet(new HashSet<>());
    CrashReport r = CrashSimulator.create()
        .setup(root -> Files.writeString(root.resolve("x"), "data"))
        .run(root -> Files.move(root.resolve("x"), root.resolve("y"), StandardCopyOption.ATOMIC_MOVE),
            s -> {
              seen.add((s.exists("x") ? "x" : "") + (s.exists("y") ? "y" : ""));
              assertThat(s.exists("x")).isNotEqualTo(s.exists("y"));
            });
    r.assertNoViolations();
    assertThat(seen).containsExactlyInAnyOrder("x", "y");
  }

  @Test
  void aRenameAcrossDirectoriesChangesTwoIndependentEntries() throws IOException {
    Set<String> seen = Collections.synchronizedSet(new HashSet<>());
    CrashReport r = CrashSimulator.create()
        .setup(root -> {
          Files.createDirectory(root.resolve("a"));
          Files.createDirectory(root.resolve("b"));
          Files.writeString(root.resolve("a/x"), "data");
        })
        .run(root -> Files.move(root.resolve("a/x"), root.resolve("b/x"), StandardCopyOption.ATOMIC_MOVE),
            s -> seen.add((s.exists("a/x") ? "a" : "-") + (s.exists("b/x") ? "b" : "-")));
    r.assertNoViolations();
    // both names, or neither: what a crash between the two directories' commits can leave
    assertThat(seen).containsExactlyInAnyOrder("a-", "-b", "ab", "--");
  }

  @Test
  void anUnlinkIsUndoneUnlessTheDirectoryIsSynced() throws IOException {
    CrashSimulator sim = CrashSimulator.create().setup(root -> Files.writeString(root.resolve("x"), "old"));
    Outcomes unsynced = outcomesOf(sim, root -> {
      Files.delete(root.resolve("x"));
      CrashSimulator.mark(root, DONE);
    }, "x", "old", "new");
    Outcomes synced = outcomesOf(sim, root -> {
      Files.delete(root.resolve("x"));
      syncDir(root);
      CrashSimulator.mark(root, DONE);
    }, "x", "old", "new");
    assertThat(unsynced.after).containsExactlyInAnyOrder(Outcome.OLD, Outcome.ABSENT);
    assertThat(synced.after).containsExactly(Outcome.ABSENT);
  }

  @Test
  void aNewDirectoryIsAnEntryOfItsParent() throws IOException {
    Outcomes o = outcomesOf(CrashSimulator.create(), root -> {
      Files.createDirectory(root.resolve("d"));
      try (FileChannel ch = create(root.resolve("d"), "f", "hello")) {
        ch.force(true);
      }
      syncDir(root.resolve("d"));
      CrashSimulator.mark(root, DONE);
    }, "d/f", null, "hello");
    // d/f is synced and so is d, but d's own name in the root is not
    assertThat(o.after).containsExactlyInAnyOrder(Outcome.ABSENT, Outcome.NEW);
  }

  @Test
  void crashPointsFallInsideLargeWrites() throws IOException {
    byte[] big = new byte[16 * 1024];
    Arrays.fill(big, (byte) 'a');
    Set<Integer> sizes = Collections.synchronizedSet(new HashSet<>());
    CrashReport r = CrashSimulator.create().writePieces(4096, 4).run(root -> {
      try (FileChannel ch = FileChannel.open(root.resolve("f"), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        ch.write(ByteBuffer.wrap(big));
      }
    }, s -> {
      if (s.exists("f")) {
        byte[] b = Files.readAllBytes(s.resolve("f"));
        int as = 0;
        while (as < b.length && b[as] == 'a') {
          as++;
        }
        sizes.add(as);
      }
    });
    System.out.println("[crashsim] 16 KiB write cut in 4 pieces: " + r.summary());
    // create, write: 2 operations, the write in 4 pieces, plus the point before everything
    assertThat(r.operations()).hasSize(2);
    assertThat(r.crashPoints()).isEqualTo(1 + 1 + 4);
    assertThat(sizes).containsExactlyInAnyOrder(0, 4096, 8192, 12288, 16384);
  }

  @Test
  void theSameWorkloadGivesTheSameStates() throws IOException {
    CrashSimulator.Workload w = root -> {
      Files.createDirectory(root.resolve("d"));
      try (FileChannel ch = create(root, "d/f", "x".repeat(9000))) {
        ch.force(false);
      }
      Files.move(root.resolve("d/f"), root.resolve("g"), StandardCopyOption.ATOMIC_MOVE);
      Files.writeString(root.resolve("h"), "h");
    };
    List<String> first = new ArrayList<>();
    List<String> second = new ArrayList<>();
    CrashReport r1 = CrashSimulator.create().run(w, s -> first.add(s.description()));
    CrashReport r2 = CrashSimulator.create().run(w, s -> second.add(s.description()));
    assertThat(first).isNotEmpty().isEqualTo(second);
    assertThat(r1.statesEnumerated()).isEqualTo(r2.statesEnumerated());
    assertThat(r1.statesChecked()).isEqualTo(first.size());
  }

  @Test
  void aLibraryWriteGivesTheSameStatesUpToItsRandomTempName() throws IOException {
    CrashSimulator.Workload w = root -> io.htmlgraph.atomic.AtomicFileWriter.atomicWrite(root.resolve("f"), "x".repeat(9000));
    List<String> first = new ArrayList<>();
    List<String> second = new ArrayList<>();
    CrashSimulator.create().run(w, s -> first.add(s.description().replaceAll("\\.tmp-[^ ,;)\\]]*", ".tmp-*")));
    CrashSimulator.create().run(w, s -> second.add(s.description().replaceAll("\\.tmp-[^ ,;)\\]]*", ".tmp-*")));
    assertThat(first).isNotEmpty().isEqualTo(second).anyMatch(d -> d.contains(".tmp-*"));
  }

  @Test
  void aCapBoundsTheStatesWithASeededSample() throws IOException {
    CrashSimulator.Workload w = root -> {
      for (int i = 0; i < 6; i++) {
        Files.createDirectory(root.resolve("d" + i));
        create(root, "d" + i + "/f", "content " + i).close();
      }
    };
    CrashSimulator capped = CrashSimulator.create().maxStatesPerCrashPoint(30).seed(7);
    List<String> a = new ArrayList<>();
    List<String> b = new ArrayList<>();
    List<String> c = new ArrayList<>();
    CrashReport ra = capped.run(w, s -> a.add(s.description()));
    capped.run(w, s -> b.add(s.description()));
    capped.seed(8).run(w, s -> c.add(s.description()));
    System.out.println("[crashsim] 6 unsynced files in 6 new directories, cap 30: " + ra.summary());
    assertThat(ra.sampled()).isTrue();
    assertThat(ra.statesEnumerated()).isLessThanOrEqualTo(30L * ra.crashPoints());
    assertThat(a).isEqualTo(b).isNotEqualTo(c);
  }

  @Test
  void aTimeLimitEndsTheRunAndSaysSo() throws IOException {
    CrashSimulator.Workload w = root -> create(root, "f", "x").close();
    CrashReport full = CrashSimulator.create().run(w, s -> { });
    CrashReport cut = CrashSimulator.create().timeLimit(java.time.Duration.ofNanos(1)).run(w, s -> { });
    assertThat(full.timedOut()).isFalse();
    assertThat(cut.timedOut()).isTrue();
    assertThat(cut.statesChecked()).isLessThan(full.statesChecked());
    assertThatThrownBy(cut::assertNoViolations).isInstanceOf(AssertionError.class).hasMessageContaining("incomplete");
  }

  @Test
  void everyRejectedStateIsReportedWithItsCrashPoint() throws IOException {
    CrashReport r = CrashSimulator.create().run(root -> create(root, "f", "x").close(), s -> {
      throw new AssertionError("rejected at " + s.crashPoint());
    });
    assertThat(r.violationCount()).isEqualTo(r.statesChecked()).isPositive();
    assertThat(r.violations()).allSatisfy(v -> {
      assertThat(v.failure()).isEqualTo("rejected at " + v.crashPoint());
      assertThat(v.state()).startsWith("crash ");
    });
    assertThatThrownBy(r::assertNoViolations).isInstanceOf(AssertionError.class)
        .hasMessageContaining("violations").hasMessageContaining("create /f");
  }

  @Test
  void theFileSystemOffersNoUnixViewAndNoFile() throws IOException {
    CrashSimulator.create().run(root -> {
      Path f = root.resolve("f");
      Files.writeString(f, "x");
      assertThat(root.getFileSystem().supportedFileAttributeViews()).doesNotContain("unix").contains("basic");
      assertThrows(UnsupportedOperationException.class, () -> Files.readAttributes(f, "unix:mode"));
      assertThrows(UnsupportedOperationException.class, f::toFile);
      assertThat(Files.readAttributes(f, "posix:permissions")).containsKey("permissions");
      assertThat(f.getFileSystem()).isSameAs(root.getFileSystem());
      assertThat(Files.readString(f)).isEqualTo("x");
    }, s -> { });
  }

  @Test
  void changesOutsideTheRootAreRefused() throws IOException {
    Path[] escape = new Path[1];
    CrashSimulator.create().run(root -> {
      escape[0] = root.resolveSibling("escape-" + System.nanoTime());
      assertThrows(FileSystemException.class, () -> Files.writeString(escape[0], "x"));
    }, s -> { });
    assertThat(Files.exists(Path.of(escape[0].toString()))).isFalse();
  }

  @Test
  void theStatesAreRemovedAfterTheRun(@org.junit.jupiter.api.io.TempDir Path work) throws IOException {
    CrashReport r = CrashSimulator.create().workDirectory(work).run(root -> create(root, "f", "x").close(), s -> {
      assertThat(s.root()).startsWith(work);
    });
    assertThat(r.statesChecked()).isPositive();
    try (var s = Files.list(work)) {
      assertThat(s).isEmpty();
    }
  }
}
