package io.htmlgraph.atomic.testing;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.htmlgraph.atomic.AtomicFileOutputStream;
import io.htmlgraph.atomic.AtomicFileWriter;
import io.htmlgraph.atomic.AtomicFiles;
import io.htmlgraph.atomic.Durability;
import io.htmlgraph.atomic.WriteOptions;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every public write operation of the core, at every crash point the simulator finds: the target is
 * exactly the old or the new content, never torn, empty or missing; once a {@code FULL} call has
 * returned, every crash state holds the new content; {@code FILE} and {@code NONE} lose exactly what
 * the javadoc of {@link Durability} says they may, and the simulator does find those losses.
 */
class CoreWritersCrashTest {
  private static final String TARGET = "data.txt";
  private static final String OLD = "old content\n";
  private static final String NEW = "new content, which is longer\n";
  /** Spans several 4 KiB blocks, so that crashes fall inside its writes. */
  private static final String BIG = "0123456789abcdef".repeat(1300) + "\n";
  private static final String RETURNED = "returned";

  private static final Set<Outcome> OLD_OR_NEW = EnumSet.of(Outcome.OLD, Outcome.NEW);

  private static WriteOptions at(Durability d) {
    return WriteOptions.builder().durability(d).build();
  }

  private static CrashSimulator withOld(SyncModel model) {
    return CrashSimulator.create().model(model).setup(root -> Files.writeString(root.resolve(TARGET), OLD));
  }

  /**
   * Runs {@code save} and records, for each crash state, what the target holds. Asserts in the
   * checker that it is always one of {@code allowed}, and after the call returned one of
   * {@code allowedAfter}.
   */
  private static Outcomes run(String scenario, CrashSimulator sim, CrashSimulator.Workload save, String old,
      String expected, Set<Outcome> allowed, Set<Outcome> allowedAfter) throws IOException {
    Outcomes seen = new Outcomes();
    CrashReport report = sim.run(root -> {
      save.run(root);
      CrashSimulator.mark(root, RETURNED);
    }, state -> {
      Outcome o = Outcome.of(state, TARGET, old, expected);
      seen.add(state, RETURNED, o);
      assertThat(o).as("target while the call ran").isIn(allowed);
      if (state.passed(RETURNED)) {
        assertThat(o).as("target after the call returned").isIn(allowedAfter);
      }
    });
    System.out.println("[crashsim] " + scenario + ": " + report.summary() + "; outcomes " + seen);
    report.assertNoViolations();
    return seen;
  }

  // ---- atomicWrite at each durability level

  @ParameterizedTest
  @EnumSource(SyncModel.class)
  void fullReplaceIsOldOrNewAndNewOnceReturned(SyncModel model) throws IOException {
    Outcomes o = run("atomicWrite FULL replace (" + model + ")", withOld(model),
        root -> AtomicFileWriter.atomicWrite(root.resolve(TARGET), NEW), OLD, NEW, OLD_OR_NEW, EnumSet.of(Outcome.NEW));
    assertThat(o.before).containsExactlyInAnyOrder(Outcome.OLD, Outcome.NEW);
    assertThat(o.after).containsExactly(Outcome.NEW);
  }

  @ParameterizedTest
  @EnumSource(SyncModel.class)
  void fullCreateIsAbsentOrNewAndNewOnceReturned(SyncModel model) throws IOException {
    Outcomes o = run("atomicWrite FULL create (" + model + ")", CrashSimulator.create().model(model),
        root -> AtomicFileWriter.atomicWrite(root.resolve(TARGET), NEW, at(Durability.FULL)), null, NEW,
        EnumSet.of(Outcome.ABSENT, Outcome.NEW), EnumSet.of(Outcome.NEW));
    assertThat(o.after).containsExactly(Outcome.NEW);
  }

  @ParameterizedTest
  @EnumSource(SyncModel.class)
  void fullLargeReplaceSurvivesCrashesInsideItsWrites(SyncModel model) throws IOException {
    Outcomes o = run("atomicWrite FULL replace, 20 KiB (" + model + ")", withOld(model),
        root -> AtomicFileWriter.atomicWrite(root.resolve(TARGET), BIG.getBytes(UTF_8)), OLD, BIG, OLD_OR_NEW,
        EnumSet.of(Outcome.NEW));
    assertThat(o.after).containsExactly(Outcome.NEW);
  }

