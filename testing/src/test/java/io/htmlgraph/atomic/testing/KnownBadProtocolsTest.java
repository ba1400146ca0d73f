package io.htmlgraph.atomic.testing;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Tests of the tester: replacing a file in ways known to lose data on a power cut must be caught.
 * A simulator that finds nothing wrong with these is broken. The one correct protocol is the control.
 */
class KnownBadProtocolsTest {
  private static final String OLD = "old version of the file";
  private static final String NEW = "NEW VERSION, a little longer than the old";
  private static final String RETURNED = "returned";

  private static Path writeTemp(Path root, boolean sync) throws IOException {
    Path temp = root.resolve(".tmp-save");
    try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(NEW.getBytes(UTF_8)));
      if (sync) {
        ch.force(false);
      }
    }
    return temp;
  }

  private static void syncDir(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }

  enum Protocol {
    /** temp, fdatasync, rename, fsync(dir): the control, must pass. */
    CORRECT(Set.of()) {
      @Override
      void save(Path root) throws IOException {
        Files.move(writeTemp(root, true), root.resolve("data"), StandardCopyOption.ATOMIC_MOVE);
        syncDir(root);
      }
    },
    /** rename before the data reached the disk: the zero-length files of ext4 in 2009. */
    NO_DATA_SYNC_BEFORE_RENAME(EnumSet.of(Outcome.EMPTY, Outcome.ZEROS)) {
      @Override
      void save(Path root) throws IOException {
        Files.move(writeTemp(root, false), root.resolve("data"), StandardCopyOption.ATOMIC_MOVE);
        syncDir(root);
      }
    },
    /** the rename lives in the page cache: the old version comes back after the call returned. */
    NO_DIRECTORY_SYNC_AFTER_RENAME(EnumSet.of(Outcome.OLD)) {
      @Override
      void save(Path root) throws IOException {
        Files.move(writeTemp(root, true), root.resolve("data"), StandardCopyOption.ATOMIC_MOVE);
      }
    },
    /** truncate and rewrite the target itself, even with an fsync at the end. */
    OVERWRITE_IN_PLACE(EnumSet.of(Outcome.EMPTY, Outcome.ZEROS)) {
      @Override
      void save(Path root) throws IOException {
        try (FileChannel ch = FileChannel.open(root.resolve("data"), StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
          ch.write(ByteBuffer.wrap(NEW.getBytes(UTF_8)));
          ch.force(true);
        }
      }
    },
    /** delete the target, then rename the temp: a moment with no file at all. */
    DELETE_THEN_RENAME(EnumSet.of(Outcome.ABSENT)) {
      @Override
      void save(Path root) throws IOException {
        Path temp = writeTemp(root, true);
        Files.delete(root.resolve("data"));
        Files.move(temp, root.resolve("data"), StandardCopyOption.ATOMIC_MOVE);
        syncDir(root);
      }
    },
    /** the JDK's REPLACE_EXISTING without ATOMIC_MOVE, which is delete-then-rename inside. */
    JDK_REPLACE_EXISTING_MOVE(EnumSet.of(Outcome.ABSENT)) {
      @Override
      void save(Path root) throws IOException {
        Files.move(writeTemp(root, true), root.resolve("data"), StandardCopyOption.REPLACE_EXISTING);
        syncDir(root);
      }
    };

    /** What a crash leaves that the protocol's flaw explains: the simulator must find one of them. */
    final Set<Outcome> flaw;

    Protocol(Set<Outcome> flaw) {
      this.flaw = flaw;
    }

    abstract void save(Path root) throws IOException;
  }

  @ParameterizedTest(name = "{0} under {1}")
  @EnumSource(Protocol.class)
  void strictModel(Protocol protocol) throws IOException {
    check(protocol, SyncModel.STRICT);
  }

  @ParameterizedTest(name = "{0} under {1}")
  @EnumSource(Protocol.class)
  void ext4LikeModel(Protocol protocol) throws IOException {
    check(protocol, SyncModel.EXT4_LIKE);
  }

  private static void check(Protocol protocol, SyncModel model) throws IOException {
    Outcomes seen = new Outcomes();
    CrashReport report = CrashSimulator.create().model(model)
        .setup(root -> Files.writeString(root.resolve("data"), OLD))
        .run(root -> {
          protocol.save(root);
          CrashSimulator.mark(root, RETURNED);
        }, state -> {
          Outcome o = Outcome.of(state, "data", OLD, NEW);
          seen.add(state, RETURNED, o);
          if (state.passed(RETURNED)) {
            assertThat(o).as("after save returned").isEqualTo(Outcome.NEW);
          } else {
            assertThat(o).as("while saving").isIn(Outcome.OLD, Outcome.NEW);
          }
        });
    System.out.println("[crashsim] known-bad protocol " + protocol + " (" + model + "): " + report.summary()
        + "; outcomes " + seen);
    if (protocol == Protocol.CORRECT) {
      report.assertNoViolations();
      assertThat(seen.after).containsExactly(Outcome.NEW);
      assertThat(seen.before).containsExactlyInAnyOrder(Outcome.OLD, Outcome.NEW);
    } else {
      assertThat(report.violationCount()).as("violations found in " + protocol).isPositive();
      Set<Outcome> all = EnumSet.noneOf(Outcome.class);
      all.addAll(seen.before);
      all.addAll(seen.after);
      assertThat(all).as("outcomes of " + protocol).containsAnyElementsOf(protocol.flaw);
    }
  }
}
