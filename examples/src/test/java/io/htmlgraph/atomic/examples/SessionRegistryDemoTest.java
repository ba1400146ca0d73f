package io.htmlgraph.atomic.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SessionRegistryDemoTest {
  @Test
  void theDemoRunsTwiceOnOneDirectoryAndKeepsBothRunsSessions(@TempDir Path dir) throws Exception {
    String first = run(dir);
    String second = run(dir); // same pid, so the same ids: refused, the directory unchanged
    assertThat(first).contains("registry " + dir);
    long pid = ProcessHandle.current().pid();
    assertThat(first).contains("active:   [demo-" + pid + "-a]", "archived: [demo-" + pid + "-b]");
    assertThat(second).startsWith("refused:");
    RegistryState s = RegistryState.of(dir).assertConsistent(dir);
    assertThat(s.active()).containsExactly("demo-" + pid + "-a");
    assertThat(s.archived()).containsExactly("demo-" + pid + "-b");
    System.out.print(first);
  }

  private static String run(Path dir) throws Exception {
    PrintStream old = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    try {
      SessionRegistryDemo.main(new String[] {dir.toString()});
    } catch (IllegalStateException e) {
      System.out.println("refused: " + e.getMessage());
    } finally {
      System.setOut(old);
    }
    return out.toString(StandardCharsets.UTF_8);
  }
}