  @ParameterizedTest
  @EnumSource(SyncModel.class)
  void fullIntoMissingDirectoriesIsDurableOnceReturned(SyncModel model) throws IOException {
    Outcomes seen = new Outcomes();
    CrashReport report = CrashSimulator.create().model(model).run(root -> {
      AtomicFileWriter.atomicWrite(root.resolve("a/b/" + TARGET), NEW);
      CrashSimulator.mark(root, RETURNED);
    }, state -> {
      Outcome o = Outcome.of(state, "a/b/" + TARGET, null, NEW);
      seen.add(state, RETURNED, o);
      assertThat(o).isIn(Outcome.ABSENT, Outcome.NEW);
      if (state.passed(RETURNED)) {
        assertThat(o).isEqualTo(Outcome.NEW);
      }
    });
    System.out.println("[crashsim] atomicWrite FULL into new directories a/b (" + model + "): " + report.summary());
    report.assertNoViolations();
    assertThat(seen.after).containsExactly(Outcome.NEW);
  }

  @ParameterizedTest
  @EnumSource(SyncModel.class)
  void fileLevelIsOldOrNewButMayRollBackAfterReturning(SyncModel model) throws IOException {
    Outcomes o = run("atomicWrite FILE replace (" + model + ")", withOld(model),
        root -> AtomicFileWriter.atomicWrite(root.resolve(TARGET), NEW, at(Durability.FILE)), OLD, NEW, OLD_OR_NEW,
        OLD_OR_NEW);
    // the loss FILE permits: the rename was not synced, so the old version can come back
    assertThat(o.after).containsExactlyInAnyOrder(Outcome.OLD, Outcome.NEW);
  }

  @ParameterizedTest
  @EnumSource(SyncModel.class)
  void noneLevelMayLeaveAnEmptyOrZeroFilledTarget(SyncModel model) throws IOException {
    Set<Outcome> permitted = EnumSet.of(Outcome.OLD, Outcome.NEW, Outcome.EMPTY, Outcome.ZEROS);
    Outcomes o = run("atomicWrite NONE replace (" + model + ")", withOld(model),
        root -> AtomicFileWriter.atomicWrite(root.resolve(TARGET), NEW, at(Durability.NONE)), OLD, NEW, permitted,
        permitted);
    // the losses NONE permits, found after the call returned: the old version, an empty or zeroed file
    assertThat(o.after).contains(Outcome.OLD, Outcome.NEW).containsAnyOf(Outcome.EMPTY, Outcome.ZEROS);
  }

  @Test
  void noneLevelMayLeaveALargeTargetPartlyWritten() throws IOException {
    Set<Outcome> permitted = EnumSet.allOf(Outcome.class);
    permitted.remove(Outcome.ABSENT);
    Outcomes o = run("atomicWrite NONE replace, 20 KiB", withOld(SyncModel.STRICT),
        root -> AtomicFileWriter.atomicWrite(root.resolve(TARGET), BIG, at(Durability.NONE)), OLD, BIG, permitted,
        permitted);
    assertThat(o.after).contains(Outcome.TORN, Outcome.OLD, Outcome.NEW);
  }

  @ParameterizedTest
  @EnumSource(Durability.class)
  void eachLevelIssuesItsProtocolInOrder(Durability level) throws IOException {
    CrashReport report = withOld(SyncModel.STRICT)
        .run(root -> AtomicFileWriter.atomicWrite(root.resolve(TARGET), NEW, at(level)), state -> { });
    List<String> ops = report.operations().stream()
        .map(op -> op.replaceAll("\\.tmp-[^ ,;)\\]]*", ".tmp-*")).collect(Collectors.toList());
    int n = NEW.getBytes(UTF_8).length;
    List<String> expected = new ArrayList<>(List.of("create /.tmp-*", "write /.tmp-* [0, " + n + ")"));
    if (level != Durability.NONE) {
      expected.add("fsync /.tmp-*");
    }
    expected.add("rename /.tmp-* -> /" + TARGET);
    if (level == Durability.FULL) {
      expected.add("fsync dir /");
    }
    assertThat(ops).isEqualTo(expected);
  }

  // ---- streaming, abort, rollback

  @ParameterizedTest
  @EnumSource(SyncModel.class)
  void streamingCommitIsOldOrNewAndNewOnceReturned(SyncModel model) throws IOException {
    Outcomes o = run("AtomicFileWriter streaming commit, 20 KiB in 4 writes (" + model + ")", withOld(model), root -> {
      try (AtomicFileWriter w = new AtomicFileWriter(root.resolve(TARGET))) {
        int quarter = BIG.length() / 4;
        for (int i = 0; i < 4; i++) {
          w.write(BIG, i * quarter, i == 3 ? BIG.length() - 3 * quarter : quarter);
          w.flush();
        }
        w.commit();
      }
    }, OLD, BIG, OLD_OR_NEW, EnumSet.of(Outcome.NEW));
    assertThat(o.after).containsExactly(Outcome.NEW);
  }

