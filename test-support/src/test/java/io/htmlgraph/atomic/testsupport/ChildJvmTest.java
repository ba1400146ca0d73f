package io.htmlgraph.atomic.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The child JVMs every module's tests start: what the child gets, and what the test reads back. */
class ChildJvmTest {
  @TempDir Path dir;

  @Test
  void aStartedChildTalksLineByLineAndEndsWhenItsInputEnds() throws Exception {
    try (ChildJvm child = ChildJvm.start(EchoChild.class, "a", "b c")) {
      assertThat(child.readLine()).isEqualTo("a b c");
      child.send("hello");
      assertThat(child.nextLine(60_000)).isEqualTo("HELLO");
      assertThat(child.pollLine()).isNull();
      assertThat(child.endInputAndWait(60_000)).isZero();
      assertThat(child.drain()).isEmpty();
      assertThat(child.readLine()).as("the end, again").isNull();
    }
  }

  @Test
  void readyGoDoneRefusesAChildThatSaysSomethingElse() throws Exception {
    try (ChildJvm child = ChildJvm.start(EchoChild.class, "not ready")) {
      assertThatThrownBy(() -> ChildJvm.readyGoDone(List.of(child), 60))
          .isInstanceOf(AssertionError.class).hasMessageContaining("said not ready, not ready");
    }
  }

  @Test
  void nextLineGivesUpWhenTheChildSaysNothing() throws Exception {
    try (ChildJvm child = ChildJvm.start(EchoChild.class, "first")) {
      assertThat(child.nextLine(60_000)).isEqualTo("first");
      assertThatThrownBy(() -> child.nextLine(200)).isInstanceOf(IOException.class).hasMessageContaining("said nothing");
      child.kill();
      assertThat(child.isAlive()).isFalse();
    }
  }

  @Test
  void runGivesTheExitStatusTheOutputAndTheErrorApart() throws Exception {
    Commands.Result r = ChildJvm.launch(EchoChild.class, "x").input("one\nexit 3\n".getBytes(StandardCharsets.UTF_8))
        .run(Duration.ofSeconds(60));
    assertThat(r.exit()).isEqualTo(3);
    assertThat(r.out()).isEqualTo("x\nONE\n");
    assertThat(r.err()).isEmpty();
  }

  @Test
  void aShellAroundTheChildAndACommandBeforeItBothRunIt() throws Exception {
    Path mark = dir.resolve("mark");
    Commands.Result r = ChildJvm.launch(EchoChild.class, "in the shell").under("env", "ECHO_CHILD=1")
        .inShell("echo $ECHO_CHILD > '" + mark + "' && exec \"$@\"").directory(dir).mergeErrors()
        .run(Duration.ofSeconds(60));
    assertThat(r.exit()).as(r.toString()).isZero();
    assertThat(r.out()).isEqualTo("in the shell\n");
    assertThat(Files.readString(mark)).isEqualTo("1\n");
    assertThat(ChildJvm.launch(EchoChild.class).under("strace").inShell("exec \"$@\"").command())
        .startsWith("strace", "bash", "-c", "exec \"$@\"", "bash")
        .endsWith(EchoChild.class.getName());
  }
}
