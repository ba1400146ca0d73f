package io.htmlgraph.atomic.json;

import io.htmlgraph.atomic.testsupport.ChildJvm;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.htmlgraph.atomic.DirectoryLock;
import io.htmlgraph.atomic.DirectoryLocker;
import io.htmlgraph.atomic.LockTimeoutException;
import io.htmlgraph.atomic.WriteOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.core.type.TypeReference;

class AtomicJsonUpdateTest {
  private static final Duration LONG_WAIT = Duration.ofSeconds(60);

  @TempDir Path dir;

  @Test
  void aMissingFileGivesNullAndIsCreated() throws IOException {
    Path file = dir.resolve("counter.json");
    List<Integer> seen = new ArrayList<>();
    Integer written = AtomicJson.update(file, Integer.class, c -> {
      seen.add(c);
      return 41;
    });
    assertThat(seen).containsExactly((Integer) null);
    assertThat(written).isEqualTo(41);
    assertThat(Files.readString(file)).isEqualTo("41\n");
  }

  @Test
  void fnGetsTheCurrentValueAndItsResultIsWrittenAsWriteWouldWriteIt() throws IOException {
    Path file = dir.resolve("state.json");
    AtomicJson.write(file, Map.of("n", 1));
    Map<String, Integer> result = AtomicJson.update(file, new TypeReference<Map<String, Integer>>() {}, m -> {
      Map<String, Integer> next = new LinkedHashMap<>(m);
      next.put("n", m.get("n") + 1);
      next.put("m", 7);
      return next;
    });
    assertThat(result).containsExactly(Map.entry("n", 2), Map.entry("m", 7));
    assertThat(Files.readString(file)).isEqualTo("{\n  \"n\": 2,\n  \"m\": 7\n}\n");
  }

  @Test
  void theLockIsTheFilesDirectoryByDefaultAndTheGivenDirectoryOtherwise() throws IOException {
    Path file = dir.resolve("data/state.json");
    AtomicJson.update(file, Integer.class, c -> 1);
    assertThat(dir.resolve("data/.lock")).isRegularFile();

    Path other = dir.resolve("other/state.json");
    Path locks = dir.resolve("locks");
    AtomicJson.update(other, Integer.class, locks, LONG_WAIT, WriteOptions.defaults(), c -> 2);
    assertThat(locks.resolve(".lock")).isRegularFile();
    assertThat(dir.resolve("other/.lock")).doesNotExist();
    assertThat(Files.readString(other)).isEqualTo("2\n");
  }

  @Test
  void whenFnThrowsNothingIsWrittenAndTheLockIsReleased() throws IOException {
    Path file = dir.resolve("state.json");
    AtomicJson.write(file, Map.of("v", 1));
    byte[] before = Files.readAllBytes(file);
    assertThatThrownBy(() -> AtomicJson.update(file, Map.class, m -> {
      throw new IllegalStateException("refused");
    })).isInstanceOf(IllegalStateException.class).hasMessage("refused");
    assertThat(Files.readAllBytes(file)).isEqualTo(before);
    assertThat(names(dir)).containsExactlyInAnyOrder(".lock", "state.json");
    // released: another locker gets it at once
    DirectoryLocker other = new DirectoryLocker(dir);
    assertThat(other.acquireExclusiveLock(Duration.ZERO)).isTrue();
    other.releaseLock();
  }

  @Test
  void aValueThatCannotBeWrittenLeavesTheFileAsItWas() throws IOException {
    Path file = dir.resolve("state.json");
    AtomicJson.write(file, 1.5);
    byte[] before = Files.readAllBytes(file);
    assertThatThrownBy(() -> AtomicJson.update(file, Double.class, d -> Double.NaN))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(Files.readAllBytes(file)).isEqualTo(before);
    assertThat(names(dir)).containsExactlyInAnyOrder(".lock", "state.json");
  }

  @Test
  void anInvalidFileIsReportedAndNotReplaced() throws IOException {
    Path file = dir.resolve("state.json");
    Files.writeString(file, "{\"v\": 1");
    AtomicBoolean called = new AtomicBoolean();
    assertThatThrownBy(() -> AtomicJson.update(file, Map.class, m -> {
      called.set(true);
      return Map.of();
    })).isInstanceOf(InvalidJsonException.class).hasMessageContaining("state.json");
    assertThat(called).isFalse();
    assertThat(Files.readString(file)).isEqualTo("{\"v\": 1");
  }

