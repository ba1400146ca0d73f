package io.htmlgraph.atomic.testing;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.htmlgraph.atomic.AtomicFileOutputStream;
import io.htmlgraph.atomic.AtomicFileWriter;
import io.htmlgraph.atomic.AtomicFiles;
import io.htmlgraph.atomic.CommittedNotDurableException;
import io.htmlgraph.atomic.Durability;
import io.htmlgraph.atomic.IOConsumer;
import io.htmlgraph.atomic.WriteOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What the core's writers do when the file system fails under them (issue 2: "the outcome is never
 * ambiguous"): a failed directory sync after the rename is {@link CommittedNotDurableException} with
 * the new content in place; any other failure leaves the target untouched and no temp behind; a failed
 * {@code fsync} is never retried; close, rename and sync errors are never swallowed; cleanup failures
 * are logged, or attached to the exception being thrown.
 */
class CoreFailureHandlingTest {
  private static final String TARGET = "data.txt";
  private static final String OLD = "old content\n";
  private static final String NEW = "new content, which is longer\n";
  private static final String TEMPS = "**.tmp";

  @TempDir Path dir;

  /** The library's writers, each committing NEW to a target. */
  enum Form {
    ONE_SHOT {
      @Override void write(Path target, WriteOptions o) throws IOException {
        AtomicFileWriter.atomicWrite(target, NEW, o);
      }
    },
    STREAMING_WRITER {
      @Override void write(Path target, WriteOptions o) throws IOException {
        try (AtomicFileWriter w = new AtomicFileWriter(target, o)) {
          w.write(NEW);
          w.commit();
        }
      }
    },
    OUTPUT_STREAM {
      @Override void write(Path target, WriteOptions o) throws IOException {
        try (AtomicFileOutputStream out = new AtomicFileOutputStream(target, o)) {
          out.write(NEW.getBytes(UTF_8));
          out.commit();
        }
      }
    },
    WRITER_LAMBDA {
      @Override void write(Path target, WriteOptions o) throws IOException {
        AtomicFileWriter.atomicWrite(target, o, w -> w.write(NEW));
      }
    },
    STREAM_LAMBDA {
      @Override void write(Path target, WriteOptions o) throws IOException {
        AtomicFileOutputStream.atomicWrite(target, o, out -> out.write(NEW.getBytes(UTF_8)));
      }
    };

    abstract void write(Path target, WriteOptions o) throws IOException;
  }

  private static WriteOptions at(Durability d) {
    return WriteOptions.builder().durability(d).build();
  }

  private FaultyFileSystem withOld(Fault... faults) throws IOException {
    Files.writeString(dir.resolve(TARGET), OLD);
    return FaultyFileSystem.wrap(dir, faults);
  }

  /** @return the names in the real directory, sorted */
  private List<String> names() throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  private static long count(List<String> ops, String prefix) {
    return ops.stream().filter(op -> op.startsWith(prefix)).count();
  }

  // ---- the directory sync after the rename fails: committed, not durable

  @ParameterizedTest
  @EnumSource(Form.class)
  void failedDirectorySyncAfterTheRenameIsCommittedNotDurable(Form form) throws IOException {
    try (FaultyFileSystem fs = withOld(Fault.failDirectorySync("/"))) {
      Path target = fs.root().resolve(TARGET);
      CommittedNotDurableException e = assertThrows(CommittedNotDurableException.class,
          () -> form.write(target, at(Durability.FULL)));
      assertThat(e.target()).isEqualTo(target);
      assertThat(e.getMessage()).contains("committed, not durable");
      assertThat(e.getCause()).hasMessageContaining("injected");
      assertThat(Files.readString(dir.resolve(TARGET))).isEqualTo(NEW);
      assertThat(names()).containsExactly(TARGET);
      List<String> ops = fs.operations();
      assertThat(fs.injected()).containsExactly("fsync dir /: injected failure");
      // the rename came first; the failed sync was the last thing tried and never retried
      assertThat(ops.get(ops.size() - 1)).isEqualTo("fsync dir /: injected failure");
      assertThat(ops).anyMatch(op -> op.startsWith("rename /.tmp-") && op.endsWith(" -> /data.txt"));
      assertThat(count(ops, "fsync dir /")).isEqualTo(1);
    }
  }

