package io.htmlgraph.atomic.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.htmlgraph.atomic.testsupport.Commands;
import io.htmlgraph.atomic.testsupport.OtherUser;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NotLinkException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every error is one line a user can act on: no Java class name, no "null", no raw
 * {@code OutOfMemoryError}, no library internals (each case below once printed one).
 */
class MessagesTest {
  @TempDir Path dir;

  /** Java's names for things, which must never reach the user. */
  private static void assertNoJavaInternals(String err) {
    assertThat(err).doesNotContain("java.", "Exception", "Error:", "null", "\tat ", "Instant", "overflow");
  }

  @Test
  void aDurationTooLongIsBadUsage() throws Exception {
    Files.writeString(dir.resolve(".tmp-1-aaaaaaaa.tmp"), "x");
    for (String[] args : new String[][] {
        {"sweep", "--older-than", "999999999999d", dir.toString()},
        {"read", "--delay", "999999999999d", dir.resolve("f").toString()},
        {"lock", "--timeout", "999999999999d", dir.resolve("locks").toString(), "--", "true"}}) {
      Cli.Result r = Cli.run(args);
      assertThat(r.code()).as(String.join(" ", args)).isEqualTo(2);
      assertThat(r.err()).as(String.join(" ", args))
          .contains("'999999999999d' is too long a duration (at most 106751d, about 292 years)\n")
          .contains("Usage: atomic " + args[0]);
      assertNoJavaInternals(r.err().lines().findFirst().orElseThrow());
    }
    assertThat(Cli.list(dir)).containsExactly(".tmp-1-aaaaaaaa.tmp");
  }

  @Test
  void theLongestDurationWorks() throws Exception {
    Files.writeString(dir.resolve(".tmp-1-aaaaaaaa.tmp"), "x");
    Cli.Result r = Cli.run("sweep", "--older-than", "106751d", dir.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).isEqualTo("0 orphaned temp files removed" + System.lineSeparator());
    assertThat(Cli.list(dir)).containsExactly(".tmp-1-aaaaaaaa.tmp");
  }

  @Test
  void anEmptyPathIsBadUsageForEveryCommand() throws Exception {
    Path f = Files.writeString(dir.resolve("f"), "x");
    String[][] cases = {
      {"write", ""}, {"write", "--temp-dir", "", f.toString()}, {"read", ""}, {"validate", ""},
      {"rename", "", f.toString()}, {"rename", f.toString(), ""}, {"lock", "", "--", "true"},
      {"lock", "--status", ""}, {"sweep", ""}, {"tempname", ""}, {"check", ""}, {"demo", ""},
    };
    for (String[] c : cases) {
      Cli.Result r = Cli.runWithInput("data", c);
      assertThat(r.code()).as(String.join(" ", c)).isEqualTo(2);
      assertThat(r.err()).as(String.join(" ", c)).contains("an empty string is not a path");
    }
    assertThat(Files.readString(f)).isEqualTo("x");
    assertThat(Cli.list(dir)).containsExactly("f");
  }

  @Test
  void anEmptyCommandIsBadUsage() {
    Cli.Result r = Cli.run("lock", dir.resolve("locks").toString(), "--", "");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("COMMAND is an empty string");
  }

  @Test
  void aFileWhereADirectoryIsExpectedIsNamedSo() throws Exception {
    Path f = Files.writeString(dir.resolve("f"), "x");
    Cli.Result r = Cli.run("tempname", f.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).isEqualTo("atomic: " + f + ": not a directory" + System.lineSeparator());
    r = Cli.runWithInput("data", "write", "--temp-dir", f.toString(), dir.resolve("out").toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).isEqualTo("atomic: " + dir.resolve("out") + ": not written: --temp-dir " + f
        + " is not a directory" + System.lineSeparator());
    assertThat(Cli.list(dir)).containsExactly("f");
  }