  @Test
  void timesOutWhileAnotherLockerOfThisJvmHoldsTheLock() throws IOException {
    Path file = dir.resolve("state.json");
    AtomicJson.write(file, 1);
    DirectoryLocker holder = new DirectoryLocker(dir);
    AtomicBoolean called = new AtomicBoolean();
    try (DirectoryLock lock = holder.lockExclusive(Duration.ZERO)) {
      long start = System.nanoTime();
      assertThatThrownBy(() -> AtomicJson.update(file, Integer.class, dir, Duration.ofMillis(200),
          WriteOptions.defaults(), c -> {
            called.set(true);
            return c + 1;
          })).isInstanceOf(LockTimeoutException.class);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(200));
    }
    assertThat(called).isFalse();
    assertThat(Files.readString(file)).isEqualTo("1\n");
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void timesOutWhileAnotherProcessHoldsTheLockAndNamesIt() throws Exception {
    Path file = dir.resolve("state.json");
    AtomicJson.write(file, 1);
    try (ChildJvm child = ChildJvm.start(UpdateChild.class, "hold", dir.toString())) {
      assertThat(child.readLine()).isEqualTo("locked");
      Thread.sleep(50); // the holder writes its owner record after 10 ms of holding
      assertThatThrownBy(() -> AtomicJson.update(file, Integer.class, (Path) null, Duration.ofMillis(300),
          WriteOptions.defaults(), c -> c + 1))
          .isInstanceOfSatisfying(LockTimeoutException.class,
              e -> assertThat(e.holder()).hasValueSatisfying(o -> assertThat(o.pid()).isEqualTo(child.pid())));
      assertThat(Files.readString(file)).isEqualTo("1\n");
      child.close();
      child.process.waitFor();
    }
    // the holder is gone: the same update now goes through
    assertThat(AtomicJson.update(file, Integer.class, c -> c + 1)).isEqualTo(2);
    assertThat(Files.readString(file)).isEqualTo("2\n");
  }

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void fourThreadsTimesFiftyIncrementsEndAtExactly200() throws Exception {
    Path file = dir.resolve("counter.json");
    ExecutorService pool = Executors.newFixedThreadPool(4);
    long start = System.nanoTime();
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        done.add(pool.submit(() -> {
          for (int i = 0; i < 50; i++) {
            AtomicJson.update(file, Integer.class, (Path) null, LONG_WAIT, WriteOptions.defaults(),
                c -> c == null ? 1 : c + 1);
          }
          return null;
        }));
      }
      for (Future<?> f : done) {
        f.get(100, TimeUnit.SECONDS);
      }
      System.out.printf("[update] 4 threads x 50 updates (FULL durability): %d ms%n",
          (System.nanoTime() - start) / 1_000_000);
    } finally {
      pool.shutdownNow();
    }
    assertThat(AtomicJson.read(file, Integer.class)).isEqualTo(200);
    assertThat(names(dir)).containsExactlyInAnyOrder(".lock", "counter.json");
  }

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void fourProcessesTimesFiftyIncrementsEndAtExactly200() throws Exception {
    Path file = dir.resolve("counter.json");
    List<ChildJvm> children = new ArrayList<>();
    try {
      for (int i = 0; i < 4; i++) {
        children.add(ChildJvm.start(UpdateChild.class, "increment", file.toString(), "50"));
      }
      long nanos = ChildJvm.readyGoDone(children, 100);
      System.out.printf("[update] 4 processes x 50 updates (FULL durability): %d ms, counter %s%n",
          nanos / 1_000_000, Files.readString(file).strip());
    } finally {
      children.forEach(ChildJvm::close);
    }
    assertThat(AtomicJson.read(file, Integer.class)).isEqualTo(200);
    assertThat(names(dir)).containsExactlyInAnyOrder(".lock", "counter.json");
  }

  @Test
  void badArgumentsAreRefusedBeforeAnythingIsLocked() throws IOException {
    Path file = dir.resolve("sub/state.json");
    assertThatThrownBy(() -> AtomicJson.update(Path.of(""), Integer.class, c -> 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> AtomicJson.update(file, Integer.class, null))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> AtomicJson.update(file, Integer.class, (Path) null, LONG_WAIT,
        WriteOptions.builder().charset(java.nio.charset.StandardCharsets.UTF_16).build(), c -> 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(dir.resolve("sub")).doesNotExist();
  }

  private static List<String> names(Path d) throws IOException {
    try (Stream<Path> s = Files.list(d)) {
      return s.map(p -> p.getFileName().toString()).toList();
    }
  }
}