  @Test
  void afterCommittedNotDurableTheWriterIsCommittedAndCloseKeepsTheFile() throws IOException {
    try (FaultyFileSystem fs = withOld(Fault.failDirectorySync("/"))) {
      Path target = fs.root().resolve(TARGET);
      AtomicFileWriter w = new AtomicFileWriter(target);
      w.write(NEW);
      assertThrows(CommittedNotDurableException.class, w::commit);
      assertThat(w.isCommitted()).isTrue();
      assertThrows(IllegalStateException.class, w::commit);
      w.close();
      assertThat(Files.readString(dir.resolve(TARGET))).isEqualTo(NEW);
      assertThat(names()).containsExactly(TARGET);
    }
  }

  @Test
  void failedSyncOfANewParentDirectoryIsCommittedNotDurable() throws IOException {
    // a/b are created: after the rename into a/b, b's parent a and a's parent / are synced
    try (FaultyFileSystem fs = FaultyFileSystem.wrap(dir, Fault.failDirectorySync("/a"))) {
      Path target = fs.root().resolve("a/b/" + TARGET);
      CommittedNotDurableException e = assertThrows(CommittedNotDurableException.class,
          () -> AtomicFileWriter.atomicWrite(target, NEW));
      assertThat(e.target()).isEqualTo(target);
      assertThat(Files.readString(dir.resolve("a/b/" + TARGET))).isEqualTo(NEW);
      assertThat(fs.operations()).containsSubsequence("fsync dir /a/b", "fsync dir /a: injected failure");
    }
  }

  @Test
  void atFileDurabilityNoDirectoryIsSyncedSoNoneCanFail() throws IOException {
    try (FaultyFileSystem fs = withOld(Fault.failDirectorySync("**"))) {
      AtomicFileWriter.atomicWrite(fs.root().resolve(TARGET), NEW, at(Durability.FILE));
      assertThat(Files.readString(dir.resolve(TARGET))).isEqualTo(NEW);
      assertThat(fs.injected()).isEmpty();
    }
  }

  // ---- the data sync of the temp fails: not committed, never retried

  @ParameterizedTest
  @EnumSource(Form.class)
  void failedDataSyncLeavesTheTargetUntouchedAndIsNotRetried(Form form) throws IOException {
    try (FaultyFileSystem fs = withOld(Fault.failSync(TEMPS))) {
      IOException e = assertThrows(IOException.class, () -> form.write(fs.root().resolve(TARGET), at(Durability.FULL)));
      assertThat(e).isNotInstanceOf(CommittedNotDurableException.class).hasMessageContaining("injected");
      assertThat(Files.readString(dir.resolve(TARGET))).isEqualTo(OLD);
      assertThat(names()).containsExactly(TARGET);
      List<String> ops = fs.operations();
      assertThat(count(ops, "fsync /.tmp-")).as("sync attempts of the temp in %s", ops).isEqualTo(1);
      assertThat(count(ops, "rename ")).isZero();
      assertThat(ops).anyMatch(op -> op.startsWith("unlink /.tmp-"));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"FILE", "FULL"})
  void failedDataSyncOfANewFileLeavesNoFile(Durability durability) throws IOException {
    try (FaultyFileSystem fs = FaultyFileSystem.wrap(dir, Fault.failSync(TEMPS))) {
      assertThrows(IOException.class, () -> AtomicFileWriter.atomicWrite(fs.root().resolve(TARGET), NEW, at(durability)));
      assertThat(names()).isEmpty();
      assertThat(count(fs.operations(), "fsync /.tmp-")).isEqualTo(1);
    }
  }