  /** A failure on the temp of a write names the file the user gave (it named only the temp). */
  @Test
  void aTempThatCannotBeMadeIsToldAboutTheTarget() {
    assumeTrue(Files.isDirectory(Path.of("/proc/self")), "no /proc");
    Cli.Result r = Cli.runWithInput("x", "write", "/proc/self/status");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).startsWith("atomic: /proc/self/status: cannot be written: ")
        .contains("proc file system").doesNotContain(".tmp-").hasLineCount(1);
  }

  @Test
  void readOfAFifoIsRefusedWithoutBlocking() throws Exception {
    Path fifo = dir.resolve("fifo");
    assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
    try {
      Cli.Result r = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> Cli.run("read", fifo.toString()));
      assertThat(r.code()).isEqualTo(1);
      assertThat(r.err()).isEqualTo("atomic: " + fifo + ": not a regular file" + System.lineSeparator());
    } finally {
      // an opener still blocked in the FIFO (the old behaviour) is released by a writer; opened for
      // reading and writing, which on Linux never blocks itself
      try {
        java.nio.channels.FileChannel.open(fifo, StandardOpenOption.READ, StandardOpenOption.WRITE).close();
      } catch (IOException ignored) {
        // nobody waited
      }
    }
  }

  @Test
  void readOfInvalidTextPrintsNothingOfIt() throws Exception {
    Path f = dir.resolve("f");
    byte[] text = "valid text\n".repeat(200_000).getBytes(StandardCharsets.UTF_8);
    try (OutputStream out = Files.newOutputStream(f)) {
      out.write(text);
      out.write(0xFF);
    }
    Cli.Result r = Cli.run("read", f.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).isEqualTo("atomic: " + f + ": not valid UTF-8 text" + System.lineSeparator());
  }

  /**
   * {@code read} streams: a 48 MB file through a JVM with a 16 MB heap comes out whole (read into one
   * string, it ended in a raw OutOfMemoryError, as any file over 2 GB did whatever the heap).
   */
  @Test
  void readPrintsAFileLargerThanTheHeap() throws Exception {
    Path big = dir.resolve("big.txt");
    MessageDigest expected = MessageDigest.getInstance("SHA-256");
    try (OutputStream out = Files.newOutputStream(big)) {
      byte[] line = "ünïcödé line, written again and again ✓\n".getBytes(StandardCharsets.UTF_8);
      for (long n = 0; n < 48L << 20; n += line.length) {
        out.write(line);
        expected.update(line);
      }
    }
    Process p = ChildCli.launch(List.of("-Xmx16m"), "read", big.toString()).processBuilder().start();
    p.getOutputStream().close();
    CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> Commands.readAll(p.getErrorStream()));
    MessageDigest actual = MessageDigest.getInstance("SHA-256");
    long size = 0;
    try (InputStream in = p.getInputStream()) {
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) >= 0; size += n) {
        actual.update(buf, 0, n);
      }
    }
    assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
    assertThat(new String(err.join(), StandardCharsets.UTF_8)).isEmpty();
    assertThat(p.exitValue()).isZero();
    assertThat(size).isEqualTo(Files.size(big));
    assertThat(HexFormat.of().formatHex(actual.digest())).isEqualTo(HexFormat.of().formatHex(expected.digest()));
  }

  /** Out of memory anywhere is one line, not the JVM's trace. */
  @Test
  void outOfMemoryIsOneLine() throws Exception {
    Path big = dir.resolve("big.json");
    try (OutputStream out = Files.newOutputStream(big)) {
      out.write('[');
      byte[] item = "\"a string of JSON held in memory by write --json\", ".getBytes(StandardCharsets.UTF_8);
      for (long n = 0; n < 64L << 20; n += item.length) {
        out.write(item);
      }
      out.write("1]".getBytes(StandardCharsets.UTF_8));
    }
    ChildCli.Result r = ChildCli.shell(dir, "<big.json", List.of("-Xmx16m"), "write", "--json", "out.json");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).isEqualTo("atomic: out of memory (the input is larger than this command holds in memory)\n");
    assertThat(Cli.list(dir)).containsExactly("big.json");
  }

  @Test
  void statusOfADirectoryWithoutLockFileIsFreeAndCreatesNothing() throws Exception {
    Path d = Files.createDirectory(dir.resolve("d"));
    Cli.Result r = Cli.run("lock", "--status", d.toString());
    assertThat(r.code()).isZero();
    assertThat(r.out()).isEqualTo("free" + System.lineSeparator());
    assertThat(Cli.list(d)).isEmpty();
  }

  /**
   * {@code lock --status} by a user who cannot open {@code .lock}: one line that says so and what to
   * do (it printed {@code java.nio.file.AccessDeniedException: DIR/.lock}).
   */
  @Test
  void statusOfALockFileThatCannotBeOpenedSaysWhatToDo() throws Exception {
    OtherUser.assume();
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path locks = Files.createDirectory(dir.resolve("locks"));
    assertThat(Cli.run("lock", locks.toString(), "--", "true").code()).isZero();
    Files.setPosixFilePermissions(locks.resolve(".lock"), PosixFilePermissions.fromString("rw-------"));
    String classPath = classPathForAnyone(Files.createDirectory(dir.resolve("cp")));
    Commands.Result r = OtherUser.launch(Main.class, "lock", "--status", locks.toString()).jvmOptions()
        .classPath(classPath).run(Duration.ofMinutes(2));
    String err = r.err();
    assertThat(r.exit()).as(err).isEqualTo(1);
    assertThat(r.out()).isEmpty();
    assertThat(err).isEqualTo("atomic: " + locks.resolve(".lock") + ": permission denied (asking whether the lock is "
        + "held needs write access to the lock file: run this as root)\n");
  }

  /** Copies this test's class path where any user can read it; @return the copy as a class path */
  private static String classPathForAnyone(Path into) throws IOException {
    List<String> entries = new ArrayList<>();
    int i = 0;
    for (String e : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
      Path from = Path.of(e);
      if (!Files.exists(from)) {
        continue;
      }
      Path to = into.resolve((i++) + "-" + from.getFileName());
      try (Stream<Path> tree = Files.walk(from)) {
        for (Path p : (Iterable<Path>) tree::iterator) {
          Path q = to.resolve(from.relativize(p).toString());
          if (Files.isDirectory(p)) {
            Files.createDirectories(q);
          } else {
            Files.copy(p, q);
          }
        }
      }
      entries.add(to.toString());
    }
    try (Stream<Path> all = Files.walk(into)) {
      for (Path p : (Iterable<Path>) all::iterator) {
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--"));
      }
    }
    return String.join(java.io.File.pathSeparator, entries);
  }

  @Test
  void exceptionsWithoutAMessageOfTheirOwnAreDescribedInWords() {
    assertThat(Errors.describe(new UncheckedIOException(new AccessDeniedException("/d/.lock"))))
        .isEqualTo("/d/.lock: permission denied");
    assertThat(Errors.describe(new IOException(new AccessDeniedException("/d/.lock"))))
        .isEqualTo("/d/.lock: permission denied");
    assertThat(Errors.describe(new NotLinkException("/d/l"))).isEqualTo("/d/l: not a symbolic link");
    assertThat(Errors.describe(new FileSystemException("/d/f"))).isEqualTo("/d/f: failed");
    assertThat(Errors.describe(new IOException())).isEqualTo("failed; run again with --verbose for the details");
    assertThat(Errors.describe(new java.nio.channels.ClosedByInterruptException())).isEqualTo("interrupted");
    assertThat(Errors.describe(new NullPointerException()))
        .isEqualTo("unexpected error; run again with --verbose for the details");
    assertThat(Errors.describe(new ArithmeticException("long overflow")))
        .isEqualTo("unexpected error (long overflow); run again with --verbose for the details");
    assertThat(Errors.describe(new OutOfMemoryError("Java heap space")))
        .isEqualTo("out of memory (the input is larger than this command holds in memory)");
  }
}
