package io.htmlgraph.atomic.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.htmlgraph.atomic.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The group commit, {@link AtomicFiles#atomicWriteAll(Map)}, at every crash point: each file is
 * individually its old content (or absent, for a new one) or its new content, never torn; once the
 * call has returned, every file holds its new content.
 */
class GroupCommitCrashTest {
  private static final String RETURNED = "returned";

  /** Old content per file; null for a file the batch creates. */
  private static final Map<String, String> OLD = new LinkedHashMap<>();
  private static final Map<String, String> NEW = new LinkedHashMap<>();

  static {
    OLD.put("a.txt", "old a\n");
    OLD.put("b.txt", "old b\n");
    OLD.put("c.txt", null);
    OLD.put("sub/d.txt", null);
    NEW.put("a.txt", "new a, longer than before\n");
    NEW.put("b.txt", "0123456789abcdef".repeat(600) + "\n"); // spans blocks: crashes inside its writes
    NEW.put("c.txt", "new c\n");
    NEW.put("sub/d.txt", "new d in a new directory\n");
  }

  @ParameterizedTest
  @EnumSource(SyncModel.class)
  void eachFileIsOldOrNewAndAllAreNewOnceReturned(SyncModel model) throws IOException {
    AtomicInteger states = new AtomicInteger();
    AtomicInteger afterReturn = new AtomicInteger();
    AtomicInteger mixed = new AtomicInteger();
    CrashReport report = CrashSimulator.create().model(model)
        .setup(root -> {
          for (Map.Entry<String, String> e : OLD.entrySet()) {
            if (e.getValue() != null) {
              Files.writeString(root.resolve(e.getKey()), e.getValue());
            }
          }
        })
        .run(root -> {
          Map<Path, byte[]> batch = new LinkedHashMap<>();
          NEW.forEach((name, content) -> batch.put(root.resolve(name), content.getBytes(StandardCharsets.UTF_8)));
          AtomicFiles.atomicWriteAll(batch);
          CrashSimulator.mark(root, RETURNED);
        }, state -> {
          states.incrementAndGet();
          int news = 0;
          for (String name : NEW.keySet()) {
            Optional<String> now = state.read(name);
            String old = OLD.get(name);
            String fresh = NEW.get(name);
            if (state.passed(RETURNED)) {
              assertThat(now).as("%s after the call returned", name).contains(fresh);
            } else if (old == null) {
              assertThat(now.isEmpty() || now.get().equals(fresh)).as("%s absent or new, was %s", name, now).isTrue();
            } else {
              assertThat(now).as("%s old or new", name).isPresent();
              assertThat(now.get()).as("%s old or new", name).isIn(old, fresh);
            }
            if (now.isPresent() && now.get().equals(fresh)) {
              news++;
            }
          }
          if (state.passed(RETURNED)) {
            afterReturn.incrementAndGet();
          } else if (news > 0 && news < NEW.size()) {
            mixed.incrementAndGet();
          }
        });
    System.out.println("[crashsim] atomicWriteAll of 4 files (" + model + "): " + report.summary()
        + "; states with some files new and some old: " + mixed.get());
    report.assertNoViolations();
    assertThat(states.get()).isGreaterThan(10);
    assertThat(afterReturn.get()).isPositive();
    // each file is atomic on its own, not the batch as a whole: the simulator must find mixed states
    assertThat(mixed.get()).isPositive();
  }
}
