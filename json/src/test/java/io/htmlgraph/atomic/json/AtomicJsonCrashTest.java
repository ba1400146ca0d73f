package io.htmlgraph.atomic.json;

import static org.assertj.core.api.Assertions.assertThat;

import io.htmlgraph.atomic.testing.CrashReport;
import io.htmlgraph.atomic.testing.CrashSimulator;
import io.htmlgraph.atomic.testing.CrashState;
import io.htmlgraph.atomic.testing.SyncModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link AtomicJson#write} and {@link AtomicJson#update} under the crash simulator: at every crash
 * point the file holds exactly the bytes of the old or the new JSON (never torn, empty, zero-filled
 * or missing), and once a call (full durability) has returned, every crash state holds its result.
 * {@code update} takes a {@code DirectoryLocker} lock on the simulated file system: its kernel lock
 * goes to the real file underneath (the simulator delegates locks), its {@code .lock} file is one
 * more recorded creation.
 */
class AtomicJsonCrashTest {
  private static final String FILE = "state.json";

  private static Map<String, Object> value(int version, int padding) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("version", version);
    m.put("name", "sessión ✓");
    m.put("items", List.of(1, 2.5, true, "x".repeat(padding)));
    return m;
  }

  /** The bytes AtomicJson.write gives for {@code v}, written on the real file system. */
  private static String bytesOf(Object v) throws IOException {
    Path tmp = java.nio.file.Files.createTempFile("expected", ".json");
    try {
      AtomicJson.write(tmp, v);
      return java.nio.file.Files.readString(tmp);
    } finally {
      java.nio.file.Files.delete(tmp);
    }
  }

  /** Which of {@code versions} the state's file holds byte for byte: its index, or -1 if absent. */
  private static int version(CrashState state, List<String> versions) throws IOException {
    Optional<String> s = state.read(FILE);
    if (s.isEmpty()) {
      return -1;
    }
    int i = versions.indexOf(s.get());
    assertThat(i).as("%s holds one of the versions exactly, not %s", FILE, s.get()).isNotNegative();
    return i;
  }

  private static CrashReport report(String scenario, CrashReport report, Set<Integer> seen) {
    System.out.println("[crashsim] " + scenario + ": " + report.summary() + "; versions seen " + seen);
    report.assertNoViolations();
    return report;
  }

  @ParameterizedTest
  @EnumSource(SyncModel.class)
  void writeReplaceIsOldOrNewAndNewOnceReturned(SyncModel model) throws IOException {
    List<String> versions = List.of(bytesOf(value(1, 10)), bytesOf(value(2, 10)));
    Set<Integer> seen = new TreeSet<>();
    report("AtomicJson.write replace (" + model + ")", CrashSimulator.create().model(model)
        .setup(root -> AtomicJson.write(root.resolve(FILE), value(1, 10)))
        .run(root -> {
          AtomicJson.write(root.resolve(FILE), value(2, 10));
          CrashSimulator.mark(root, "written");
        }, state -> {
          int v = version(state, versions);
          seen.add(v);
          assertThat(v).as("present").isNotNegative();
          if (state.passed("written")) {
            assertThat(v).as("after write returned").isEqualTo(1);
          }
        }), seen);
    assertThat(seen).containsExactly(0, 1);
  }

  @ParameterizedTest
  @EnumSource(SyncModel.class)
  void writeOfALargeValueIsNeverTorn(SyncModel model) throws IOException {
    // about 100 KiB: past the 64 KiB that AtomicJson buffers before it opens the temp, so the value
    // streams into the file in several writes and crashes fall between and inside them
    List<String> versions = List.of(bytesOf(value(1, 10)), bytesOf(value(2, 100_000)));
    Set<Integer> seen = new TreeSet<>();
    report("AtomicJson.write replace, 100 KiB (" + model + ")", CrashSimulator.create().model(model)
        .setup(root -> AtomicJson.write(root.resolve(FILE), value(1, 10)))
        .run(root -> {
          AtomicJson.write(root.resolve(FILE), value(2, 100_000));
          CrashSimulator.mark(root, "written");
        }, state -> {
          int v = version(state, versions);
          seen.add(v);
          assertThat(v).as("present").isNotNegative();
          if (state.passed("written")) {
            assertThat(v).isEqualTo(1);
          }
        }), seen);
    assertThat(seen).containsExactly(0, 1);
  }

  @ParameterizedTest
  @EnumSource(SyncModel.class)
  void writeCreateIsAbsentOrNewAndNewOnceReturned(SyncModel model) throws IOException {
    List<String> versions = List.of(bytesOf(value(1, 10)));
    Set<Integer> seen = new TreeSet<>();
    report("AtomicJson.write create (" + model + ")", CrashSimulator.create().model(model).run(root -> {
      AtomicJson.write(root.resolve(FILE), value(1, 10));
      CrashSimulator.mark(root, "written");
    }, state -> {
      int v = version(state, versions);
      seen.add(v);
      if (state.passed("written")) {
        assertThat(v).isEqualTo(0);
      }
    }), seen);
    assertThat(seen).containsExactly(-1, 0);
  }

  /**
   * Three updates in a row (1 → 2 → 3 → 4): at every crash point the file is one of the four versions
   * exactly, and at least as new as the last update that returned.
   */
  @ParameterizedTest
  @EnumSource(SyncModel.class)
  void updatesAreOldOrNewAndNeverGoBackOnceReturned(SyncModel model) throws IOException {
    List<String> versions = new ArrayList<>();
    for (int v = 1; v <= 4; v++) {
      versions.add(bytesOf(value(v, 10)));
    }
    Set<Integer> seen = new TreeSet<>();
    CrashReport r = report("AtomicJson.update x3 (" + model + ")", CrashSimulator.create().model(model)
        .setup(root -> AtomicJson.write(root.resolve(FILE), value(1, 10)))
        .run(root -> {
          for (int u = 1; u <= 3; u++) {
            AtomicJson.update(root.resolve(FILE), Map.class, m -> value((Integer) m.get("version") + 1, 10));
            CrashSimulator.mark(root, "update " + u);
          }
        }, state -> {
          int v = version(state, versions);
          seen.add(v);
          assertThat(v).as("present").isNotNegative();
          for (int u = 1; u <= 3; u++) {
            if (state.passed("update " + u)) {
              assertThat(v).as("after update %d returned", u).isGreaterThanOrEqualTo(u);
            }
          }
        }), seen);
    assertThat(seen).containsExactly(0, 1, 2, 3);
    // the lock file is created once in the simulated directory and never deleted
    assertThat(r.operations()).filteredOn(op -> op.contains("/.lock") && !op.contains(".lock.owner"))
        .allMatch(op -> !op.startsWith("unlink") && !op.startsWith("rename"));
  }

  @ParameterizedTest
  @EnumSource(SyncModel.class)
  void updateOfAMissingFileIsAbsentOrNewAndNewOnceReturned(SyncModel model) throws IOException {
    List<String> versions = List.of(bytesOf(Map.of("count", 1)));
    Set<Integer> seen = new TreeSet<>();
    report("AtomicJson.update create (" + model + ")", CrashSimulator.create().model(model).run(root -> {
      AtomicJson.update(root.resolve(FILE), Map.class, m -> {
        assertThat(m).isNull();
        return Map.of("count", 1);
      });
      CrashSimulator.mark(root, "updated");
    }, state -> {
      int v = version(state, versions);
      seen.add(v);
      if (state.passed("updated")) {
        assertThat(v).isEqualTo(0);
      }
    }), seen);
    assertThat(seen).containsExactly(-1, 0);
  }

  @ParameterizedTest
  @EnumSource(SyncModel.class)
  void anUpdateWhoseFnThrowsLeavesTheOldVersionAtEveryCrashPoint(SyncModel model) throws IOException {
    List<String> versions = List.of(bytesOf(value(1, 10)));
    Set<Integer> seen = new TreeSet<>();
    report("AtomicJson.update, fn throws (" + model + ")", CrashSimulator.create().model(model)
        .setup(root -> AtomicJson.write(root.resolve(FILE), value(1, 10)))
        .run(root -> {
          try {
            AtomicJson.update(root.resolve(FILE), Map.class, m -> {
              throw new IllegalStateException("refused");
            });
            throw new AssertionError("fn's exception was not thrown");
          } catch (IllegalStateException expected) {
            CrashSimulator.mark(root, "refused");
          }
        }, state -> {
          seen.add(version(state, versions));
        }), seen);
    assertThat(seen).containsExactly(0);
  }
}
