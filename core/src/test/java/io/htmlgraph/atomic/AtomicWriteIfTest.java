package io.htmlgraph.atomic;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.htmlgraph.atomic.testsupport.ChildJvm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link AtomicFileWriter#atomicWriteIf}: optimistic concurrency on one file, alone and between
 * processes.
 */
class AtomicWriteIfTest {
  private static final int PROCESSES = 4;
  private static final int INCREMENTS = 50;
  /** Rounds of the racy variant before the test gives up looking for a lost update. */
  private static final int RACY_ROUNDS = 3;

  @TempDir Path dir;

  private static byte[] bytes(String s) {
    return s.getBytes(UTF_8);
  }

  @Test
  void writesWhenTheFileIsAtTheExpectedVersion() throws IOException {
    Path file = Files.writeString(dir.resolve("f"), "v1");
    AtomicFileWriter.atomicWriteIf(file, FileVersion.of(file), bytes("v2"));
    assertThat(Files.readString(file)).isEqualTo("v2");
    assertThat(TestFiles.temps(dir)).isEmpty();
  }

  @Test
  void refusesWhenTheFileWasReplacedMeanwhileEvenWithEqualBytes() throws IOException {
    Path file = Files.writeString(dir.resolve("f"), "v1");
    FileVersion read = FileVersion.of(file);
    AtomicFileWriter.atomicWrite(file, "v1");
    VersionConflictException e = catchThrowableOfType(VersionConflictException.class,
        () -> AtomicFileWriter.atomicWriteIf(file, read, bytes("v2")));
    assertThat(e.file()).isEqualTo(file);
    assertThat(e.expected()).isEqualTo(read);
    assertThat(e.actual()).isEqualTo(FileVersion.of(file));
    assertThat(Files.readString(file)).isEqualTo("v1");
    assertThat(TestFiles.temps(dir)).isEmpty();
  }

  @Test
  void refusesWhenTheFileWasDeletedMeanwhile() throws IOException {
    Path file = Files.writeString(dir.resolve("f"), "v1");
    FileVersion read = FileVersion.of(file);
    Files.delete(file);
    VersionConflictException e = catchThrowableOfType(VersionConflictException.class,
        () -> AtomicFileWriter.atomicWriteIf(file, read, bytes("v2")));
    assertThat(e.actual().isAbsent()).isTrue();
    assertThat(file).doesNotExist();
  }

  @Test
  void absentCreatesOnlyAMissingFile() throws IOException {
    Path file = dir.resolve("f");
    AtomicFileWriter.atomicWriteIf(file, FileVersion.absent(), bytes("first"));
    assertThat(Files.readString(file)).isEqualTo("first");
    assertThat(catchThrowableOfType(VersionConflictException.class,
        () -> AtomicFileWriter.atomicWriteIf(file, FileVersion.absent(), bytes("second"))).actual().isAbsent()).isFalse();
    assertThat(Files.readString(file)).isEqualTo("first");
  }

  @Test
  void fourProcessesOfFiftyOptimisticIncrementsEndAtExactly200() throws Exception {
    Path counter = Files.writeString(dir.resolve("counter"), "0");
    ChildResult r = runChildren(counter, PROCESSES, INCREMENTS, "checked", 120);
    assertThat(r.lines).hasSize(PROCESSES).allMatch(l -> l.startsWith("DONE "));
    assertThat(Files.readString(counter).strip()).isEqualTo(Integer.toString(PROCESSES * INCREMENTS));
    System.out.println("[atomicWriteIf] " + PROCESSES + " processes x " + INCREMENTS + " increments: "
        + Files.readString(counter).strip() + ", conflicts retried: " + r.conflicts());
  }

  @Test
  void withoutTheVersionCheckTheSameIncrementsLoseUpdates() throws Exception {
    // the control: if plain writes did not lose updates here, the test above would prove nothing
    List<String> finals = new ArrayList<>();
    for (int round = 0; round < RACY_ROUNDS; round++) {
      Path counter = Files.writeString(dir.resolve("racy-" + round), "0");
      runChildren(counter, PROCESSES, INCREMENTS, "plain", 120);
      String end = Files.readString(counter).strip();
      finals.add(end);
      if (Long.parseLong(end) < PROCESSES * INCREMENTS) {
        break;
      }
    }
    System.out.println("[atomicWriteIf] the same increments with plain atomicWrite ended at " + finals);
    assertThat(finals).as("final counts of the racy rounds").anyMatch(v -> Long.parseLong(v) < PROCESSES * INCREMENTS);
  }

  private record ChildResult(List<String> lines) {
    int conflicts() {
      return lines.stream().filter(l -> l.startsWith("DONE ")).mapToInt(l -> Integer.parseInt(l.substring(5))).sum();
    }
  }

  /** Starts n children, lets them go together, collects their last lines. */
  private static ChildResult runChildren(Path counter, int n, int increments, String mode, int seconds) {
    List<ChildJvm> children = new ArrayList<>();
    List<String> lines = new ArrayList<>();
    try {
      for (int i = 0; i < n; i++) {
        children.add(ChildJvm.start(TransactionChild.class, "increment", counter.toString(), Integer.toString(increments),
            mode, Integer.toString(i)));
      }
      for (ChildJvm c : children) {
        c.send("go");
      }
      for (ChildJvm c : children) {
        String last = null;
        for (String line; (line = c.readLine()) != null; ) {
          last = line;
        }
        c.waitFor(seconds);
        if (last != null) {
          lines.add(last);
        }
      }
    } catch (IOException | InterruptedException e) {
      throw new AssertionError(e);
    } finally {
      children.forEach(ChildJvm::close);
    }
    return new ChildResult(lines);
  }
}