  @Test
  void failedDataSyncInATempDirectoryElsewhereLeavesNothing() throws IOException {
    Files.createDirectory(dir.resolve("tmp"));
    try (FaultyFileSystem fs = withOld(Fault.failSync(TEMPS))) {
      WriteOptions o = WriteOptions.builder().tempDir(fs.root().resolve("tmp")).build();
      assertThrows(IOException.class, () -> AtomicFileWriter.atomicWrite(fs.root().resolve(TARGET), NEW, o));
      assertThat(Files.readString(dir.resolve(TARGET))).isEqualTo(OLD);
      assertThat(names()).containsExactly(TARGET, "tmp");
      try (Stream<Path> s = Files.list(dir.resolve("tmp"))) {
        assertThat(s).isEmpty();
      }
      assertThat(count(fs.operations(), "fsync /tmp/.tmp-")).isEqualTo(1);
    }
  }

  // ---- the rename fails

  @ParameterizedTest
  @EnumSource(Form.class)
  void failedRenameLeavesTheTargetUntouched(Form form) throws IOException {
    try (FaultyFileSystem fs = withOld(Fault.failRename("/" + TARGET))) {
      IOException e = assertThrows(IOException.class, () -> form.write(fs.root().resolve(TARGET), at(Durability.FULL)));
      assertThat(e).isNotInstanceOf(CommittedNotDurableException.class).hasMessageContaining("injected");
      assertThat(Files.readString(dir.resolve(TARGET))).isEqualTo(OLD);
      assertThat(names()).containsExactly(TARGET);
      assertThat(fs.injected()).singleElement().asString().startsWith("rename /.tmp-");
      assertThat(count(fs.operations(), "fsync dir")).isZero();
    }
  }

  @Test
  void failedLinkOfANoClobberCreateLeavesNoFile() throws IOException {
    // no-clobber publishes with link(2); make the link's target directory refuse the sync instead:
    // the link happened, so it is committed, not durable
    try (FaultyFileSystem fs = FaultyFileSystem.wrap(dir, Fault.failDirectorySync("/"))) {
      Path target = fs.root().resolve(TARGET);
      WriteOptions o = WriteOptions.builder().noClobber(true).build();
      assertThrows(CommittedNotDurableException.class, () -> AtomicFileWriter.atomicWrite(target, NEW, o));
      assertThat(Files.readString(dir.resolve(TARGET))).isEqualTo(NEW);
      assertThat(names()).containsExactly(TARGET);
    }
  }

  // ---- close of the temp fails

  @ParameterizedTest
  @EnumSource(Form.class)
  void failedCloseOfTheTempIsThrownAsCommittedNotDurable(Form form) throws IOException {
    // The temp stays open (and locked: its proof of life against sweeps in other processes) until it
    // has been renamed, so its close comes after the commit: the failure cannot undo the commit, and
    // is reported, never swallowed, as "committed, not durable".
    try (FaultyFileSystem fs = withOld(Fault.failClose(TEMPS))) {
      CommittedNotDurableException e = assertThrows(CommittedNotDurableException.class,
          () -> form.write(fs.root().resolve(TARGET), at(Durability.FULL)));
      assertThat(e).hasMessageContaining("closing its temp file").hasMessageContaining("injected");
      assertThat(e.target()).isEqualTo(fs.root().resolve(TARGET));
      assertThat(Files.readString(dir.resolve(TARGET))).isEqualTo(NEW);
      assertThat(names()).containsExactly(TARGET);
      List<String> ops = fs.operations();
      assertThat(count(ops, "rename ")).isEqualTo(1);
      assertThat(count(ops, "fsync /.tmp-")).isEqualTo(1); // synced before the rename, once
    }
  }

  // ---- a write fails: the disk is full

