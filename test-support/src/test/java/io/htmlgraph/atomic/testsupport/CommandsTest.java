package io.htmlgraph.atomic.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Commands run to their end, and trees deleted without following links. */
class CommandsTest {
  @TempDir Path dir;

  @Test
  void aCommandGetsItsInputAndItsOutputAndErrorComeBackApart() throws Exception {
    Commands.Result r = Commands.run(new ProcessBuilder("sh", "-c", "cat; echo oops >&2; exit 4"),
        "in\n".getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(60));
    assertThat(r.exit()).isEqualTo(4);
    assertThat(r.out()).isEqualTo("in\n");
    assertThat(r.err()).isEqualTo("oops\n");
  }

  @Test
  void checkNamesTheCommandAndWhatItSaidWhenItFails() {
    assertThatThrownBy(() -> Commands.check("sh", "-c", "echo no such thing; exit 2"))
        .isInstanceOf(IOException.class).hasMessage("exit 2: sh -c echo no such thing; exit 2: no such thing");
  }

  @Test
  void aCommandThatDoesNotEndInTimeIsKilled() throws Exception {
    Path pid = dir.resolve("pid");
    assertThatThrownBy(() -> Commands.run(new ProcessBuilder("sh", "-c", "echo $$ > '" + pid + "'; exec sleep 600"),
        new byte[0], Duration.ofMillis(500)))
        .isInstanceOf(IOException.class).hasMessageStartingWith("did not end within");
    long p = Long.parseLong(Files.readString(pid).strip());
    assertThat(ProcessHandle.of(p).map(ProcessHandle::isAlive).orElse(false)).as("the command is killed").isFalse();
  }

  @Test
  void deletingATreeDeletesALinkInItButNotWhatItLeadsTo() throws Exception {
    Path outside = Files.writeString(dir.resolve("outside.txt"), "kept");
    Path tree = Files.createDirectories(dir.resolve("tree/a/b"));
    Files.writeString(tree.resolve("f"), "x");
    Files.createSymbolicLink(tree.resolve("link"), outside);
    Files.createSymbolicLink(dir.resolve("tree/dirlink"), dir);
    TempTrees.delete(dir.resolve("tree"));
    assertThat(Files.exists(dir.resolve("tree"), LinkOption.NOFOLLOW_LINKS)).isFalse();
    assertThat(outside).hasContent("kept");
    TempTrees.delete(dir.resolve("tree")); // nothing there: nothing to do
  }
}
