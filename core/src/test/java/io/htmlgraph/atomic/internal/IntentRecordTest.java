package io.htmlgraph.atomic.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The intent record's text form: what it reads back, and what it refuses as torn or damaged. */
class IntentRecordTest {
  @TempDir Path dir;

  private static final List<IntentRecord.Entry> ENTRIES = List.of(
      new IntentRecord.Entry("k3j9x0qa2b.0", "config/app.json", 27, 0x1c2a9e0f),
      new IntentRecord.Entry("k3j9x0qa2b.1", "odd names/with space, 100% \"quotes\"\nand a newline/é中.txt", 0, -1),
      new IntentRecord.Entry(null, "sessions/s-17.json", 0, 0));

  @Test
  void entriesReadBackExactlyWhateverTheNames() throws IOException {
    Path record = dir.resolve("intent");
    IntentRecord.write(record, ENTRIES);
    assertThat(IntentRecord.read(record)).isEqualTo(ENTRIES);
    assertThat(Files.readAllLines(record)).hasSize(5).first().isEqualTo(IntentRecord.MAGIC);
  }

  @Test
  void aRecordCutAtAnyLengthIsRefused() throws IOException {
    Path record = dir.resolve("intent");
    IntentRecord.write(record, ENTRIES);
    byte[] full = Files.readAllBytes(record);
    for (int n = 0; n < full.length; n++) {
      Path cut = dir.resolve("cut");
      Files.write(cut, java.util.Arrays.copyOf(full, n));
      assertThat(IntentRecord.read(cut)).as("cut at %d of %d bytes", n, full.length).isNull();
    }
  }

  @Test
  void aRecordWithAnyByteChangedOrZeroedIsRefused() throws IOException {
    Path record = dir.resolve("intent");
    IntentRecord.write(record, ENTRIES);
    byte[] full = Files.readAllBytes(record);
    for (int i = 0; i < full.length; i++) {
      for (byte b : new byte[] {0, (byte) (full[i] ^ 0x01)}) {
        byte[] bad = full.clone();
        bad[i] = b;
        Path damaged = dir.resolve("damaged");
        Files.write(damaged, bad);
        assertThat(IntentRecord.read(damaged)).as("byte %d set to %d", i, b).isNull();
      }
    }
  }

  @Test
  void aRecordWithZerosAfterItsEndIsRefused() throws IOException {
    // the size of the file reached the disk, its last block did not: zeros where the end line was
    Path record = dir.resolve("intent");
    IntentRecord.write(record, ENTRIES);
    try (FileChannel ch = FileChannel.open(record, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
      ch.write(java.nio.ByteBuffer.allocate(100));
    }
    assertThat(IntentRecord.read(record)).isNull();
  }

  @Test
  void aLargeRecordReadsBack() throws IOException {
    List<IntentRecord.Entry> many = new ArrayList<>();
    for (int i = 0; i < 20_000; i++) {
      many.add(new IntentRecord.Entry("abcdefghij." + i, "d" + (i % 10) + "/file-" + i, i, i * 31));
    }
    Path record = dir.resolve("intent");
    IntentRecord.write(record, many);
    assertThat(IntentRecord.read(record)).isEqualTo(many);
  }

  @Test
  void namesThatEscapeTheRootAreRefused() throws IOException {
    for (String target : List.of("../x", "a/../../x", "/etc/passwd", "a//b", "./a", "a/.")) {
      Path record = dir.resolve("bad");
      Files.deleteIfExists(record);
      IntentRecord.write(record, List.of(new IntentRecord.Entry(null, target, 0, 0)));
      assertThat(IntentRecord.read(record)).as(target).isNull();
    }
  }

  @Test
  void tempNamesHaveOneForm() {
    assertThat(IntentRecord.isTempName("k3j9x0qa2b.0")).isTrue();
    assertThat(IntentRecord.isTempName("k3j9x0qa2b.123")).isTrue();
    for (String bad : List.of("", ".", "a.", ".1", "A.1", "a.b", "a.1.2", "../a.1", "a/b.1", ".tmp-x.1", "intent", "fence")) {
      assertThat(IntentRecord.isTempName(bad)).as(bad).isFalse();
    }
  }
}
