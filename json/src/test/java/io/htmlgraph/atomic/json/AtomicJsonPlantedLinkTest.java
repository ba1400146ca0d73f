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
}
