package io.htmlgraph.atomic.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.htmlgraph.atomic.json.AtomicJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.stream.Stream;

/** What a registry directory holds, read straight from the files (no lock, no recovery), and its consistency check. */
record RegistryState(SortedSet<String> active, SortedSet<String> archived, SessionRegistry.Index index) {
  static RegistryState of(Path dir) throws IOException {
    return new RegistryState(ids(dir.resolve("active")), ids(dir.resolve("archive")),
        AtomicJson.read(dir.resolve("index.json"), SessionRegistry.Index.class));
  }

  /**
   * Asserts that no session is both active and archived, that the index names exactly the files,
   * that each file holds its session (archived or not as its folder says), and that nothing of a
   * change is left: no temp, no link of a transaction beside a file, nothing staged.
   */
  RegistryState assertConsistent(Path dir) throws IOException {
    assertThat(active).as("active and archived at once").filteredOn(archived::contains).isEmpty();
    assertThat(index.active()).as("index, active").isEqualTo(active);
    assertThat(index.archived()).as("index, archived").isEqualTo(archived);
    for (String id : active) {
      Session s = AtomicJson.read(dir.resolve("active/" + id + ".json"), Session.class);
      assertThat(s.id()).isEqualTo(id);
      assertThat(s.archived()).isNull();
    }
    for (String id : archived) {
      Session s = AtomicJson.read(dir.resolve("archive/" + id + ".json"), Session.class);
      assertThat(s.id()).isEqualTo(id);
      assertThat(s.archived()).isNotNull();
    }
    for (String d : new String[] {".", "active", "archive"}) {
      assertThat(names(dir.resolve(d))).as("temps and transaction links in %s", d)
          .noneMatch(n -> n.startsWith(".tmp-") || n.startsWith(".txn-"));
    }
    assertThat(names(dir.resolve(".txn"))).as("staged files and intent record").isEmpty();
    return this;
  }

  /** @return the names in {@code d}, none if it does not exist */
  static List<String> names(Path d) throws IOException {
    if (!Files.isDirectory(d)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(d)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  private static SortedSet<String> ids(Path d) throws IOException {
    return names(d).stream().filter(n -> n.endsWith(".json"))
        .map(n -> n.substring(0, n.length() - 5)).collect(TreeSet::new, TreeSet::add, TreeSet::addAll);
  }
}
