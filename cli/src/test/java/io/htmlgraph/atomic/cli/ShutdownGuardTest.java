package io.htmlgraph.atomic.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.htmlgraph.atomic.WriteOptions;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hook of {@link ShutdownGuard}, called as the JVM would call it: before the commit it discards
 * the temp and the writer never commits; after the commit it changes nothing.
 */
class ShutdownGuardTest {
  @TempDir Path dir;

  @Test
  void aHookBeforeTheCommitDiscardsAndTheWriterNeverCommits() throws Exception {
    Path f = Files.writeString(dir.resolve("f"), "old");
    StringWriter err = new StringWriter();
    ShutdownGuard guard = ShutdownGuard.install(f, new PrintWriter(err, true));
    try {
      guard.open(WriteOptions.defaults());
      guard.write("new".getBytes(StandardCharsets.UTF_8), 3);
      assertThat(Cli.list(dir)).hasSize(2);
      guard.onShutdown();
      assertThat(Cli.list(dir)).containsExactly("f");
      assertThat(err.toString()).isEqualTo("atomic: " + f + ": not written: stopped by a signal" + System.lineSeparator());
      // the writer thread comes to its commit after the hook: it waits for the halt instead
      Thread writer = new Thread(() -> {
        try {
          guard.commit();
        } catch (Exception e) {
          throw new AssertionError(e);
        }
      });
      writer.setDaemon(true);
      writer.start();
      while (writer.getState() != Thread.State.WAITING) {
        assertThat(writer.isAlive()).as("the writer waits, it does not return").isTrue();
        Thread.sleep(10);
      }
      assertThat(Files.readString(f)).isEqualTo("old");
      assertThat(Cli.list(dir)).containsExactly("f");
    } finally {
      guard.uninstall();
    }
  }

  @Test
  void aHookAfterTheCommitKeepsTheNewFile() throws Exception {
    Path f = Files.writeString(dir.resolve("f"), "old");
    StringWriter err = new StringWriter();
    ShutdownGuard guard = ShutdownGuard.install(f, new PrintWriter(err, true));
    try {
      guard.open(WriteOptions.defaults());
      guard.write("new".getBytes(StandardCharsets.UTF_8), 3);
      guard.commit();
      guard.onShutdown();
      guard.discard();
    } finally {
      guard.uninstall();
    }
    assertThat(Files.readString(f)).isEqualTo("new");
    assertThat(Cli.list(dir)).containsExactly("f");
    assertThat(err.toString()).isEmpty();
  }
}