  @ParameterizedTest
  @EnumSource(SyncModel.class)
  void binaryStreamingCommitIsOldOrNewAndNewOnceReturned(SyncModel model) throws IOException {
    Outcomes o = run("AtomicFileOutputStream streaming commit, 20 KiB (" + model + ")", withOld(model), root -> {
      try (AtomicFileOutputStream out = new AtomicFileOutputStream(root.resolve(TARGET))) {
        for (byte b : BIG.getBytes(UTF_8)) {
          out.write(b);
        }
        out.commit();
      }
    }, OLD, BIG, OLD_OR_NEW, EnumSet.of(Outcome.NEW));
    assertThat(o.after).containsExactly(Outcome.NEW);
  }

  @Test
  void abortNeverTouchesTheTarget() throws IOException {
    Outcomes o = run("AtomicFileWriter abort", withOld(SyncModel.STRICT), root -> {
      AtomicFileWriter w = new AtomicFileWriter(root.resolve(TARGET));
      w.write(BIG);
      w.flush();
      w.abort();
      assertThat(Files.readString(root.resolve(TARGET))).isEqualTo(OLD);
    }, OLD, BIG, EnumSet.of(Outcome.OLD), EnumSet.of(Outcome.OLD));
    assertThat(o.after).containsExactly(Outcome.OLD);
  }

  @Test
  void closeWithoutCommitNeverTouchesTheTarget() throws IOException {
    run("AtomicFileWriter close without commit", withOld(SyncModel.STRICT), root -> {
      try (AtomicFileWriter w = new AtomicFileWriter(root.resolve(TARGET))) {
        w.write(NEW);
      }
    }, OLD, NEW, EnumSet.of(Outcome.OLD), EnumSet.of(Outcome.OLD));
  }

  @Test
  void lambdaRollbackNeverTouchesTheTarget() throws IOException {
    run("atomicWrite lambda, body throws", withOld(SyncModel.STRICT), root -> {
      IOException thrown = assertThrows(IOException.class, () -> AtomicFileWriter.atomicWrite(root.resolve(TARGET), w -> {
        w.write(BIG);
        w.flush();
        throw new IOException("the body failed");
      }));
      assertThat(thrown).hasMessage("the body failed");
    }, OLD, BIG, EnumSet.of(Outcome.OLD), EnumSet.of(Outcome.OLD));
  }

  @ParameterizedTest
  @EnumSource(SyncModel.class)
  void lambdaCommitIsOldOrNewAndNewOnceReturned(SyncModel model) throws IOException {
    Outcomes o = run("atomicWrite lambda, body returns (" + model + ")", withOld(model),
        root -> AtomicFileWriter.atomicWrite(root.resolve(TARGET), w -> w.write(NEW)), OLD, NEW, OLD_OR_NEW,
        EnumSet.of(Outcome.NEW));
    assertThat(o.after).containsExactly(Outcome.NEW);
  }

  // ---- no-clobber

  @ParameterizedTest
  @EnumSource(SyncModel.class)
  void noClobberCreateIsAbsentOrNewAndNewOnceReturned(SyncModel model) throws IOException {
    WriteOptions noClobber = WriteOptions.builder().noClobber().build();
    Outcomes o = run("atomicWrite no-clobber create (" + model + ")", CrashSimulator.create().model(model),
        root -> AtomicFileWriter.atomicWrite(root.resolve(TARGET), NEW, noClobber), null, NEW,
        EnumSet.of(Outcome.ABSENT, Outcome.NEW), EnumSet.of(Outcome.NEW));
    assertThat(o.after).containsExactly(Outcome.NEW);
  }

  @Test
  void noClobberOnAnExistingTargetChangesNothing() throws IOException {
    WriteOptions noClobber = WriteOptions.builder().noClobber().build();
    run("atomicWrite no-clobber on an existing target", withOld(SyncModel.STRICT), root -> assertThrows(
        FileAlreadyExistsException.class, () -> AtomicFileWriter.atomicWrite(root.resolve(TARGET), NEW, noClobber)),
        OLD, NEW, EnumSet.of(Outcome.OLD), EnumSet.of(Outcome.OLD));
  }

  // ---- temp directory elsewhere on the same file system

  @ParameterizedTest
  @EnumSource(SyncModel.class)
  void tempDirectoryElsewhereIsOldOrNewAndNewOnceReturned(SyncModel model) throws IOException {
    Outcomes o = run("atomicWrite with tempDir in another directory (" + model + ")", withOld(model), root -> {
      Path tempDir = root.resolve("scratch");
      AtomicFileWriter.atomicWrite(root.resolve(TARGET), WriteOptions.builder().tempDir(tempDir).build(),
          w -> w.write(BIG));
    }, OLD, BIG, OLD_OR_NEW, EnumSet.of(Outcome.NEW));
    assertThat(o.after).containsExactly(Outcome.NEW);
  }