  @Test
  void diskFullPoisonsTheStreamingWriter() throws IOException {
    try (FaultyFileSystem fs = withOld(Fault.diskFullAfter(10_000, TEMPS))) {
      Path target = fs.root().resolve(TARGET);
      AtomicFileWriter w = new AtomicFileWriter(target);
      String line = "x".repeat(99) + "\n";
      IOException full = assertThrows(IOException.class, () -> {
        for (int i = 0; i < 1000; i++) {
          w.write(line);
        }
      });
      assertThat(full).hasMessageContaining("No space left on device");
      Path temp = dir.resolve(w.tempPath().getFileName().toString());
      assertThat(Files.size(temp)).isEqualTo(10_000); // the short write filled the disk
      // poisoned: no more writes, and the commit refuses
      assertThrows(IOException.class, () -> w.write("more"));
      IOException refused = assertThrows(IOException.class, w::commit);
      assertThat(refused).isNotInstanceOf(CommittedNotDurableException.class).hasMessageContaining("not committed");
      assertThat(refused.getCause()).isSameAs(full);
      w.close();
      assertThat(Files.readString(dir.resolve(TARGET))).isEqualTo(OLD);
      assertThat(names()).containsExactly(TARGET);
      assertThat(count(fs.operations(), "rename ")).isZero();
      assertThat(count(fs.operations(), "fsync ")).isZero();
    }
  }

  @Test
  void diskFullPoisonsTheOutputStreamEvenWhenTheCallerIgnoresTheError() throws IOException {
    try (FaultyFileSystem fs = withOld(Fault.diskFullAfter(10_000, TEMPS))) {
      AtomicFileOutputStream out = new AtomicFileOutputStream(fs.root().resolve(TARGET));
      byte[] chunk = new byte[4096];
      int failures = 0;
      for (int i = 0; i < 10; i++) {
        try {
          out.write(chunk);
        } catch (IOException ignoredByACarelessCaller) {
          failures++;
        }
      }
      assertThat(failures).isPositive();
      assertThrows(IOException.class, out::commit);
      assertThat(Files.readString(dir.resolve(TARGET))).isEqualTo(OLD);
      assertThat(names()).containsExactly(TARGET);
    }
  }

  @Test
  void diskFullAtTheFinalFlushOfTheCommitLeavesTheTargetUntouched() throws IOException {
    // the writer buffers: the failure surfaces only when commit() flushes
    try (FaultyFileSystem fs = withOld(Fault.diskFullAfter(5, TEMPS))) {
      AtomicFileWriter w = new AtomicFileWriter(fs.root().resolve(TARGET));
      w.write(NEW);
      IOException e = assertThrows(IOException.class, w::commit);
      assertThat(e).hasMessageContaining("No space left on device");
      assertThat(Files.readString(dir.resolve(TARGET))).isEqualTo(OLD);
      assertThat(names()).containsExactly(TARGET);
      w.close();
    }
  }

  @Test
  void diskFullInTheOneShotWriteLeavesTheTargetUntouched() throws IOException {
    try (FaultyFileSystem fs = withOld(Fault.diskFullAfter(3, TEMPS))) {
      IOException e = assertThrows(IOException.class, () -> AtomicFileWriter.atomicWrite(fs.root().resolve(TARGET), NEW));
      assertThat(e).hasMessageContaining("No space left on device");
      assertThat(Files.readString(dir.resolve(TARGET))).isEqualTo(OLD);
      assertThat(names()).containsExactly(TARGET);
    }
  }

  // ---- atomicRename

  @Test
  void atomicRenameWithAFailedDirectorySyncIsCommittedNotDurable() throws IOException {
    Files.writeString(dir.resolve("src.txt"), NEW);
    Files.writeString(dir.resolve("dst.txt"), OLD);
    try (FaultyFileSystem fs = FaultyFileSystem.wrap(dir, Fault.failDirectorySync("/"))) {
      Path dst = fs.root().resolve("dst.txt");
      CommittedNotDurableException e = assertThrows(CommittedNotDurableException.class,
          () -> AtomicFiles.atomicRename(fs.root().resolve("src.txt"), dst));
      assertThat(e.target()).isEqualTo(dst);
      assertThat(Files.readString(dir.resolve("dst.txt"))).isEqualTo(NEW);
      assertThat(names()).containsExactly("dst.txt");
      assertThat(fs.operations()).containsExactly("rename /src.txt -> /dst.txt", "fsync dir /: injected failure");
    }
  }

