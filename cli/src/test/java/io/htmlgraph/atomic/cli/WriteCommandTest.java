package io.htmlgraph.atomic.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WriteCommandTest {
  @TempDir Path dir;

  @Test
  void standardInputBecomesTheFile() throws Exception {
    Path f = dir.resolve("f.txt");
    Cli.Result r = Cli.runWithInput("héllo\nwörld\n", "write", f.toString());
    assertThat(r.code()).isZero();
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).isEmpty();
    assertThat(Files.readString(f)).isEqualTo("héllo\nwörld\n");
    assertThat(Cli.list(dir)).containsExactly("f.txt");
  }

  @Test
  void replacesAnExistingFileKeepingItsMode() throws Exception {
    Path f = dir.resolve("f.txt");
    Files.writeString(f, "old content that is longer");
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r-----"));
    Cli.Result r = Cli.runWithInput("new", "write", f.toString());
    assertThat(r.code()).isZero();
    assertThat(Files.readString(f)).isEqualTo("new");
    assertThat(Files.getPosixFilePermissions(f)).isEqualTo(PosixFilePermissions.fromString("rw-r-----"));
  }

  @Test
  void modeSetsThePermissions() throws Exception {
    Path f = dir.resolve("f.txt");
    assertThat(Cli.runWithInput("x", "write", "--mode", "0604", f.toString()).code()).isZero();
    assertThat(Files.getPosixFilePermissions(f)).isEqualTo(PosixFilePermissions.fromString("rw----r--"));
  }

  @Test
  void eachDurabilityWrites() throws Exception {
    for (String d : new String[] {"none", "file", "full", "FULL"}) {
      Path f = dir.resolve(d + ".txt");
      assertThat(Cli.runWithInput(d, "write", "--durability", d, f.toString()).code()).isZero();
      assertThat(Files.readString(f)).isEqualTo(d);
    }
  }

  @Test
  void aBadDurabilityIsBadUsage() throws Exception {
    Cli.Result r = Cli.runWithInput("x", "write", "--durability", "maybe", dir.resolve("f").toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("'maybe' is not a durability level (none, file or full)");
    assertThat(Cli.list(dir)).isEmpty();
  }

  @Test
  void aBadModeIsBadUsage() throws Exception {
    Cli.Result r = Cli.runWithInput("x", "write", "--mode", "0999", dir.resolve("f").toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("not an octal file mode");
    assertThat(Cli.list(dir)).isEmpty();
  }

  @Test
  void noClobberRefusesAnExistingFileAndChangesNothing() throws Exception {
    Path f = dir.resolve("f.txt");
    Files.writeString(f, "keep me");
    Cli.Result r = Cli.runWithInput("new", "write", "--no-clobber", f.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).startsWith("atomic: " + f + ": ").contains("exists").doesNotContain("\tat ");
    assertThat(Files.readString(f)).isEqualTo("keep me");
    assertThat(Cli.list(dir)).containsExactly("f.txt");
  }

  @Test
  void noClobberCreatesAMissingFile() throws Exception {
    Path f = dir.resolve("f.txt");
    assertThat(Cli.runWithInput("new", "write", "--no-clobber", f.toString()).code()).isZero();
    assertThat(Files.readString(f)).isEqualTo("new");
  }

  @Test
  void aDirectoryAsTargetIsAnErrorAndChangesNothing() throws Exception {
    Path d = Files.createDirectory(dir.resolve("d"));
    Files.writeString(d.resolve("inside"), "x");
    Cli.Result r = Cli.runWithInput("data", "write", d.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).isEqualTo("atomic: " + d + ": is a directory" + System.lineSeparator());
    assertThat(Cli.list(d)).containsExactly("inside");
    assertThat(Cli.list(dir)).containsExactly("d");
  }

  @Test
  void tempDirHoldsTheTempAndLeavesNothing() throws Exception {
    Path f = dir.resolve("f.txt");
    Path t = dir.resolve("tmpdir");
    assertThat(Cli.runWithInput("via temp dir", "write", "--temp-dir", t.toString(), f.toString()).code()).isZero();
    assertThat(Files.readString(f)).isEqualTo("via temp dir");
    assertThat(Cli.list(t)).isEmpty();
  }

  @Test
  void aFailedReadOfStandardInputLeavesTheFileAsItWas() throws Exception {
    Path f = dir.resolve("f.txt");
    Files.writeString(f, "before");
    InputStream failing = new SequenceInputStream(
        new ByteArrayInputStream(new byte[100_000]),
        new InputStream() {
          @Override
          public int read() throws IOException {
            throw new IOException("Broken pipe");
          }
        });
    Cli.Result r = Cli.run(failing, "write", f.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).isEqualTo("atomic: " + f + ": not written: Broken pipe" + System.lineSeparator());
    assertThat(Files.readString(f)).isEqualTo("before");
    assertThat(Cli.list(dir)).containsExactly("f.txt");
  }

  @Test
  void streamsALargeInput() throws Exception {
    // 64 MiB produced on the fly: the command must stream it, not hold it
    long size = 64L << 20;
    InputStream big = new InputStream() {
      long left = size;

      @Override
      public int read() {
        return left-- > 0 ? (int) (left & 0x7f) : -1;
      }

      @Override
      public int read(byte[] b, int off, int len) {
        if (left <= 0) {
          return -1;
        }
        int n = (int) Math.min(len, left);
        for (int i = 0; i < n; i++) {
          b[off + i] = (byte) (--left & 0x7f);
        }
        return n;
      }
    };
    Path f = dir.resolve("big.bin");
    Cli.Result r = Cli.run(big, "write", "--durability", "none", f.toString());
    assertThat(r.code()).isZero();
    assertThat(Files.size(f)).isEqualTo(size);
    byte[] tail = new byte[4];
    try (var ch = java.nio.channels.FileChannel.open(f)) {
      ch.read(java.nio.ByteBuffer.wrap(tail), size - 4);
    }
    assertThat(tail).containsExactly(3, 2, 1, 0);
  }

  @Test
  void emptyInputMakesAnEmptyFile() throws Exception {
    Path f = dir.resolve("f.txt");
    Files.writeString(f, "old");
    assertThat(Cli.runWithInput("", "write", f.toString()).code()).isZero();
    assertThat(Files.size(f)).isZero();
  }

  @Test
  void helpNamesEveryOption() {
    Cli.Result r = Cli.run("write", "--help");
    assertThat(r.out()).contains("--durability", "none", "file", "full", "--mode", "--no-clobber", "--temp-dir", "sponge(1)");
  }

}
