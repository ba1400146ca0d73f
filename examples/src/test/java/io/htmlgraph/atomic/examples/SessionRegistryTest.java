package io.htmlgraph.atomic.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.htmlgraph.atomic.CommitIncompleteException;
import io.htmlgraph.atomic.DirectoryLocker;
import io.htmlgraph.atomic.HeldLock;
import io.htmlgraph.atomic.LockLostException;
import io.htmlgraph.atomic.LockMode;
import io.htmlgraph.atomic.LockOwner;
import io.htmlgraph.atomic.Locker;
import io.htmlgraph.atomic.json.AtomicJson;
import io.htmlgraph.atomic.json.InvalidJsonException;
import io.htmlgraph.atomic.testing.Fault;
import io.htmlgraph.atomic.testing.FaultyFileSystem;
import io.htmlgraph.atomic.testsupport.ChildJvm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class SessionRegistryTest {
  @TempDir Path dir;

  @Test
  void registerHeartbeatArchiveAndList() throws IOException {
    SessionRegistry r = SessionRegistry.open(dir);
    Session a = r.register("a");
    r.register("b");
    assertThat(a.pid()).isEqualTo(ProcessHandle.current().pid());
    assertThat(a.archived()).isNull();

    Session beat = r.heartbeat("a");
    assertThat(beat.lastHeartbeat()).isAfterOrEqualTo(a.lastHeartbeat());
    assertThat(AtomicJson.read(dir.resolve("active/a.json"), Session.class)).isEqualTo(beat);

    Session archived = r.archive("b");
    assertThat(archived.archived()).isNotNull();
    assertThat(dir.resolve("active/b.json")).doesNotExist();
    assertThat(AtomicJson.read(dir.resolve("archive/b.json"), Session.class)).isEqualTo(archived);

    assertThat(r.list()).containsExactly(beat);
    assertThat(r.listArchived()).containsExactly(archived);
    assertThat(Files.readString(dir.resolve("index.json")))
        .isEqualTo("{\n  \"active\": [\n    \"a\"\n  ],\n  \"archived\": [\n    \"b\"\n  ]\n}\n");
    RegistryState.of(dir).assertConsistent(dir);
  }

  @Test
  void refusedCallsChangeNothing() throws IOException {
    SessionRegistry r = SessionRegistry.open(dir);
    r.register("a");
    r.register("b");
    r.archive("b");
    String index = Files.readString(dir.resolve("index.json"));
    String a = Files.readString(dir.resolve("active/a.json"));

    assertThatThrownBy(() -> r.register("a")).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> r.register("b")).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> r.heartbeat("b")).isInstanceOf(NoSuchElementException.class);
    assertThatThrownBy(() -> r.heartbeat("nobody")).isInstanceOf(NoSuchElementException.class);
    assertThatThrownBy(() -> r.archive("b")).isInstanceOf(NoSuchElementException.class);
    for (String bad : List.of("", ".hidden", "../x", "a/b", "x".repeat(129), "a b")) {
      assertThatThrownBy(() -> r.register(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
    }

    assertThat(Files.readString(dir.resolve("index.json"))).isEqualTo(index);
    assertThat(Files.readString(dir.resolve("active/a.json"))).isEqualTo(a);
    assertThat(dir.resolve("active/b.json")).doesNotExist();
    assertThat(dir.resolve("active/nobody.json")).doesNotExist();
    RegistryState.of(dir).assertConsistent(dir);
  }

  /** Opens a registry on {@code dir} through a file system that fails the rename onto the index. */
  private static FaultyFileSystem failingIndexRename(Path dir) throws IOException {
    return FaultyFileSystem.wrap(dir, Fault.failRename("/index.json"));
  }

  @Test
  void anArchiveThatFailedHalfwayIsFinishedByTheNextCall() throws IOException {
    SessionRegistry.open(dir).register("a");
    String activeCopy = Files.readString(dir.resolve("active/a.json"));
    try (FaultyFileSystem fs = failingIndexRename(dir)) {
      // its lock is the one every other process takes: a DirectoryLocker on the real directory
      SessionRegistry r = SessionRegistry.open(fs.root(), new DirectoryLocker(dir));
      CommitIncompleteException e = catchThrowableOfType(CommitIncompleteException.class, () -> r.archive("a"));
      assertThat(e.committed()).as("failed after the commit point: the next call finishes it").isTrue();
      assertThat(fs.injected()).hasSize(1);
    }
    // the archive copy is published, the index and the active copy are not yet: both copies, visibly
    assertThat(dir.resolve("archive/a.json")).exists();
    assertThat(Files.readString(dir.resolve("active/a.json"))).isEqualTo(activeCopy);

    SessionRegistry r = SessionRegistry.open(dir);
    assertThat(r.listArchived()).extracting(Session::id).containsExactly("a");
    assertThat(r.list()).isEmpty();
    RegistryState s = RegistryState.of(dir).assertConsistent(dir);
    assertThat(s.archived()).containsExactly("a");
  }

  @Test
  void aRegisterThatFailedHalfwayIsFinishedByAReadOfAnotherRegistryObject() throws IOException {
    SessionRegistry reader = SessionRegistry.open(dir);
    try (FaultyFileSystem fs = failingIndexRename(dir)) {
      SessionRegistry r = SessionRegistry.open(fs.root(), new DirectoryLocker(dir));
      assertThatThrownBy(() -> r.register("b")).isInstanceOf(CommitIncompleteException.class);
    }
    assertThat(dir.resolve("active/b.json")).as("the session file is published").exists();
    assertThat(RegistryState.of(dir).index().active()).as("the index not yet").isEmpty();

    // list() reads under the shared lock, and finishes the interrupted change first
    assertThat(reader.list()).extracting(Session::id).containsExactly("b");
    RegistryState.of(dir).assertConsistent(dir);
  }

  @Test
  void openWritesTheIndexOfANewRegistryAndNothingElse() throws IOException {
    Path fresh = dir.resolve("new");
    SessionRegistry r = SessionRegistry.open(fresh);
    assertThat(Files.readString(fresh.resolve("index.json"))).isEqualTo("{\n  \"active\": [],\n  \"archived\": []\n}\n");
    assertThat(RegistryState.names(fresh)).containsExactly(".lock", ".txn", "index.json");
    assertThat(r.list()).isEmpty();
    assertThat(r.index()).isEqualTo(new SessionRegistry.Index(null, null));
  }

  @Test
  void aDamagedIndexIsReportedNotGuessed() throws IOException {
    SessionRegistry r = SessionRegistry.open(dir);
    r.register("a");
    Path index = dir.resolve("index.json");
    Files.writeString(index, "{\"active\": [\"a\"");
    assertThatThrownBy(r::list).isInstanceOf(InvalidJsonException.class);
    assertThatThrownBy(() -> r.register("b")).isInstanceOf(InvalidJsonException.class);
    assertThat(dir.resolve("active/b.json")).as("nothing of the refused change").doesNotExist();
    SessionRegistry.open(dir); // opening does not guess either
    assertThat(Files.readString(index)).isEqualTo("{\"active\": [\"a\"");
    Files.delete(index);
    assertThatThrownBy(r::list).isInstanceOf(NoSuchFileException.class);
  }

  @Test
  void openOfAConsistentRegistryWritesNothing() throws IOException {
    SessionRegistry r = SessionRegistry.open(dir);
    r.register("a");
    Object before = Files.readAttributes(dir.resolve("index.json"), BasicFileAttributes.class).fileKey();
    SessionRegistry.open(dir);
    // an atomic replace would give the index a new inode
    assertThat(Files.readAttributes(dir.resolve("index.json"), BasicFileAttributes.class).fileKey()).isEqualTo(before);
  }

  @Test
  void everyCallGoesThroughTheGivenLocker() throws IOException {
    Path locks = dir.resolve("locks");
    CountingLocker locker = new CountingLocker(new DirectoryLocker(locks));
    Path registry = dir.resolve("registry");
    SessionRegistry r = SessionRegistry.open(registry, locker);
    r.register("a");
    r.heartbeat("a");
    r.archive("a");
    assertThat(r.listArchived()).extracting(Session::id).containsExactly("a");
    r.list();
    r.index();
    assertThat(locker.exclusive).as("open, register, heartbeat, archive").isEqualTo(4);
    assertThat(locker.shared).as("the three reads").isEqualTo(3);
    assertThat(locks.resolve(".lock")).exists();
    assertThat(registry.resolve(".lock")).as("no lock of its own in the registry").doesNotExist();
    RegistryState.of(registry).assertConsistent(registry);
  }

  /**
   * A lock lost while held (a ZooKeeper session that expired): each change is one transaction, whose
   * commit checks the hold right before publishing, so the registry refuses and nothing changes.
   */
  @Test
  void aLockLostBeforeAChangeIsPublishedChangesNothing() throws IOException {
    LosingLocker locker = new LosingLocker(new DirectoryLocker(dir.resolve("locks")));
    Path registry = dir.resolve("registry");
    SessionRegistry r = SessionRegistry.open(registry, locker);
    r.register("a");
    RegistryState before = RegistryState.of(registry);
    String index = Files.readString(registry.resolve("index.json"));
    locker.lost = true;
    assertThatThrownBy(() -> r.register("b")).isInstanceOf(LockLostException.class);
    assertThatThrownBy(() -> r.archive("a")).isInstanceOf(LockLostException.class);
    assertThat(Files.readString(registry.resolve("index.json"))).isEqualTo(index);
    assertThat(registry.resolve("active/b.json")).doesNotExist();
    assertThat(registry.resolve("archive/a.json")).doesNotExist();
    assertThat(RegistryState.of(registry)).isEqualTo(before);
    locker.lost = false;
    assertThat(r.list()).extracting(Session::id).containsExactly("a");
  }

  /** A locker whose exclusive holds can be declared lost, as a ZooKeeper lock's can. */
  private static final class LosingLocker implements Locker {
    private final Locker inner;
    volatile boolean lost;

    LosingLocker(Locker inner) {
      this.inner = inner;
    }

    @Override
    public HeldLock lockExclusive(Duration timeout) throws IOException {
      HeldLock hold = inner.lockExclusive(timeout);
      return new HeldLock() {
        @Override public LockMode mode() { return hold.mode(); }
        @Override public boolean isHeld() { return hold.isHeld() && !lost; }
        @Override public long fencingToken() { return hold.fencingToken(); }
        @Override public void close() { hold.close(); }
      };
    }

    @Override
    public HeldLock lockShared(Duration timeout) throws IOException {
      return inner.lockShared(timeout);
    }

    @Override
    public Optional<LockOwner> owner() throws IOException {
      return inner.owner();
    }
  }

  /** A locker that counts the holds it hands out. */
  private static final class CountingLocker implements Locker {
    private final Locker inner;
    int exclusive;
    int shared;

    CountingLocker(Locker inner) {
      this.inner = inner;
    }

    @Override
    public HeldLock lockExclusive(Duration timeout) throws IOException {
      exclusive++;
      return inner.lockExclusive(timeout);
    }

    @Override
    public HeldLock lockShared(Duration timeout) throws IOException {
      shared++;
      return inner.lockShared(timeout);
    }

    @Override
    public Optional<LockOwner> owner() throws IOException {
      return inner.owner();
    }
  }

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void fourThreadsRegisteringAtOnceAllEndUpInTheIndex() throws Exception {
    SessionRegistry r = SessionRegistry.open(dir);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int thread = t;
        done.add(pool.submit(() -> {
          for (int i = 0; i < 10; i++) {
            r.register("t" + thread + "-" + i);
            r.heartbeat("t" + thread + "-" + i);
          }
          return null;
        }));
      }
      for (Future<?> f : done) {
        f.get(100, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    RegistryState s = RegistryState.of(dir).assertConsistent(dir);
    assertThat(s.active()).hasSize(40);
    assertThat(r.list()).hasSize(40);
  }

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void fourProcessesRegisteringAtOnceAllEndUpInTheIndex() throws Exception {
    SessionRegistry.open(dir);
    List<ChildJvm> children = new ArrayList<>();
    try {
      for (int i = 0; i < 4; i++) {
        children.add(ChildJvm.start(RegisterChild.class, dir.toString(), "p" + i, "10"));
      }
      ChildJvm.readyGoDone(children, 100);
    } finally {
      children.forEach(ChildJvm::close);
    }
    RegistryState s = RegistryState.of(dir).assertConsistent(dir);
    List<String> expected = IntStream.range(0, 4).boxed()
        .flatMap(p -> IntStream.range(0, 10).mapToObj(i -> "p" + p + "-" + i)).sorted().toList();
    assertThat(s.active()).containsExactlyElementsOf(expected);
    assertThat(SessionRegistry.open(dir).list()).extracting(Session::id).containsExactlyElementsOf(expected);
  }
}