  @Test
  void atomicRenameAcrossDirectoriesWithAFailedSyncOfTheSourceDirectoryIsCommittedNotDurable() throws IOException {
    Files.createDirectories(dir.resolve("a"));
    Files.createDirectories(dir.resolve("b"));
    Files.writeString(dir.resolve("a/f.txt"), NEW);
    try (FaultyFileSystem fs = FaultyFileSystem.wrap(dir, Fault.failDirectorySync("/a"))) {
      Path dst = fs.root().resolve("b/f.txt");
      CommittedNotDurableException e = assertThrows(CommittedNotDurableException.class,
          () -> AtomicFiles.atomicRename(fs.root().resolve("a/f.txt"), dst));
      assertThat(e.target()).isEqualTo(dst);
      assertThat(Files.readString(dir.resolve("b/f.txt"))).isEqualTo(NEW);
      assertThat(Files.exists(dir.resolve("a/f.txt"))).isFalse();
      assertThat(fs.operations()).containsExactly("rename /a/f.txt -> /b/f.txt", "fsync dir /b",
          "fsync dir /a: injected failure");
    }
  }

  @Test
  void atomicRenameThatFailsChangesNothing() throws IOException {
    Files.writeString(dir.resolve("src.txt"), NEW);
    Files.writeString(dir.resolve("dst.txt"), OLD);
    try (FaultyFileSystem fs = FaultyFileSystem.wrap(dir, Fault.failRename("/dst.txt"))) {
      IOException e = assertThrows(IOException.class,
          () -> AtomicFiles.atomicRename(fs.root().resolve("src.txt"), fs.root().resolve("dst.txt")));
      assertThat(e).isNotInstanceOf(CommittedNotDurableException.class);
      assertThat(Files.readString(dir.resolve("src.txt"))).isEqualTo(NEW);
      assertThat(Files.readString(dir.resolve("dst.txt"))).isEqualTo(OLD);
      assertThat(count(fs.operations(), "fsync")).isZero();
    }
  }

  // ---- cleanup fails: abort() and close() do not throw, but say so

  /** Collects what the library logs through System.Logger (routed to java.util.logging by default). */
  private final List<LogRecord> logged = new ArrayList<>();
  private final Logger julLogger = Logger.getLogger("io.htmlgraph.atomic");
  private final Handler handler = new Handler() {
    @Override public void publish(LogRecord r) {
      synchronized (logged) {
        logged.add(r);
      }
    }
    @Override public void flush() { }
    @Override public void close() { }
  };

  private boolean parentHandlers;

  @BeforeEach
  void listen() {
    julLogger.addHandler(handler);
    parentHandlers = julLogger.getUseParentHandlers();
    julLogger.setUseParentHandlers(false); // the expected warnings need not reach the console
  }

  @AfterEach
  void stopListening() {
    julLogger.removeHandler(handler);
    julLogger.setUseParentHandlers(parentHandlers);
  }

  private List<String> warnings() {
    synchronized (logged) {
      return logged.stream().filter(r -> r.getLevel() == Level.WARNING)
          .map(r -> r.getParameters() == null ? r.getMessage()
              : java.text.MessageFormat.format(r.getMessage(), (Object[]) r.getParameters()))
          .toList();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"abort", "close"})
  void abortWhoseDeleteFailsReturnsLeavesTheTempAndLogsIt(String how) throws IOException {
    try (FaultyFileSystem fs = withOld(Fault.failDelete(TEMPS))) {
      AtomicFileWriter w = new AtomicFileWriter(fs.root().resolve(TARGET));
      w.write(NEW);
      String temp = w.tempPath().getFileName().toString();
      if (how.equals("abort")) {
        w.abort();
      } else {
        w.close();
      }
      assertThat(Files.readString(dir.resolve(TARGET))).isEqualTo(OLD);
      assertThat(names()).containsExactly(temp, TARGET); // left for a sweep
      assertThat(fs.injected()).containsExactly("unlink /" + temp + ": injected failure");
      assertThat(warnings()).anyMatch(m -> m.contains("discarding a temp file failed") && m.contains(temp));
      w.abort(); // idempotent, and quiet now: nothing more is tried
      assertThat(fs.injected()).hasSize(1);
    }
  }