  // ---- atomicRename

  @ParameterizedTest
  @EnumSource(SyncModel.class)
  void atomicRenameWithinADirectoryIsOldOrNewAndNewOnceReturned(SyncModel model) throws IOException {
    CrashSimulator sim = withOld(model).setup(root -> {
      Files.writeString(root.resolve(TARGET), OLD);
      Files.writeString(root.resolve("incoming.txt"), NEW);
    });
    Outcomes o = run("atomicRename within a directory (" + model + ")", sim,
        root -> AtomicFiles.atomicRename(root.resolve("incoming.txt"), root.resolve(TARGET)), OLD, NEW, OLD_OR_NEW,
        EnumSet.of(Outcome.NEW));
    assertThat(o.after).containsExactly(Outcome.NEW);
  }

  /**
   * Under the POSIX model a rename across directories is two independent entry changes, and nothing
   * can be synced before the rename has made them: until the destination directory is synced, a crash
   * may keep the source's removal and lose the destination's entry. No rename protocol avoids that
   * window (journalling file systems commit both entries in one transaction, so it does not occur on
   * ext4 or XFS); the test pins that it closes before {@code atomicRename} returns.
   */
  @ParameterizedTest
  @EnumSource(SyncModel.class)
  void atomicRenameAcrossDirectoriesIsDurableOnceReturned(SyncModel model) throws IOException {
    Outcomes target = new Outcomes();
    boolean[] lostInFlight = {false};
    CrashReport report = CrashSimulator.create().model(model).setup(root -> {
      Files.writeString(root.resolve(TARGET), OLD);
      Files.createDirectory(root.resolve("inbox"));
      Files.writeString(root.resolve("inbox/incoming.txt"), NEW);
    }).run(root -> {
      AtomicFiles.atomicRename(root.resolve("inbox/incoming.txt"), root.resolve(TARGET));
      CrashSimulator.mark(root, RETURNED);
    }, state -> {
      Outcome o = Outcome.of(state, TARGET, OLD, NEW);
      Outcome src = Outcome.of(state, "inbox/incoming.txt", null, NEW);
      target.add(state, RETURNED, o);
      assertThat(o).isIn(Outcome.OLD, Outcome.NEW);
      assertThat(src).isIn(Outcome.ABSENT, Outcome.NEW);
      if (o != Outcome.NEW && src != Outcome.NEW) {
        lostInFlight[0] = true;
        assertThat(state.passed(RETURNED)).as("the new content lost under both names after returning").isFalse();
      }
      if (state.passed(RETURNED)) {
        assertThat(o).isEqualTo(Outcome.NEW);
        assertThat(src).isEqualTo(Outcome.ABSENT);
      }
    });
    System.out.println("[crashsim] atomicRename across directories (" + model + "): " + report.summary()
        + "; outcomes " + target);
    report.assertNoViolations();
    assertThat(target.after).containsExactly(Outcome.NEW);
    assertThat(lostInFlight[0]).as("the model's window inside a cross-directory rename").isTrue();
  }

  @Test
  void atomicRenameIntoNewDirectoriesIsDurableOnceReturned() throws IOException {
    Outcomes target = new Outcomes();
    CrashReport report = CrashSimulator.create()
        .setup(root -> Files.writeString(root.resolve("incoming.txt"), NEW))
        .run(root -> {
          AtomicFiles.atomicRename(root.resolve("incoming.txt"), root.resolve("x/y/" + TARGET));
          CrashSimulator.mark(root, RETURNED);
        }, state -> {
          Outcome o = Outcome.of(state, "x/y/" + TARGET, null, NEW);
          target.add(state, RETURNED, o);
          if (state.passed(RETURNED)) {
            assertThat(o).isEqualTo(Outcome.NEW);
            assertThat(state.exists("incoming.txt")).isFalse();
          }
        });
    System.out.println("[crashsim] atomicRename into new directories x/y: " + report.summary());
    report.assertNoViolations();
    assertThat(target.after).containsExactly(Outcome.NEW);
  }

  @Test
  void atomicRenameWithoutDirectorySyncMayRollBack() throws IOException {
    CrashSimulator sim = withOld(SyncModel.STRICT).setup(root -> {
      Files.writeString(root.resolve(TARGET), OLD);
      Files.writeString(root.resolve("incoming.txt"), NEW);
    });
    Outcomes o = run("atomicRename at NONE", sim,
        root -> AtomicFiles.atomicRename(root.resolve("incoming.txt"), root.resolve(TARGET), Durability.NONE), OLD,
        NEW, OLD_OR_NEW, OLD_OR_NEW);
    assertThat(o.after).containsExactlyInAnyOrder(Outcome.OLD, Outcome.NEW);
  }
}
