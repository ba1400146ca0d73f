package io.htmlgraph.atomic.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.htmlgraph.atomic.json.AtomicJson;
import io.htmlgraph.atomic.testing.CrashReport;
import io.htmlgraph.atomic.testing.CrashSimulator;
import io.htmlgraph.atomic.testing.CrashState;
import io.htmlgraph.atomic.testing.SyncModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A crash at every point of {@link SessionRegistry#open}, {@link SessionRegistry#archive},
 * {@link SessionRegistry#register} and {@link SessionRegistry#heartbeat}, under the crash simulator
 * (both sync models): opening the registry afterwards, which finishes an interrupted transaction and
 * does nothing else, always yields a consistent state (each session active or archived, exactly once;
 * the index names exactly the files; nothing staged, linked or temporary left), and once the call
 * returned, its effect is there. The tests also count the crash states that were inconsistent before
 * {@code open} recovered them, so that they can show that recovery is exercised, not only that the
 * crash points happened to need none.
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

  /** How the state looked before open() recovered it: what recovery had to do, or "consistent". */
  private static String rawVerdict(Path dir) throws IOException {
    RegistryState s;
    try {
      s = RegistryState.of(dir);
    } catch (IOException e) {
      return "index missing or unreadable";
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
      return "staged files left";
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
    System.out.println("[crashsim] " + scenario + ": " + report.summary() + "; before recovery: " + raw);
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
    // crashes between the renames leave both copies, which recovery must finish
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
  void openOfANewRegistryLeavesNoIndexOrAnEmptyOne(SyncModel model) throws IOException {
    Map<String, Integer> raw = new TreeMap<>();
    Map<String, Integer> outcomes = new TreeMap<>();
    CrashReport report = CrashSimulator.create().model(model).run(root -> {
      SessionRegistry.open(root.resolve("reg"));
      CrashSimulator.mark(root, RETURNED);
    }, state -> {
      Path dir = state.root().resolve("reg");
      boolean indexFound = Files.exists(dir.resolve("index.json"));
      if (state.passed(RETURNED)) {
        assertThat(indexFound).as("the index exists once open() returned").isTrue();
      }
      raw.merge(indexFound ? rawVerdict(dir) : "no index", 1, Integer::sum);
      SessionRegistry r = SessionRegistry.open(dir);
      RegistryState s = RegistryState.of(dir).assertConsistent(dir);
      assertThat(s.active()).isEmpty();
      assertThat(s.archived()).isEmpty();
      assertThat(r.list()).isEmpty();
      outcomes.merge(indexFound ? "index" : "no index", 1, Integer::sum);
    });
    print("SessionRegistry.open of a new registry (" + model + ")", report, raw);
    assertThat(outcomes).containsOnlyKeys("index", "no index");
  }

  @ParameterizedTest
  @EnumSource(SyncModel.class)
  void heartbeatLeavesTheSessionActiveAndReadable(SyncModel model) throws IOException {
    Map<String, Integer> raw = new TreeMap<>();
    AtomicReference<Session> registered = new AtomicReference<>();
    AtomicReference<Session> beat = new AtomicReference<>();
    CrashReport report = CrashSimulator.create().model(model)
        .setup(root -> registered.set(SessionRegistry.open(root).register("a")))
        .run(root -> {
          beat.set(SessionRegistry.open(root).heartbeat("a"));
          CrashSimulator.mark(root, RETURNED);
        }, state -> {
          RegistryState s = reopen(state, raw);
          assertThat(s.active()).containsExactly("a");
          assertThat(s.archived()).isEmpty();
          Session a = AtomicJson.read(state.resolve("active/a.json"), Session.class);
          if (state.passed(RETURNED)) {
            assertThat(a).as("the heartbeat once heartbeat() returned").isEqualTo(beat.get());
          } else {
            assertThat(a).isIn(registered.get(), beat.get());
          }
        });
    print("SessionRegistry.heartbeat (" + model + ")", report, raw);
  }
}
