package io.htmlgraph.atomic.examples;

import io.htmlgraph.atomic.testsupport.ChildJvm;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.htmlgraph.atomic.json.AtomicJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
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

  @Test
  void openRepairsASessionLeftBothActiveAndArchived() throws IOException {
    SessionRegistry r = SessionRegistry.open(dir);
    r.register("a");
    String active = Files.readString(dir.resolve("active/a.json"));
    r.archive("a");
    Files.writeString(dir.resolve("active/a.json"), active); // as if the delete was lost

    SessionRegistry.open(dir);
    RegistryState s = RegistryState.of(dir).assertConsistent(dir);
    assertThat(s.active()).isEmpty();
    assertThat(s.archived()).containsExactly("a");
  }

  @Test
  void openRebuildsAMissingStaleOrInvalidIndex() throws IOException {
    SessionRegistry r = SessionRegistry.open(dir);
    r.register("a");
    r.register("b");
    r.archive("b");
    Path index = dir.resolve("index.json");
    String good = Files.readString(index);
    for (String broken : List.of("", "{\"active\": [\"a\"", "{\"active\": [], \"archived\": [\"zzz\"]}")) {
      Files.writeString(index, broken);
      SessionRegistry.open(dir);
      assertThat(Files.readString(index)).as("after %s", broken).isEqualTo(good);
    }
    Files.delete(index);
    SessionRegistry.open(dir);
    assertThat(Files.readString(index)).isEqualTo(good);
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
  void openRemovesTempFilesOfCrashedWriters() throws IOException {
    SessionRegistry.open(dir).register("a");
    Files.writeString(dir.resolve("active/.tmp-123-abc.tmp"), "{\"id\": \"b\"");
    Files.writeString(dir.resolve(".tmp-456-def.tmp"), "{");
    SessionRegistry.open(dir);
    RegistryState.of(dir).assertConsistent(dir);
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
