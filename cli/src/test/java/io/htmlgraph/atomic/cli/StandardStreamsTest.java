package io.htmlgraph.atomic.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Closed standard descriptors: a JVM started with descriptor 0 or 1 closed puts a file of its own
 * there (its module image), and {@code atomic write keep.txt <&-} once replaced keep.txt with the
 * JDK's 128 MB module image, exit 0. Each command runs in a child JVM whose descriptors bash closed.
 */
class StandardStreamsTest {
  @TempDir Path dir;

  @Test
  void writeRefusesAClosedStandardInputAndChangesNothing() throws Exception {
    Files.writeString(dir.resolve("keep.txt"), "keep");
    for (String[] args : new String[][] {{"write", "keep.txt"}, {"--verbose", "write", "keep.txt"}, {"write", "--json", "keep.txt"}}) {
      ChildCli.Result r = ChildCli.shell(dir, "<&-", args);
      assertThat(r.code()).as(String.join(" ", args)).isEqualTo(1);
      assertThat(r.err()).as(String.join(" ", args))
          .startsWith("atomic: keep.txt: not written: standard input is closed (for an empty file, give </dev/null)\n");
      assertThat(Files.readString(dir.resolve("keep.txt"))).isEqualTo("keep");
      assertThat(Cli.list(dir)).containsExactly("keep.txt");
    }
  }

  @Test
  void writeStillTakesAFileOrDevNullAsStandardInput() throws Exception {
    Files.writeString(dir.resolve("input.txt"), "from a file\n");
    assertThat(ChildCli.shell(dir, "<input.txt", "write", "copy.txt").code()).isZero();
    assertThat(Files.readString(dir.resolve("copy.txt"))).isEqualTo("from a file\n");
    Files.writeString(dir.resolve("empty.txt"), "not yet empty");
    assertThat(ChildCli.shell(dir, "</dev/null", "write", "empty.txt").code()).isZero();
    assertThat(Files.readString(dir.resolve("empty.txt"))).isEmpty();
  }

  @Test
  void commandsThatPrintRefuseAClosedStandardOutput() throws Exception {
    Files.writeString(dir.resolve("f.txt"), "text");
    for (String[] args : new String[][] {{"read", "f.txt"}, {"validate", "f.txt"}, {"tempname", "."},
        {"sweep", "--dry-run", "."}, {"lock", "--status", "."}, {"--version"}}) {
      ChildCli.Result r = ChildCli.shell(dir, ">&-", args);
      assertThat(r.code()).as(String.join(" ", args)).isEqualTo(1);
      assertThat(r.err()).as(String.join(" ", args)).isEqualTo("atomic: " + Main.STDOUT_CLOSED + "\n");
    }
    assertThat(Cli.list(dir)).containsExactly("f.txt");
  }

  @Test
  void lockGivesItsCommandDevNullForAClosedStandardStream() throws Exception {
    ChildCli.Result r = ChildCli.shell(dir, "<&-", "lock", "locks", "--", "sh", "-c", "wc -c > count.txt");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(Files.readString(dir.resolve("count.txt")).strip()).isEqualTo("0");
    r = ChildCli.shell(dir, ">&-", "lock", "locks", "--", "sh", "-c", "fd1=$(readlink /proc/$$/fd/1); echo \"$fd1\" > where.txt");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(Files.readString(dir.resolve("where.txt"))).isEqualTo("/dev/null\n");
  }
}
