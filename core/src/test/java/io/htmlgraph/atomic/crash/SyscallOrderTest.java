package io.htmlgraph.atomic.crash;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.htmlgraph.atomic.testsupport.Commands;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Layer 5 of the crash proofs: the system calls themselves. A child JVM commits once through each
 * streaming writer at {@code FULL} durability, with a flush between writes, under {@code strace -f};
 * the test reads the trace of the thread that wrote and checks the protocol, in order:
 * {@code openat(O_CREAT|O_EXCL)} of a {@code .tmp-*.tmp} temp beside the target, the writes to it,
 * {@code fdatasync} (or {@code fsync}) of the temp's descriptor, {@code rename} of the temp onto the
 * target, {@code openat} of the directory and {@code fsync} of that descriptor; and exactly those two
 * syncs, none per {@code flush()}.
 *
 * <p>Skips, saying why, where strace is missing or cannot trace (no ptrace in some containers).
 */
class SyscallOrderTest {
  private static final Pattern RESULT = Pattern.compile("\\)\\s+=\\s+(-?\\d+)");
  private static final Pattern FIRST_INT_ARG = Pattern.compile("^\\w+\\((\\d+)");
  private static final Pattern QUOTED = Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\"");

  @TempDir static Path work;
  private static List<String> trace; // all threads' lines, each file in order
  private static Optional<String> skipReason = Optional.empty();

  @BeforeAll
  static void traceTheChild() throws Exception {
    if (!System.getProperty("os.name").startsWith("Linux")) {
      skipReason = Optional.of("strace is Linux only");
      return;
    }
    if (!Commands.installed("strace")) {
      skipReason = Optional.of("strace is not installed (Debian package strace)");
      return;
    }
    Path dir = Files.createDirectories(work.resolve("d")).toAbsolutePath();
    Path logs = Files.createDirectories(work.resolve("logs"));
    List<String> cmd = new ArrayList<>(List.of("strace", "-f", "-ff", "-qq", "-o", logs.resolve("t").toString(),
        // the file classes, and every call that writes data or syncs ("?": ignored where unknown)
        "-e", "trace=%file,?write,?pwrite64,?writev,?pwritev,?pwritev2,?fsync,?fdatasync,?sync_file_range,"
            + "?syncfs,?sync,?close,?msync"));
    cmd.addAll(CrashChildJvm.command("syscalls", dir.toString()));
    Commands.Result r = Commands.run(cmd);
    String out = r.out();
    if (r.exit() != 0) {
      if (out.contains("ptrace") || out.contains("Operation not permitted")) {
        skipReason = Optional.of("strace cannot trace here: " + out.strip());
        return;
      }
      throw new IOException("child under strace failed, exit " + r.exit() + ": " + out);
    }
    trace = new ArrayList<>();
    try (Stream<Path> files = Files.list(logs)) {
      for (Path f : files.sorted().toList()) {
        List<String> lines = Files.readAllLines(f, StandardCharsets.UTF_8);
        // keep only the thread that ran the writer: the one that stat'ed the markers
        if (lines.stream().anyMatch(l -> l.contains("/BEGIN-1\""))) {
          trace.addAll(lines);
        }
      }
    }
  }

  @Test
  void aFullCommitOfTheStreamCreatesWritesSyncsRenamesAndSyncsTheDirectoryInThatOrder() {
    checkCommit(1, "stream.bin");
  }

  @Test
  void aFullCommitOfTheTextWriterCreatesWritesSyncsRenamesAndSyncsTheDirectoryInThatOrder() {
    checkCommit(2, "text.txt");
  }

  /** A parsed line of the trace. */
  private record Call(int index, String name, String line, List<String> paths, long result, long fd) {
    static Call parse(int index, String line) {
      int paren = line.indexOf('(');
      String name = paren > 0 ? line.substring(0, paren) : line;
      List<String> paths = new ArrayList<>();
      Matcher q = QUOTED.matcher(line);
      while (q.find()) {
        paths.add(q.group(1));
      }
      Matcher r = RESULT.matcher(line);
      long result = r.find() ? Long.parseLong(r.group(1)) : Long.MIN_VALUE;
      Matcher a = FIRST_INT_ARG.matcher(line);
      long fd = a.find() ? Long.parseLong(a.group(1)) : -1;
      return new Call(index, name, line, paths, result, fd);
    }

    boolean isSync() {
      return name.equals("fsync") || name.equals("fdatasync") || name.equals("sync_file_range")
          || name.equals("syncfs") || name.equals("sync") || name.equals("msync");
    }

    boolean isWrite() {
      return name.equals("write") || name.equals("pwrite64") || name.equals("writev") || name.startsWith("pwritev");
    }
  }

  private static void checkCommit(int n, String targetName) {
    assumeTrue(skipReason.isEmpty(), () -> skipReason.orElse(""));
    Path dir = work.resolve("d").toAbsolutePath();
    String target = dir.resolve(targetName).toString();
    List<Call> calls = window(n);

    // 1. the temp, created exclusively beside the target
    Call create = calls.stream()
        .filter(c -> c.name.startsWith("open") && c.line.contains("O_CREAT") && c.line.contains("O_EXCL")
            && c.paths.stream().anyMatch(p -> isTempBeside(p, dir)))
        .findFirst().orElseThrow(() -> new AssertionError("no openat(O_CREAT|O_EXCL) of a temp in " + dir + ":\n"
            + show(calls)));
    assertThat(create.result).as("fd of the temp").isNotNegative();
    long tempFd = create.result;
    String temp = create.paths.stream().filter(p -> isTempBeside(p, dir)).findFirst().orElseThrow();

    // 2. the writes, then 3. the one data sync of that descriptor
    Call dataSync = calls.stream()
        .filter(c -> c.index > create.index && (c.name.equals("fdatasync") || c.name.equals("fsync")) && c.fd == tempFd)
        .findFirst().orElseThrow(() -> new AssertionError("no fdatasync/fsync of the temp's fd " + tempFd + ":\n"
            + show(calls)));
    List<Call> writes = calls.stream()
        .filter(c -> c.isWrite() && c.fd == tempFd && c.index > create.index && c.index < dataSync.index).toList();
    assertThat(writes).as("writes of the 4 flushed chunks to the temp").hasSize(4);
    assertThat(writes.stream().mapToLong(Call::result).sum()).as("bytes written").isEqualTo(4000);

    // 4. the rename of that temp onto the target, after the sync
    Call rename = calls.stream().filter(c -> c.name.startsWith("rename") && c.paths.equals(List.of(temp, target)))
        .findFirst().orElseThrow(() -> new AssertionError("no rename(" + temp + ", " + target + "):\n" + show(calls)));
    assertThat(rename.result).isZero();
    assertThat(rename.index).as("rename after the data sync").isGreaterThan(dataSync.index);
    assertThat(calls.stream().filter(c -> c.isWrite() && c.fd == tempFd && c.index > dataSync.index && c.index < rename.index))
        .as("no write between the sync and the rename").isEmpty();

    // 5. the directory: opened and synced after the rename
    Call openDir = calls.stream()
        .filter(c -> c.index > rename.index && c.name.startsWith("open") && c.paths.equals(List.of(dir.toString()))
            && c.result >= 0)
        .findFirst().orElseThrow(() -> new AssertionError("no open of " + dir + " after the rename:\n" + show(calls)));
    Call dirSync = calls.stream()
        .filter(c -> c.index > openDir.index && c.name.equals("fsync") && c.fd == openDir.result)
        .findFirst().orElseThrow(() -> new AssertionError("no fsync of the directory's fd " + openDir.result + ":\n"
            + show(calls)));
    assertThat(dirSync.result).isZero();

    // and nothing else: two syncs in all (none per flush), the target never unlinked
    List<Call> syncs = calls.stream().filter(Call::isSync).toList();
    assertThat(syncs).as("sync calls of one commit with 4 flushes").containsExactly(dataSync, dirSync);
    assertThat(calls.stream().filter(c -> c.name.startsWith("unlink") && c.paths.contains(target)))
        .as("the target is replaced by rename, never deleted first").isEmpty();

    System.out.printf("strace, commit %d (%s): openat(O_CREAT|O_EXCL) #%d, %d writes, %s #%d, %s #%d, "
            + "open dir #%d, fsync(dir) #%d; %d syncs in all%n",
        n, targetName, create.index, writes.size(), dataSync.name, dataSync.index, rename.name, rename.index,
        openDir.index, dirSync.index, syncs.size());
  }

  private static boolean isTempBeside(String path, Path dir) {
    Path p = Path.of(path);
    String name = p.getFileName().toString();
    return dir.equals(p.getParent()) && name.startsWith(".tmp-") && name.endsWith(".tmp");
  }

  /** The calls between the markers of commit {@code n}, numbered from the first. */
  private static List<Call> window(int n) {
    int begin = -1;
    int end = -1;
    for (int i = 0; i < trace.size(); i++) {
      if (begin < 0 && trace.get(i).contains("/BEGIN-" + n + "\"")) {
        begin = i;
      } else if (begin >= 0 && trace.get(i).contains("/END-" + n + "\"")) {
        end = i;
        break;
      }
    }
    assertThat(begin).as("marker BEGIN-%d in the trace", n).isNotNegative();
    assertThat(end).as("marker END-%d in the trace", n).isGreaterThan(begin);
    List<Call> calls = new ArrayList<>();
    for (int i = begin + 1; i < end; i++) {
      calls.add(Call.parse(i - begin, trace.get(i)));
    }
    return calls;
  }

  private static String show(List<Call> calls) {
    StringBuilder sb = new StringBuilder();
    for (Call c : calls) {
      sb.append("  #").append(c.index).append(' ').append(c.line).append('\n');
    }
    return sb.toString();
  }
}
