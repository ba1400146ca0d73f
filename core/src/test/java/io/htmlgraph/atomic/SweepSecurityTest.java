package io.htmlgraph.atomic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.htmlgraph.atomic.testsupport.ChildJvm;
import io.htmlgraph.atomic.testsupport.OtherUser;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sweep of orphaned temps meets names that other users may swap between two of its steps: it must
 * never block on them, never block this JVM's writers or lock releases, and never close a channel
 * through which this JVM holds a lock. Every wait is bounded: the failure caught here is a hang.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SweepSecurityTest {
  private static final Duration BOUND = Duration.ofSeconds(30);
  private static final FileTime LONG_AGO = FileTime.from(Instant.now().minus(Duration.ofDays(2)));

  @TempDir Path dir;
  private final List<Path> fifos = new ArrayList<>();

  @AfterEach
  void unblockReadersOfFifos() {
    // a sweep stuck in open(O_RDONLY) of a FIFO (the failure under test) is released by a writer;
    // a read-write open is one, and never blocks itself
    for (Path fifo : fifos) {
      try (FileChannel ch = FileChannel.open(fifo, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
        ch.isOpen();
      } catch (IOException | RuntimeException gone) {
        // moved away or removed
      }
    }
  }

  private Path mkfifo(Path p) throws IOException, InterruptedException {
    assertThat(TestFiles.run("mkfifo", p.toString())).isZero();
    fifos.add(p);
    return p;
  }

  /**
   * The sweep checked a candidate with {@code lstat}, then opened it read-only: a FIFO swapped in
   * between made it wait for good, while it held a JVM-wide gate that every write of the JVM (and so
   * every lock release that had an owner record to write) then waited for.
   */
  @Test
  void aFifoSwappedInForATempNeverBlocksTheSweepNorThisJvmsWriters() throws Exception {
    Path name = dir.resolve(".tmp-swapped");
    Path regular = dir.resolve("staging-regular");
    Path fifo = mkfifo(dir.resolve("staging-fifo"));
    fifos.add(name);
    Path target = dir.resolve("data.txt");
    AtomicBoolean stop = new AtomicBoolean();
    AtomicReference<Throwable> swapperFailed = new AtomicReference<>();
    AtomicInteger swaps = new AtomicInteger();
    Thread swapper = new Thread(() -> {
      try {
        while (!stop.get()) {
          // The sweep removes what is at the name when it decides: the orphan, and now and then the
          // FIFO swapped in between its last check and its unlink (by name: there is no "unlink if
          // still this inode"). Whoever can swap it in could remove it himself. Make new ones.
          if (!Files.exists(regular)) {
            Files.writeString(regular, "orphan");
            Files.setLastModifiedTime(regular, LONG_AGO);
          }
          if (!Files.exists(fifo, LinkOption.NOFOLLOW_LINKS)) {
            mkfifo(fifo);
          }
          swap(fifo, name);
          swap(regular, name);
          swaps.incrementAndGet();
        }
      } catch (Throwable t) {
        swapperFailed.set(t);
      }
    }, "swapper");
    AtomicInteger sweeps = new AtomicInteger();
    AtomicBoolean sweeperDone = new AtomicBoolean();
    Thread sweeper = new Thread(() -> {
      try {
        while (!stop.get()) {
          AtomicFiles.cleanupOrphanedTempFiles(dir, Duration.ZERO);
          sweeps.incrementAndGet();
        }
        sweeperDone.set(true);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }, "sweeper");
    sweeper.setDaemon(true);
    swapper.start();
    sweeper.start();
    int writes = 0;
    try {
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
      int[] done = new int[1];
      assertTimeoutPreemptively(BOUND, () -> {
        while (System.nanoTime() < end) {
          AtomicFileWriter.atomicWrite(target, "write " + done[0]);
          done[0]++;
        }
      }, "writes while sweeps run");
      writes = done[0];
    } finally {
      stop.set(true);
      swapper.join(10_000);
    }
    sweeper.join(TimeUnit.SECONDS.toMillis(10));
    System.out.printf("%d sweeps, %d swaps, %d writes in 3 s%n", sweeps.get(), swaps.get(), writes);
    assertThat(swapperFailed.get()).isNull();
    assertThat(sweeperDone).as("every sweep ended").isTrue();
    assertThat(sweeps.get()).isPositive();
    assertThat(target).hasContent("write " + (writes - 1));
  }

  /** Moves {@code staging} to {@code name} and back, unless a sweep removed it meanwhile. */
  private static void swap(Path staging, Path name) throws IOException {
    Files.move(staging, name, StandardCopyOption.ATOMIC_MOVE);
    try {
      Files.move(name, staging, StandardCopyOption.ATOMIC_MOVE);
    } catch (NoSuchFileException swept) {
      // removed by the sweep
    }
  }

  /**
   * A second name ({@code .tmp-*}) of the lock file: the sweep opened it, could not lock it (this JVM
   * holds it) and closed it, and closing any channel to a file drops the process's locks on it.
   */
  @Test
  void aSweepNeverOpensAFileWithAnotherNameSoItCannotDropThisJvmsLock() throws Exception {
    DirectoryLocker holder = new DirectoryLocker(dir);
    // made before the lock is taken: Files.setLastModifiedTime opens the file, and its close would
    // drop the lock (an age of zero takes any file older than the sweep anyway)
    Path alias = Files.createLink(dir.resolve(".tmp-alias-of-lock"), dir.resolve(".lock"));
    try (DirectoryLock lock = holder.lockExclusive(Duration.ofSeconds(5))) {
      assertTimeoutPreemptively(BOUND, () -> AtomicFiles.cleanupOrphanedTempFiles(dir, Duration.ZERO));
      assertThat(alias).exists();
      try (ChildJvm other = ChildJvm.start(DirectoryLockerChild.class, "try", dir.toString(), "EXCLUSIVE", "300")) {
        assertThat(other.readLine()).startsWith("TIMEOUT");
        assertThat(other.waitFor(60)).isZero();
      }
    }
  }

  /**
   * A temp the sweeping user may not open for writing (a temp takes a read-only target's mode) is
   * left alone: its writer's lock cannot be tested without an open, and a read-only open could
   * block on a FIFO swapped in. As root, the sweep runs in a child JVM as {@code nobody} on a temp
   * of {@code nobody}; root's own sweep then removes it.
   */
  @Test
  void aTempTheSweeperMayNotOpenForWritingIsLeftAloneWithoutBlocking() throws Exception {
    Path shared = OtherUser.isRoot() ? OtherUser.sharedDirectory(dir, "shared") : Files.createDirectory(dir.resolve("shared"));
    Path readOnly = shared.resolve(".tmp-read-only");
    Path fifo = shared.resolve(".tmp-fifo");
    if (OtherUser.isRoot()) {
      OtherUser.plant("sh", "-c", "printf x > '" + readOnly + "' && chmod 0444 '" + readOnly + "' && mkfifo '" + fifo + "'"
          + " && touch -h -d '2 days ago' '" + readOnly + "' '" + fifo + "'");
      fifos.add(fifo);
      assertThat(sweepAsNobody(shared)).isEqualTo("REMOVED 0");
      assertThat(readOnly).exists();
      assertThat(Files.exists(fifo, LinkOption.NOFOLLOW_LINKS)).isTrue();
      // root may open it for writing: it can test the lock, and removes the orphan
      assertThat(assertTimeoutPreemptively(BOUND, () -> AtomicFiles.cleanupOrphanedTempFiles(shared, Duration.ZERO))).isEqualTo(1);
      assertThat(readOnly).doesNotExist();
    } else {
      Files.writeString(readOnly, "x");
      Files.setAttribute(readOnly, "unix:mode", 0444);
      Files.setLastModifiedTime(readOnly, LONG_AGO);
      mkfifo(fifo);
      assertThat(assertTimeoutPreemptively(BOUND, () -> AtomicFiles.cleanupOrphanedTempFiles(shared, Duration.ZERO))).isZero();
      assertThat(readOnly).exists();
    }
    assertThat(Files.exists(fifo, LinkOption.NOFOLLOW_LINKS)).isTrue();
  }

  /** @return what {@link SweepChild} printed, run as {@code nobody} on {@code shared} */
  private static String sweepAsNobody(Path shared) throws Exception {
    return assertTimeoutPreemptively(BOUND, () -> OtherUser.java(SweepChild.class, shared.toString()).output(),
        "a sweep as nobody did not end within " + BOUND);
  }
}
