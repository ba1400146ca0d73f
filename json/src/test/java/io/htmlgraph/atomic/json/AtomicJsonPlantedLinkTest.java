package io.htmlgraph.atomic.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.htmlgraph.atomic.UnsafeLinkException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reads, validations and updates refuse a link another user planted in a sticky directory. */
class AtomicJsonPlantedLinkTest {
  @TempDir Path dir;

  @Test
  void readValidateAndUpdateRefuseAnotherUsersLink() throws Exception {
    assumeTrue("root".equals(System.getProperty("user.name")),
        "planting a link owned by another user needs root (lchown); skipped as " + System.getProperty("user.name"));
    Path shared = Files.createDirectory(dir.resolve("shared"));
    Files.setAttribute(shared, "unix:mode", 01777);
    Path victim = Files.writeString(dir.resolve("victim.json"), "{\"secret\": 1}\n");
    Path link = shared.resolve("state.json");
    Files.createSymbolicLink(link, victim);
    Files.setAttribute(link, "unix:uid", 65534, LinkOption.NOFOLLOW_LINKS);

    assertThatThrownBy(() -> AtomicJson.read(link, Map.class)).isInstanceOf(UnsafeLinkException.class);
    assertThat(AtomicJson.validate(link)).isFalse();
    assertThatThrownBy(() -> AtomicJson.update(link, Map.class, m -> Map.of("secret", 2)))
        .isInstanceOf(UnsafeLinkException.class);
    assertThat(victim).hasContent("{\"secret\": 1}\n");
  }

  /** {@code update}'s default lock directory is the file's parent: a {@code .lock.owner} planted there. */
  @Test
  void updateNeverWritesItsOwnerRecordThroughALinkPlantedAtItsName() throws Exception {
    assumeTrue("root".equals(System.getProperty("user.name")),
        "planting a link owned by another user needs root (lchown); skipped as " + System.getProperty("user.name"));
    Path shared = Files.createDirectory(dir.resolve("shared"));
    Files.setAttribute(shared, "unix:mode", 01777);
    Path victim = Files.writeString(dir.resolve("victim"), "root only\n");
    Files.setAttribute(victim, "unix:mode", 0600);
    Path record = shared.resolve(".lock.owner");
    Files.createSymbolicLink(record, victim);
    Files.setAttribute(record, "unix:uid", 65534, LinkOption.NOFOLLOW_LINKS);
    Path state = Files.writeString(shared.resolve("state.json"), "{\"n\": 1}\n");

    AtomicJson.update(state, Map.class, m -> {
      try {
        Thread.sleep(300); // a hold of 10 ms or more writes its owner record
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return Map.of("n", 2);
    });
    assertThat(state).hasContent("{\n  \"n\": 2\n}\n");
    assertThat(victim).hasContent("root only\n");
    assertThat((Integer) Files.getAttribute(victim, "unix:mode") & 07777).isEqualTo(0600);
    try (var names = Files.list(dir)) {
      assertThat(names.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("shared", "victim");
    }
  }
}