  @Test
  void abortWhoseCloseFailsStillRemovesTheTempAndLogsIt() throws IOException {
    try (FaultyFileSystem fs = withOld(Fault.failClose(TEMPS))) {
      AtomicFileOutputStream out = new AtomicFileOutputStream(fs.root().resolve(TARGET));
      out.write(NEW.getBytes(UTF_8));
      out.close();
      assertThat(names()).containsExactly(TARGET);
      assertThat(warnings()).anyMatch(m -> m.contains("discarding a temp file failed") && m.contains("injected"));
    }
  }

  /** A body that throws, in both lambda forms, with a cleanup that fails too. */
  enum Lambda {
    WRITER {
      @Override void run(Path target, RuntimeException or, IOException checked) throws IOException {
        AtomicFileWriter.atomicWrite(target, w -> {
          w.write(NEW);
          w.flush();
          throwIt(or, checked);
        });
      }
    },
    STREAM {
      @Override void run(Path target, RuntimeException or, IOException checked) throws IOException {
        AtomicFileOutputStream.atomicWrite(target, out -> {
          out.write(NEW.getBytes(UTF_8));
          throwIt(or, checked);
        });
      }
    };

    abstract void run(Path target, RuntimeException unchecked, IOException checked) throws IOException;

    static void throwIt(RuntimeException unchecked, IOException checked) throws IOException {
      if (unchecked != null) {
        throw unchecked;
      }
      throw checked;
    }
  }

  @ParameterizedTest
  @EnumSource(Lambda.class)
  void bodyExceptionIsRethrownUnchangedWithTheFailedCleanupSuppressed(Lambda form) throws IOException {
    try (FaultyFileSystem fs = withOld(Fault.failDelete(TEMPS))) {
      IOException checked = new IOException("the body failed");
      IOException thrown = assertThrows(IOException.class, () -> form.run(fs.root().resolve(TARGET), null, checked));
      assertThat(thrown).isSameAs(checked).hasMessage("the body failed");
      assertThat(thrown.getSuppressed()).singleElement()
          .satisfies(s -> assertThat(s).isInstanceOf(IOException.class).hasMessageContaining("injected"));

      UncheckedIOException unchecked = new UncheckedIOException(new IOException("unchecked"));
      UncheckedIOException thrown2 = assertThrows(UncheckedIOException.class,
          () -> form.run(fs.root().resolve(TARGET), unchecked, null));
      assertThat(thrown2).isSameAs(unchecked);
      assertThat(thrown2.getSuppressed()).singleElement()
          .satisfies(s -> assertThat(s).hasMessageContaining("injected"));

      assertThat(Files.readString(dir.resolve(TARGET))).isEqualTo(OLD);
      assertThat(fs.injected()).hasSize(2); // one failed delete of each temp, not retried
    }
  }

  @Test
  void failedWriteWithAFailedCleanupCarriesTheCleanupAsSuppressed() throws IOException {
    try (FaultyFileSystem fs = withOld(Fault.diskFullAfter(3, TEMPS), Fault.failDelete(TEMPS))) {
      IOException e = assertThrows(IOException.class, () -> AtomicFileWriter.atomicWrite(fs.root().resolve(TARGET), NEW));
      assertThat(e).hasMessageContaining("No space left on device");
      assertThat(e.getSuppressed()).singleElement().satisfies(s -> assertThat(s).hasMessageContaining("injected"));
      assertThat(Files.readString(dir.resolve(TARGET))).isEqualTo(OLD);
    }
  }

  @Test
  void failedSyncWithAFailedCleanupCarriesTheCleanupAsSuppressed() throws IOException {
    try (FaultyFileSystem fs = withOld(Fault.failSync(TEMPS), Fault.failDelete(TEMPS))) {
      IOException e = assertThrows(IOException.class, () -> AtomicFileWriter.atomicWrite(fs.root().resolve(TARGET), NEW));
      assertThat(e).hasMessageContaining("fsync");
      assertThat(e.getSuppressed()).singleElement().satisfies(s -> assertThat(s).hasMessageContaining("delete"));
      assertThat(Files.readString(dir.resolve(TARGET))).isEqualTo(OLD);
      assertThat(count(fs.operations(), "fsync /.tmp-")).isEqualTo(1);
    }
  }
}
