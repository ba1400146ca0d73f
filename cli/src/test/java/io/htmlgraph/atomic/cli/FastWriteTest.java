package io.htmlgraph.atomic.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fast path of {@code atomic write} (no picocli) must do exactly what picocli does with the same
 * arguments, or hand them over untouched.
 */
class FastWriteTest {
  @TempDir Path dir;

  /** Runs {@code args} by the fast path in {@code a/} and by picocli in {@code b/}; both must agree. */
  private Cli.Result[] both(String stdin, String... template) throws Exception {
    Path a = Files.createDirectories(dir.resolve("a"));
    Path b = Files.createDirectories(dir.resolve("b"));
    StringWriter err = new StringWriter();
    int code = FastWrite.run(args(template, a), new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
        new PrintWriter(err, true));
    Cli.Result fast = new Cli.Result(code, "", err.toString().replace(a.toString(), "D"));
    Cli.Result slow = Cli.runWithInput(stdin, args(template, b));
    slow = new Cli.Result(slow.code(), slow.out(), slow.err().replace(b.toString(), "D"));
    return new Cli.Result[] {fast, slow};
  }

  private static String[] args(String[] template, Path d) {
    List<String> out = new ArrayList<>();
    for (String t : template) {
      out.add(t.replace("D", d.toString()));
    }
    return out.toArray(new String[0]);
  }

  private void assertSameOnDisk() throws Exception {
    List<String> a = Cli.list(dir.resolve("a"));
    assertThat(a).isEqualTo(Cli.list(dir.resolve("b")));
    for (String name : a) {
      Path fa = dir.resolve("a").resolve(name);
      Path fb = dir.resolve("b").resolve(name);
      if (Files.isRegularFile(fa)) {
        assertThat(Files.readString(fa)).as(name).isEqualTo(Files.readString(fb));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(fa))).as(name)
            .isEqualTo(PosixFilePermissions.toString(Files.getPosixFilePermissions(fb)));
      }
    }
  }

  @Test
  void plainWritesGoTheFastWayAndMatchPicocli() throws Exception {
    String[][] cases = {
      {"write", "D/f.txt"},
      {"write", "--durability", "none", "D/f.txt"},
      {"write", "--durability=FILE", "--mode", "0600", "D/f.txt"},
      {"write", "D/g.txt", "--mode=640", "--no-clobber"},
      {"write", "--temp-dir", "D/t", "--verbose", "D/f.txt"},
      {"write", "--json", "D/j.json"},
    };
    for (String[] c : cases) {
      String input = c[c.length - 1].endsWith(".json") ? "{\"a\": [1, 2.5]}" : "data\n";
      Cli.Result[] r = both(input, c);
      assertThat(r[0].code()).as(String.join(" ", c)).isZero();
      assertThat(r[0]).as(String.join(" ", c)).isEqualTo(r[1]);
      assertSameOnDisk();
    }
    assertThat(Files.readString(dir.resolve("a/j.json"))).isEqualTo(Files.readString(dir.resolve("b/j.json")));
  }

  @Test
  void errorsOfTheCommandAreTheSameLine() throws Exception {
    Files.createDirectories(dir.resolve("a/d"));
    Files.createDirectories(dir.resolve("b/d"));
    Files.writeString(Files.createDirectories(dir.resolve("a")).resolve("keep"), "old");
    Files.writeString(Files.createDirectories(dir.resolve("b")).resolve("keep"), "old");
    String[][] cases = {
      {"write", "D/d"},
      {"write", "--no-clobber", "D/keep"},
      {"write", "--json", "D/keep"},
      {"write", "D/keep/f.txt"},
    };
    for (String[] c : cases) {
      Cli.Result[] r = both("not json", c);
      assertThat(r[0].code()).as(String.join(" ", c)).isEqualTo(1);
      assertThat(r[0]).as(String.join(" ", c)).isEqualTo(r[1]);
      assertThat(r[0].err()).startsWith("atomic: D/");
      assertSameOnDisk();
    }
    assertThat(Files.readString(dir.resolve("a/keep"))).isEqualTo("old");
  }

  @Test
  void verboseAddsTheStackTraceOnTheFastPathToo() throws Exception {
    Files.createDirectories(dir.resolve("a/d"));
    Files.createDirectories(dir.resolve("b/d"));
    Cli.Result[] r = both("x", "write", "--verbose", "D/d");
    assertThat(r[0].code()).isEqualTo(1);
    assertThat(r[0].err()).startsWith("atomic: D/d: is a directory").contains("\tat ");
    assertThat(r[1].err()).startsWith("atomic: D/d: is a directory").contains("\tat ");
  }

  @Test
  void anythingElseIsLeftToPicocliWithNothingDone() throws Exception {
    String[][] cases = {
      {"write"},
      {"read", "D/f.txt"},
      {"--verbose", "write", "D/f.txt"},
      {"write", "--help"},
      {"write", "-h"},
      {"write", "--version"},
      {"write", "--bogus", "D/f.txt"},
      {"write", "D/f.txt", "D/g.txt"},
      {"write", "--mode", "0999", "D/f.txt"},
      {"write", "--durability", "maybe", "D/f.txt"},
      {"write", "--durability", "none", "--durability", "full", "D/f.txt"},
      {"write", "--json", "--json", "D/f.txt"},
      {"write", "--json=true", "D/f.txt"},
      {"write", "--temp-dir", "D/f.txt"},
      {"write", "--mode", "-1", "D/f.txt"},
      {"write", "--", "D/f.txt"},
      {"write", "@D/args"},
      {"write", ""},
      {"write", "-"},
    };
    Path a = Files.createDirectories(dir.resolve("a"));
    for (String[] c : cases) {
      StringWriter err = new StringWriter();
      ByteArrayInputStream in = new ByteArrayInputStream("data".getBytes(StandardCharsets.UTF_8));
      int code = FastWrite.run(args(c, a), in, new PrintWriter(err, true));
      assertThat(code).as(String.join(" ", c)).isEqualTo(FastWrite.NOT_HANDLED);
      assertThat(err.toString()).as(String.join(" ", c)).isEmpty();
      assertThat(in.available()).as("stdin untouched: " + String.join(" ", c)).isEqualTo(4);
      assertThat(Cli.list(a)).as(String.join(" ", c)).isEmpty();
    }
  }
}
