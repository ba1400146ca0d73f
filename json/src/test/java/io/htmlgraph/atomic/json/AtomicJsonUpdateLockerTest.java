package io.htmlgraph.atomic.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.htmlgraph.atomic.DirectoryLocker;
import io.htmlgraph.atomic.Fencing;
import io.htmlgraph.atomic.HeldLock;
import io.htmlgraph.atomic.LockLostException;
import io.htmlgraph.atomic.LockMode;
import io.htmlgraph.atomic.LockOwner;
import io.htmlgraph.atomic.LockTimeoutException;
import io.htmlgraph.atomic.Locker;
import io.htmlgraph.atomic.WriteOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.core.type.TypeReference;

/** {@code AtomicJson.update} under any {@link Locker}: it publishes only while the lock stands. */
class AtomicJsonUpdateLockerTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  @TempDir Path dir;

  /** A lock that can be lost, with a chosen fencing token; the test decides when it is lost. */
  private static class LosableLocker implements Locker {
    final long token;
    final AtomicBoolean lost = new AtomicBoolean();
    int grants;

    LosableLocker(long token) {
      this.token = token;
    }

    @Override
    public HeldLock lockExclusive(Duration timeout) throws IOException {
      grants++;
      AtomicBoolean closed = new AtomicBoolean();
      return new HeldLock() {
        @Override public LockMode mode() { return LockMode.EXCLUSIVE; }
        @Override public boolean isHeld() { return !closed.get() && !lost.get(); }
        @Override public long fencingToken() { return token; }
        @Override public void close() { closed.set(true); }
      };
    }

    @Override
    public HeldLock lockShared(Duration timeout) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Optional<LockOwner> owner() {
      return Optional.empty();
    }
  }

  @Test
  void aDirectoryLockerAsALockerUpdatesAndWritesNoFence() throws IOException {
    Path file = dir.resolve("counter.json");
    Locker locker = new DirectoryLocker(dir.resolve("locks"));
    for (int i = 0; i < 3; i++) {
      AtomicJson.update(file, Integer.class, locker, WAIT, WriteOptions.defaults(), c -> c == null ? 1 : c + 1);
    }
    assertThat(Files.readString(file)).isEqualTo("3\n");
    assertThat(names(dir)).containsExactlyInAnyOrder("locks", "counter.json");
  }

  @Test
  void aHoldWithATokenRecordsItBesideTheFileAndPublishes() throws IOException {
    Path file = dir.resolve("state.json");
    Map<String, Integer> written = AtomicJson.update(file, new TypeReference<Map<String, Integer>>() {},
        new LosableLocker(41), WAIT, WriteOptions.defaults(), m -> Map.of("n", 1));
    assertThat(written).containsEntry("n", 1);
    assertThat(Files.readString(file)).isEqualTo("{\n  \"n\": 1\n}\n");
    assertThat(Fencing.recorded(dir.resolve(".state.json.fence"))).isEqualTo(41);
    AtomicJson.update(file, Map.class, new LosableLocker(42), WAIT, WriteOptions.defaults(), m -> Map.of("n", 2));
    assertThat(Fencing.recorded(dir.resolve(".state.json.fence"))).isEqualTo(42);
    assertThat(Files.readString(file)).contains("\"n\": 2");
  }

  @Test
  void aLockLostWhileTheFunctionRanPublishesNothing() throws IOException {
    Path file = dir.resolve("state.json");
    AtomicJson.write(file, 1);
    LosableLocker locker = new LosableLocker(7);
    AtomicBoolean called = new AtomicBoolean();
    assertThatThrownBy(() -> AtomicJson.update(file, Integer.class, locker, WAIT, WriteOptions.defaults(), c -> {
      called.set(true);
      locker.lost.set(true); // the session expires while fn runs
      return c + 1;
    })).isInstanceOf(LockLostException.class).hasMessageContaining("no longer held");
    assertThat(called).isTrue();
    assertThat(Files.readString(file)).isEqualTo("1\n");
    assertThat(names(dir)).containsExactly("state.json");
  }

  @Test
  void aStaleHolderDoesNotOverwriteANewerHoldersUpdate() throws IOException {
    Path file = dir.resolve("state.json");
    AtomicJson.update(file, Integer.class, new LosableLocker(9), WAIT, WriteOptions.defaults(), c -> 100);
    // a holder with an older token that believes it still holds the lock
    assertThatThrownBy(() -> AtomicJson.update(file, Integer.class, new LosableLocker(7), WAIT,
        WriteOptions.defaults(), c -> 1))
        .isInstanceOf(LockLostException.class)
        .hasMessageContaining("token 9");
    assertThat(Files.readString(file)).isEqualTo("100\n");
    assertThat(Fencing.recorded(dir.resolve(".state.json.fence"))).isEqualTo(9);
  }

  @Test
  void aTimeoutOfTheLockerReadsAndWritesNothing() throws IOException {
    Path file = dir.resolve("state.json");
    AtomicJson.write(file, 1);
    Locker busy = new LosableLocker(1) {
      @Override
      public HeldLock lockExclusive(Duration timeout) throws LockTimeoutException {
        throw new LockTimeoutException("/locks/busy", LockMode.EXCLUSIVE, timeout, null);
      }
    };
    AtomicBoolean called = new AtomicBoolean();
    assertThatThrownBy(() -> AtomicJson.update(file, Integer.class, busy, Duration.ZERO, WriteOptions.defaults(), c -> {
      called.set(true);
      return 2;
    })).isInstanceOf(LockTimeoutException.class).hasMessageContaining("/locks/busy");
    assertThat(called).isFalse();
    assertThat(Files.readString(file)).isEqualTo("1\n");
  }

  @Test
  void badArgumentsAreRefusedBeforeTheLockIsTaken() throws IOException {
    Path file = dir.resolve("sub/state.json");
    LosableLocker locker = new LosableLocker(3);
    assertThatThrownBy(() -> AtomicJson.update(file, Integer.class, (Locker) null, WAIT, WriteOptions.defaults(),
        c -> 1)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> AtomicJson.update(file, Integer.class, locker, null, WriteOptions.defaults(), c -> 1))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> AtomicJson.update(Path.of(""), Integer.class, locker, WAIT, WriteOptions.defaults(),
        c -> 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> AtomicJson.update(file, Integer.class, locker, WAIT,
        WriteOptions.builder().charset(java.nio.charset.StandardCharsets.UTF_16).build(), c -> 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(locker.grants).isZero();
    assertThat(dir.resolve("sub")).doesNotExist();
  }

  private static List<String> names(Path d) throws IOException {
    try (Stream<Path> s = Files.list(d)) {
      return s.map(p -> p.getFileName().toString()).toList();
    }
  }
}
