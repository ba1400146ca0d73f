package io.htmlgraph.atomic.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.htmlgraph.atomic.json.AtomicJson;
import io.htmlgraph.atomic.testing.CrashReport;
import io.htmlgraph.atomic.testing.CrashSimulator;
import io.htmlgraph.atomic.testing.CrashState;
import io.htmlgraph.atomic.testing.SyncModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A crash at every point of {@link SessionRegistry#archive}, {@link SessionRegistry#register} and
 * {@link SessionRegistry#heartbeat}, under the crash simulator: opening the registry afterwards
 * always yields a consistent state (each session active or archived, exactly once; the index names
 * exactly the files; no temp left), and once the call returned, its effect is there. The tests also
 * count the crash states that were inconsistent before {@code open} repaired them, so that they can
 * show that the repair is exercised, not only that the protocol happened to need none.
 */
class SessionRegistryCrashTest {
  private static final String RETURNED = "returned";

  /** Opens the registry in the crash state and checks it; returns what it found. */
  private static RegistryState reopen(CrashState state, Map<String, Integer> raw) throws IOException {
    Path dir = state.root();
    raw.merge(rawVerdict(dir), 1, Integer::sum);
    SessionRegistry.open(dir);
    return RegistryState.of(dir).assertConsistent(dir);
  }

  /** How the state looked before open() repaired it: what open() had to repair, or "consistent". */
  private static String rawVerdict(Path dir) throws IOException {
    RegistryState s;
    try {
      s = RegistryState.of(dir);
    } catch (IOException e) {
      return "index unreadable";
    }
    if (s.active().stream().anyMatch(s.archived()::contains)) {
      return "both copies";
    }
    if (!s.index().active().equals(s.active()) || !s.index().archived().equals(s.archived())) {
      return "index behind files";
    }
    try {
      s.assertConsistent(dir);
      return "consistent";
    } catch (AssertionError e) {
      return "temp files left";
    }
  }

  private static CrashSimulator withSessions(SyncModel model, String... ids) {
    return CrashSimulator.create().model(model).setup(root -> {
      SessionRegistry r = SessionRegistry.open(root);
      for (String id : ids) {
        r.register(id);
      }
    });
  }

  private static void print(String scenario, CrashReport report, Map<String, Integer> raw) {
    System.out.println("[crashsim] " + scenario + ": " + report.summary() + "; before open(): " + raw);
    report.assertNoViolations();
  }

  @ParameterizedTest
  @EnumSource(SyncModel.class)
  void archiveLeavesTheSessionActiveOrArchivedExactlyOnce(SyncModel model) throws IOException {
    Map<String, Integer> raw = new TreeMap<>();
    Map<String, Integer> outcomes = new TreeMap<>();
    CrashReport report = withSessions(model, "a", "b").run(root -> {
      SessionRegistry.open(root).archive("a");
      CrashSimulator.mark(root, RETURNED);
    }, state -> {
      RegistryState s = reopen(state, raw);
      assertThat(s.active()).contains("b");
      assertThat(s.archived()).doesNotContain("b");
      boolean archived = s.archived().contains("a");
      assertThat(archived || s.active().contains("a")).as("a is active or archived").isTrue();
      if (state.passed(RETURNED)) {
        assertThat(archived).as("archived once archive() returned").isTrue();
      }
      Session a = AtomicJson.read(state.resolve((archived ? "archive/" : "active/") + "a.json"), Session.class);
      assertThat(a.pid()).isEqualTo(ProcessHandle.current().pid());
      outcomes.merge(archived ? "archived" : "active", 1, Integer::sum);
    });
    print("SessionRegistry.archive (" + model + ")", report, raw);
    assertThat(outcomes).containsOnlyKeys("active", "archived");
    // crashes between the steps leave both copies, which open() must repair
    assertThat(raw).containsKey("both copies");
  }

  @ParameterizedTest
  @EnumSource(SyncModel.class)
  void registerLeavesTheSessionAbsentOrActive(SyncModel model) throws IOException {
    Map<String, Integer> raw = new TreeMap<>();
    Map<String, Integer> outcomes = new TreeMap<>();
    CrashReport report = withSessions(model, "a").run(root -> {
      SessionRegistry.open(root).register("b");
      CrashSimulator.mark(root, RETURNED);
    }, state -> {
      RegistryState s = reopen(state, raw);
      assertThat(s.active()).contains("a");
      assertThat(s.archived()).isEmpty();
      boolean registered = s.active().contains("b");
      if (state.passed(RETURNED)) {
        assertThat(registered).as("registered once register() returned").isTrue();
      }
      outcomes.merge(registered ? "registered" : "absent", 1, Integer::sum);
    });
    print("SessionRegistry.register (" + model + ")", report, raw);
    assertThat(outcomes).containsOnlyKeys("absent", "registered");
    // a crash between the session file and the index leaves the index behind
    assertThat(raw).containsKey("index behind files");
  }

  @ParameterizedTest
  @EnumSource(SyncModel.class)
  void heartbeatLeavesTheSessionActiveAndReadable(SyncModel model) throws IOException {
    Map<String, Integer> raw = new TreeMap<>();
    CrashReport report = withSessions(model, "a").run(root -> {
      SessionRegistry.open(root).heartbeat("a");
      CrashSimulator.mark(root, RETURNED);
    }, state -> {
      RegistryState s = reopen(state, raw);
      assertThat(s.active()).containsExactly("a");
      assertThat(s.archived()).isEmpty();
    });
    print("SessionRegistry.heartbeat (" + model + ")", report, raw);
  }
}
