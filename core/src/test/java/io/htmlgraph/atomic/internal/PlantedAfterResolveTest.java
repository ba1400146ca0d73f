package io.htmlgraph.atomic.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.htmlgraph.atomic.UnsafeLinkException;
import io.htmlgraph.atomic.testsupport.OtherUser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Names another user plants in a sticky world-writable directory after the library resolved a path
 * (with the link rule) and before it used it: the steps that come after the resolution are called
 * here with the link already in place, as it would be had the other user won the race.
 */
class PlantedAfterResolveTest {
  @TempDir Path tmp;
  private Path shared; // 1777, owned by root
  private Path victim; // root's

  @BeforeEach
  void setUp() throws IOException {
    OtherUser.assume();
    shared = OtherUser.sharedDirectory(tmp, "shared");
    victim = Files.createDirectory(tmp.resolve("victim"));
  }

  @Test
  void aLinkAtANameThatWasMissingDoesNotTakeTheNewDirectoriesElsewhere() throws IOException {
    // a write of shared/a/b/c.txt found shared/a missing; the other user then planted a -> victim
    OtherUser.link(shared.resolve("a"), victim);
    assertThatThrownBy(() -> Directories.createMissing(shared.resolve("a/b"))).isInstanceOf(UnsafeLinkException.class)
        .hasMessageContaining(shared.resolve("a").toString());
    assertThat(names(victim)).isEmpty();
    // the caller's own link is followed, as the resolution follows it
    Files.createSymbolicLink(shared.resolve("mine"), victim);
    assertThat(Directories.createMissing(shared.resolve("mine/b"))).containsExactly(shared.resolve("mine/b"));
    assertThat(victim.resolve("b")).isDirectory();
  }

  private static List<String> names(Path dir) throws IOException {
    try (var s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
