package io.htmlgraph.atomic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.htmlgraph.atomic.internal.LockFileTable;
import io.htmlgraph.atomic.internal.LockFiles;
import io.htmlgraph.atomic.internal.NetworkFileSystemTypes;
import io.htmlgraph.atomic.internal.OwnerRecords;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** DirectoryLocker within one JVM: the original's scenarios, then every rule of the class javadoc. */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class DirectoryLockerTest {
  private static final Duration SHORT = Duration.ofMillis(100);

  @TempDir Path tmp;

  // ---------------------------------------------------------------------------------------------
  // The original's scenarios

  @Test
  void constructorCreatesTheLockDirectoryAndItsParents() throws Exception {
    Path dir = tmp.resolve("a/b/.locks");
    DirectoryLocker locker = new DirectoryLocker(dir);
    assertThat(dir).isDirectory();
    assertThat(locker.lockDir()).isEqualTo(dir);
    assertThat(dir.resolve(".lock")).isRegularFile().isEmptyFile();
  }

  @Test
  void acquiresAndReleasesTheExclusiveLock() throws Exception {
    DirectoryLocker locker = new DirectoryLocker(tmp);
    assertThat(locker.acquireExclusiveLock()).isTrue();
    assertThat(locker.heldMode()).contains(LockMode.EXCLUSIVE);
    locker.releaseLock();
    assertThat(locker.heldMode()).isEmpty();
  }

  @Test
  void acquiresAndReleasesTheSharedLock() throws Exception {
    DirectoryLocker locker = new DirectoryLocker(tmp);
    assertThat(locker.acquireSharedLock()).isTrue();
    assertThat(locker.heldMode()).contains(LockMode.SHARED);
    locker.releaseLock();
    assertThat(locker.heldMode()).isEmpty();
  }

  @Test
  void twoLockersBothGetTheSharedLock() throws Exception {
    DirectoryLocker a = new DirectoryLocker(tmp);
    DirectoryLocker b = new DirectoryLocker(tmp);
    assertThat(a.acquireSharedLock(SHORT)).isTrue();
    assertThat(b.acquireSharedLock(SHORT)).isTrue();
    a.releaseLock();
    b.releaseLock();
  }

  @Test
  void exclusiveLockKeepsOutAnotherLockersExclusiveLock() throws Exception {
    DirectoryLocker a = new DirectoryLocker(tmp);
    DirectoryLocker b = new DirectoryLocker(tmp);
    assertThat(a.acquireExclusiveLock(SHORT)).isTrue();
    long t0 = System.nanoTime();
    assertThat(b.acquireExclusiveLock(SHORT)).isFalse();
    assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(SHORT.toNanos());
    a.releaseLock();
    assertThat(b.acquireExclusiveLock(SHORT)).isTrue();
    b.releaseLock();
  }

  @Test
  void exclusiveLockKeepsOutSharedAndSharedKeepsOutExclusive() throws Exception {
    DirectoryLocker a = new DirectoryLocker(tmp);
    DirectoryLocker b = new DirectoryLocker(tmp);
    assertThat(a.acquireExclusiveLock(SHORT)).isTrue();
    assertThat(b.acquireSharedLock(SHORT)).isFalse();
    a.releaseLock();
    assertThat(a.acquireSharedLock(SHORT)).isTrue();
    assertThat(b.acquireExclusiveLock(SHORT)).isFalse();
    a.releaseLock();
    assertThat(b.acquireExclusiveLock(SHORT)).isTrue();
    b.releaseLock();
  }

  @Test
  void releaseWhenNothingIsHeldIsSafe() throws Exception {
    DirectoryLocker locker = new DirectoryLocker(tmp);
    locker.releaseLock();
    locker.releaseLock();
    assertThat(locker.heldMode()).isEmpty();
    assertThat(locker.acquireExclusiveLock(SHORT)).isTrue();
    locker.releaseLock();
    locker.releaseLock();
    assertThat(new DirectoryLocker(tmp).acquireExclusiveLock(Duration.ZERO)).isTrue();
  }

  @Test
  void theLockFileIsNeverDeleted() throws Exception {
    DirectoryLocker locker = new DirectoryLocker(tmp);
    Object inode = Files.readAttributes(tmp.resolve(".lock"), "unix:ino").get("ino");
    for (int i = 0; i < 3; i++) {
      assertThat(locker.acquireExclusiveLock(SHORT)).isTrue();
      locker.releaseLock();
      assertThat(locker.acquireSharedLock(SHORT)).isTrue();
      locker.releaseLock();
    }
    assertThat(tmp.resolve(".lock")).isRegularFile();
    assertThat(Files.readAttributes(tmp.resolve(".lock"), "unix:ino").get("ino")).isEqualTo(inode);
  }

  @Test
  void lockersReachingOneDirectoryByDifferentPathsShareOneLock() throws Exception {
    Path real = Files.createDirectory(tmp.resolve("real"));
    Path link = Files.createSymbolicLink(tmp.resolve("link"), real);
    DirectoryLocker direct = new DirectoryLocker(real);
    DirectoryLocker viaLink = new DirectoryLocker(link);
    DirectoryLocker relative = new DirectoryLocker(tmp.resolve("real/../real"));
    assertThat(direct.acquireExclusiveLock(SHORT)).isTrue();
    // no OverlappingFileLockException: the JVM-wide table knows it is the same file
    assertThat(viaLink.acquireExclusiveLock(SHORT)).isFalse();
    assertThat(relative.acquireSharedLock(Duration.ZERO)).isFalse();
    direct.releaseLock();
    assertThat(viaLink.acquireSharedLock(SHORT)).isTrue();
    assertThat(relative.acquireSharedLock(SHORT)).isTrue();
    assertThat(direct.acquireExclusiveLock(Duration.ZERO)).isFalse();
    viaLink.releaseLock();
    relative.releaseLock();
  }

  @Test
  void anUnusedLockFileIsClosedAfterAWhileAndWorksAgainAfter() throws Exception {
    DirectoryLocker locker = new DirectoryLocker(tmp);
    Object key = LockFiles.keyOf(tmp.resolve(".lock"));
    assertThat(locker.acquireExclusiveLock(SHORT)).isTrue();
    assertThat(LockFileTable.peek(key)).isNotNull();
    locker.releaseLock();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (LockFileTable.peek(key) != null && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(LockFileTable.peek(key)).as("channel closed").isNull();
    DirectoryLocker other = new DirectoryLocker(tmp);
    assertThat(locker.acquireSharedLock(SHORT)).isTrue();
    assertThat(other.acquireExclusiveLock(Duration.ZERO)).isFalse();
    locker.releaseLock();
  }

  // ---------------------------------------------------------------------------------------------
  // Timeouts

  @Test
  void zeroOrNegativeTimeoutTriesOnce() throws Exception {
    DirectoryLocker a = new DirectoryLocker(tmp);
    DirectoryLocker b = new DirectoryLocker(tmp);
    assertThat(b.acquireExclusiveLock(Duration.ZERO)).isTrue();
    b.releaseLock();
    assertThat(a.acquireExclusiveLock(SHORT)).isTrue();
    long t0 = System.nanoTime();
    assertThat(b.acquireExclusiveLock(Duration.ZERO)).isFalse();
    assertThat(b.acquireSharedLock(Duration.ofSeconds(-5))).isFalse();
    // neither waited for the holder (one would have waited 5 s)
    assertThat(System.nanoTime() - t0).isLessThan(TimeUnit.SECONDS.toNanos(1));
    a.releaseLock();
    assertThat(b.acquireSharedLock(Duration.ofSeconds(-1))).isTrue();
    b.releaseLock();
  }

  @Test
  void handleFormThrowsLockTimeoutExceptionNamingTheHolder() throws Exception {
    DirectoryLocker a = new DirectoryLocker(tmp);
    DirectoryLocker b = new DirectoryLocker(tmp);
    try (DirectoryLock held = a.lockExclusive(SHORT)) {
      assertThatThrownBy(() -> b.lockShared(SHORT))
          .isInstanceOf(LockTimeoutException.class)
          .hasMessageContaining("pid " + ProcessHandle.current().pid())
          .satisfies(e -> {
            LockTimeoutException lte = (LockTimeoutException) e;
            assertThat(lte.mode()).isEqualTo(LockMode.SHARED);
            assertThat(lte.lockDir()).isEqualTo(tmp);
            assertThat(lte.holder()).map(LockOwner::mode).contains(LockMode.EXCLUSIVE);
          });
      assertThat(b.heldMode()).isEmpty();
    }
    try (DirectoryLock lock = b.lockExclusive(Duration.ZERO)) {
      assertThat(lock.isHeld()).isTrue();
    }
  }

  @Test
  void aWaiterGetsTheLockAsSoonAsItIsReleased() throws Exception {
    DirectoryLocker a = new DirectoryLocker(tmp);
    DirectoryLocker b = new DirectoryLocker(tmp);
    assertThat(a.acquireExclusiveLock(SHORT)).isTrue();
    AtomicLong gotAt = new AtomicLong();
    CompletableFuture<Boolean> waiter = CompletableFuture.supplyAsync(() -> {
      boolean ok = b.acquireExclusiveLock(Duration.ofSeconds(10));
      gotAt.set(System.nanoTime());
      return ok;
    });
    Thread.sleep(200);
    assertThat(waiter).isNotDone();
    long releasedAt = System.nanoTime();
    a.releaseLock();
    assertThat(waiter.get(5, TimeUnit.SECONDS)).isTrue();
    assertThat(gotAt.get() - releasedAt).isLessThan(TimeUnit.MILLISECONDS.toNanos(500));
    b.releaseLock();
  }

  // ---------------------------------------------------------------------------------------------
  // Owner, reentrancy, upgrade

  @Test
  void reacquiringTheSameModeIsCountedAndNeedsAsManyReleases() throws Exception {
    DirectoryLocker a = new DirectoryLocker(tmp);
    DirectoryLocker b = new DirectoryLocker(tmp);
    assertThat(a.acquireExclusiveLock(SHORT)).isTrue();
    assertThat(a.acquireExclusiveLock(Duration.ZERO)).isTrue();
    a.releaseLock();
    assertThat(b.acquireSharedLock(Duration.ZERO)).isFalse();
    a.releaseLock();
    assertThat(b.acquireSharedLock(Duration.ZERO)).isTrue();
    b.releaseLock();
  }

  @Test
  void anExclusiveHolderMayAlsoTakeSharedAndStaysExclusive() throws Exception {
    DirectoryLocker a = new DirectoryLocker(tmp);
    DirectoryLocker b = new DirectoryLocker(tmp);
    try (DirectoryLock outer = a.lockExclusive(SHORT)) {
      try (DirectoryLock inner = a.lockShared(Duration.ZERO)) {
        assertThat(a.heldMode()).contains(LockMode.EXCLUSIVE);
        assertThat(b.acquireSharedLock(Duration.ZERO)).isFalse();
      }
      assertThat(outer.isHeld()).isTrue();
      assertThat(b.acquireSharedLock(Duration.ZERO)).isFalse();
    }
    assertThat(b.acquireSharedLock(Duration.ZERO)).isTrue();
    b.releaseLock();
  }

  @Test
  void upgradeFromSharedToExclusiveIsRefused() throws Exception {
    DirectoryLocker a = new DirectoryLocker(tmp);
    DirectoryLocker b = new DirectoryLocker(tmp);
    assertThat(a.acquireSharedLock(SHORT)).isTrue();
    assertThatThrownBy(() -> a.acquireExclusiveLock(SHORT))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("no upgrade");
    assertThatThrownBy(() -> a.lockExclusive(SHORT)).isInstanceOf(IllegalStateException.class);
    assertThat(a.heldMode()).contains(LockMode.SHARED);
    assertThat(b.acquireSharedLock(Duration.ZERO)).isTrue();
    b.releaseLock();
    a.releaseLock();
    assertThat(b.acquireExclusiveLock(Duration.ZERO)).isTrue();
    b.releaseLock();
  }

  @Test
  void threadsSharingOneLockerShareItsHolds() throws Exception {
    DirectoryLocker shared = new DirectoryLocker(tmp);
    assertThat(shared.acquireExclusiveLock(SHORT)).isTrue();
    boolean otherThread = CompletableFuture.supplyAsync(() -> shared.acquireExclusiveLock(Duration.ZERO)).get();
    assertThat(otherThread).isTrue();
    shared.releaseLock();
    shared.releaseLock();
    assertThat(shared.heldMode()).isEmpty();
  }

  @Test
  void closingAHandleTwiceReleasesOnce() throws Exception {
    DirectoryLocker a = new DirectoryLocker(tmp);
    DirectoryLocker b = new DirectoryLocker(tmp);
    DirectoryLock outer = a.lockShared(SHORT);
    DirectoryLock inner = a.lockShared(SHORT);
    inner.close();
    inner.close();
    assertThat(inner.isHeld()).isFalse();
    assertThat(outer.isHeld()).isTrue();
    assertThat(b.acquireExclusiveLock(Duration.ZERO)).isFalse();
    outer.close();
    assertThat(b.acquireExclusiveLock(Duration.ZERO)).isTrue();
    b.releaseLock();
  }

  @Test
  void aStaleHandleDoesNotReleaseALaterHold() throws Exception {
    DirectoryLocker a = new DirectoryLocker(tmp);
    DirectoryLocker b = new DirectoryLocker(tmp);
    DirectoryLock first = a.lockExclusive(SHORT);
    a.releaseLock();
    DirectoryLock second = a.lockExclusive(SHORT);
    first.close();
    assertThat(second.isHeld()).isTrue();
    assertThat(b.acquireSharedLock(Duration.ZERO)).isFalse();
    second.close();
    assertThat(b.acquireSharedLock(Duration.ZERO)).isTrue();
    b.releaseLock();
  }

  @Test
  void ownerNamesThisProcessWhileHeldAndNothingAfter() throws Exception {
    DirectoryLocker a = new DirectoryLocker(tmp);
    DirectoryLocker b = new DirectoryLocker(tmp);
    assertThat(b.owner()).isEmpty();
    Instant before = Instant.now();
    try (DirectoryLock lock = a.lockExclusive(SHORT)) {
      Optional<LockOwner> owner = b.owner();
      assertThat(owner).isPresent();
      assertThat(owner.get().pid()).isEqualTo(ProcessHandle.current().pid());
      assertThat(owner.get().host()).isEqualTo(OwnerRecords.host());
      assertThat(owner.get().mode()).isEqualTo(LockMode.EXCLUSIVE);
      assertThat(owner.get().since()).isBetween(before.minusMillis(1), Instant.now());
      // the record on disk, written by the holder for other processes
      Path record = tmp.resolve(".lock.owner");
      awaitFile(record);
      assertThat(OwnerRecords.read(record)).contains(owner.get());
      assertThat(Files.readSymbolicLink(record).toString()).startsWith(ProcessHandle.current().pid() + "@").contains(" exclusive ");
    }
    assertThat(b.owner()).isEmpty();
    assertThat(tmp.resolve(".lock.owner")).doesNotExist();
    assertThat(Files.isSymbolicLink(tmp.resolve(".lock.owner"))).isFalse();
    assertThat(tmp.resolve(".lock")).exists();
  }

  @Test
  void ownerIgnoresARecordLeftByADeadProcess() throws Exception {
    DirectoryLocker a = new DirectoryLocker(tmp);
    Process dead = new ProcessBuilder("true").start(); // any process that has ended: its pid
    dead.waitFor();
    Instant since = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS); // as records keep it
    LockOwner stale = new LockOwner(dead.pid(), OwnerRecords.host(), LockMode.EXCLUSIVE, since);
    plantRecord(tmp, stale);
    assertThat(a.owner()).isEmpty();
    LockOwner elsewhere = new LockOwner(dead.pid(), "another-host.example", LockMode.SHARED, since);
    plantRecord(tmp, elsewhere);
    assertThat(a.owner()).contains(elsewhere);
    long me = ProcessHandle.current().pid();
    LockOwner myLeftover = new LockOwner(me, OwnerRecords.host(), LockMode.SHARED, since);
    plantRecord(tmp, myLeftover);
    assertThat(a.owner()).isEmpty();
    LockOwner samePidOtherHost = new LockOwner(me, "another-host.example", LockMode.SHARED, since);
    plantRecord(tmp, samePidOtherHost);
    assertThat(a.owner()).contains(samePidOtherHost);
    // the next holder replaces the record
    try (DirectoryLock lock = a.lockShared(SHORT)) {
      awaitRecordOf(tmp.resolve(".lock.owner"), ProcessHandle.current().pid());
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Interrupts

  @Test
  void anInterruptStopsAWaiterPromptlyAndKeepsItsStatus() throws Exception {
    DirectoryLocker a = new DirectoryLocker(tmp);
    DirectoryLocker b = new DirectoryLocker(tmp);
    assertThat(a.acquireExclusiveLock(SHORT)).isTrue();
    AtomicBoolean result = new AtomicBoolean(true);
    AtomicBoolean statusKept = new AtomicBoolean();
    AtomicLong returnedAt = new AtomicLong();
    Thread waiter = new Thread(() -> {
      result.set(b.acquireExclusiveLock(Duration.ofSeconds(30)));
      returnedAt.set(System.nanoTime());
      statusKept.set(Thread.currentThread().isInterrupted());
    });
    waiter.start();
    Thread.sleep(200);
    long interruptedAt = System.nanoTime();
    waiter.interrupt();
    waiter.join(5000);
    assertThat(waiter.isAlive()).isFalse();
    assertThat(result.get()).isFalse();
    assertThat(statusKept.get()).isTrue();
    assertThat(returnedAt.get() - interruptedAt).isLessThan(TimeUnit.MILLISECONDS.toNanos(500));
    assertThat(b.heldMode()).isEmpty();
    a.releaseLock();
    assertThat(b.acquireExclusiveLock(Duration.ZERO)).isTrue();
    b.releaseLock();
  }

  @Test
  void anInterruptedThreadDoesNotAcquireEvenAFreeLock() throws Exception {
    DirectoryLocker a = new DirectoryLocker(tmp);
    DirectoryLocker b = new DirectoryLocker(tmp);
    Thread.currentThread().interrupt();
    try {
      assertThat(a.acquireExclusiveLock(SHORT)).isFalse();
      assertThat(Thread.currentThread().isInterrupted()).isTrue();
      assertThatThrownBy(() -> a.lockShared(Duration.ZERO)).isInstanceOf(InterruptedIOException.class);
      assertThat(Thread.currentThread().isInterrupted()).isTrue();
    } finally {
      Thread.interrupted();
    }
    assertThat(a.heldMode()).isEmpty();
    assertThat(b.acquireExclusiveLock(Duration.ZERO)).isTrue();
    b.releaseLock();
  }

  @Test
  void handleFormThrowsInterruptedIOExceptionForAnInterruptedWaiter() throws Exception {
    DirectoryLocker a = new DirectoryLocker(tmp);
    DirectoryLocker b = new DirectoryLocker(tmp);
    assertThat(a.acquireSharedLock(SHORT)).isTrue();
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    AtomicBoolean statusKept = new AtomicBoolean();
    Thread waiter = new Thread(() -> {
      try {
        b.lockExclusive(Duration.ofSeconds(30)).close();
      } catch (Throwable e) {
        thrown.set(e);
        statusKept.set(Thread.currentThread().isInterrupted());
      }
    });
    waiter.start();
    Thread.sleep(200);
    waiter.interrupt();
    waiter.join(5000);
    assertThat(thrown.get()).isInstanceOf(InterruptedIOException.class);
    assertThat(statusKept.get()).isTrue();
    a.releaseLock();
  }

  @Test
  void anInterruptOfTheHolderDoesNotReleaseTheLock() throws Exception {
    DirectoryLocker a = new DirectoryLocker(tmp);
    DirectoryLocker b = new DirectoryLocker(tmp);
    CountDownLatch held = new CountDownLatch(1);
    CountDownLatch done = new CountDownLatch(1);
    Thread holder = new Thread(() -> {
      assertThat(a.acquireExclusiveLock(SHORT)).isTrue();
      held.countDown();
      try {
        Thread.sleep(60_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      // interrupted holder keeps using the locker
      a.acquireSharedLock(Duration.ZERO);
      done.countDown();
    });
    holder.start();
    held.await();
    holder.interrupt();
    done.await();
    holder.join();
    assertThat(a.heldMode()).contains(LockMode.EXCLUSIVE);
    assertThat(b.acquireSharedLock(SHORT)).isFalse();
    a.releaseLock();
    assertThat(b.acquireSharedLock(SHORT)).isTrue();
    b.releaseLock();
  }

  // ---------------------------------------------------------------------------------------------
  // Fairness and contention between threads

  @Test
  void aStreamOfReadersDoesNotStarveAWaitingWriter() throws Exception {
    DirectoryLocker reader1 = new DirectoryLocker(tmp);
    DirectoryLocker writer = new DirectoryLocker(tmp);
    assertThat(reader1.acquireSharedLock(SHORT)).isTrue();
    CompletableFuture<Boolean> w = CompletableFuture.supplyAsync(() -> writer.acquireExclusiveLock(Duration.ofSeconds(20)));
    Thread.sleep(200);
    // a new reader now queues behind the waiting writer, though only readers hold the lock
    DirectoryLocker reader2 = new DirectoryLocker(tmp);
    assertThat(reader2.acquireSharedLock(SHORT)).isFalse();
    assertThat(w).isNotDone();
    reader1.releaseLock();
    assertThat(w.get(5, TimeUnit.SECONDS)).isTrue();
    assertThat(reader2.acquireSharedLock(Duration.ZERO)).isFalse();
    writer.releaseLock();
    assertThat(reader2.acquireSharedLock(SHORT)).isTrue();
    reader2.releaseLock();
  }

  @Test
  void eightThreadsNeverOverlapAnExclusiveHold() throws Exception {
    AtomicInteger readers = new AtomicInteger();
    AtomicInteger writers = new AtomicInteger();
    AtomicInteger overlaps = new AtomicInteger();
    AtomicInteger readersTogether = new AtomicInteger();
    AtomicInteger holds = new AtomicInteger();
    List<Thread> threads = new java.util.ArrayList<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    for (int t = 0; t < 8; t++) {
      int seed = t;
      Thread th = new Thread(() -> {
        try {
          DirectoryLocker locker = new DirectoryLocker(tmp);
          java.util.Random random = new java.util.Random(seed);
          for (int i = 0; i < 300 && System.nanoTime() < deadline; i++) {
            boolean exclusive = random.nextInt(4) == 0;
            try (DirectoryLock lock = exclusive ? locker.lockExclusive(Duration.ofSeconds(10)) : locker.lockShared(Duration.ofSeconds(10))) {
              holds.incrementAndGet();
              if (exclusive) {
                if (writers.incrementAndGet() != 1 || readers.get() != 0) {
                  overlaps.incrementAndGet();
                }
                Thread.onSpinWait();
                writers.decrementAndGet();
              } else {
                if (readers.incrementAndGet() > 1) {
                  readersTogether.incrementAndGet();
                }
                if (writers.get() != 0) {
                  overlaps.incrementAndGet();
                }
                java.util.concurrent.locks.LockSupport.parkNanos(random.nextInt(200_000));
                readers.decrementAndGet();
              }
            }
          }
        } catch (Exception e) {
          overlaps.addAndGet(1_000_000);
          e.printStackTrace();
        }
      });
      threads.add(th);
      th.start();
    }
    for (Thread th : threads) {
      th.join();
    }
    assertThat(overlaps.get()).isZero();
    assertThat(holds.get()).isGreaterThan(100);
    assertThat(readersTogether.get()).isPositive();
  }

  // ---------------------------------------------------------------------------------------------
  // Bad input, network file systems

  @Test
  void badArgumentsAreRefusedClearly() throws Exception {
    assertThatThrownBy(() -> new DirectoryLocker(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> new DirectoryLocker(Path.of(""))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new DirectoryLocker(tmp, null)).isInstanceOf(NullPointerException.class);
    DirectoryLocker locker = new DirectoryLocker(tmp);
    assertThatThrownBy(() -> locker.acquireExclusiveLock(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> locker.lockShared(null)).isInstanceOf(NullPointerException.class);
    assertThat(locker.heldMode()).isEmpty();
  }

  @Test
  void aFileWhereTheDirectoryShouldBeIsRefusedAndLeftAlone() throws Exception {
    Path file = tmp.resolve("file");
    Files.writeString(file, "data");
    assertThatThrownBy(() -> new DirectoryLocker(file)).isInstanceOf(NotDirectoryException.class);
    assertThatThrownBy(() -> new DirectoryLocker(file.resolve("sub"))).isInstanceOf(NotDirectoryException.class);
    assertThat(Files.readString(file)).isEqualTo("data");
    try (var list = Files.list(tmp)) {
      assertThat(list).containsExactly(file);
    }
  }

  @Test
  void hugeTimeoutsDoNotOverflow() throws Exception {
    DirectoryLocker locker = new DirectoryLocker(tmp);
    assertThat(locker.acquireExclusiveLock(Duration.ofSeconds(Long.MAX_VALUE))).isTrue();
    locker.releaseLock();
    assertThat(locker.acquireSharedLock(Duration.ofSeconds(Long.MIN_VALUE))).isTrue();
    locker.releaseLock();
  }

  @Test
  void networkFileSystemTypesAreRecognised() {
    for (String t : List.of("nfs", "nfs4", "NFS4", "cifs", "smb3", "smbfs", "fuse.sshfs", "sshfs", "9p", "afs", "davfs")) {
      assertThat(NetworkFileSystemTypes.isNetwork(t)).as(t).isTrue();
    }
    for (String t : List.of("ext4", "xfs", "btrfs", "tmpfs", "overlay", "zfs", "fuse", "apfs", "NTFS")) {
      assertThat(NetworkFileSystemTypes.isNetwork(t)).as(t).isFalse();
    }
    assertThat(NetworkFileSystemTypes.isNetwork(null)).isFalse();
  }

  @Test
  void aNetworkFileSystemIsWarnedAboutOncePerDirectory() {
    Path dir = tmp.resolve("on-nfs");
    assertThat(NetworkFileSystemTypes.warnOnce(dir, "nfs4")).isTrue();
    assertThat(NetworkFileSystemTypes.warnOnce(dir, "nfs4")).isFalse();
    assertThat(NetworkFileSystemTypes.warnOnce(tmp.resolve("on-nfs/../on-nfs"), "nfs4")).isFalse();
    assertThat(NetworkFileSystemTypes.warnOnce(tmp.resolve("other"), "nfs4")).isTrue();
  }

  @Test
  void refusingNetworkFileSystemsStillAcceptsALocalOne() throws Exception {
    LockOptions refuse = LockOptions.builder().networkFileSystems(LockOptions.NetworkFileSystems.REFUSE).build();
    assertThat(refuse.networkFileSystems()).isEqualTo(LockOptions.NetworkFileSystems.REFUSE);
    assertThat(LockOptions.defaults().networkFileSystems()).isEqualTo(LockOptions.NetworkFileSystems.WARN);
    assertThat(refuse).isEqualTo(LockOptions.builder().networkFileSystems(LockOptions.NetworkFileSystems.REFUSE).build())
        .hasSameHashCodeAs(LockOptions.builder().networkFileSystems(LockOptions.NetworkFileSystems.REFUSE).build())
        .isNotEqualTo(LockOptions.defaults()).hasToString("LockOptions[networkFileSystems=REFUSE]");
    assertThat(LockOptions.builder().build()).isEqualTo(LockOptions.defaults());
    assertThat(NetworkFileSystemTypes.isNetwork(Files.getFileStore(tmp).type())).isFalse();
    DirectoryLocker locker = new DirectoryLocker(tmp.resolve("local"), refuse);
    assertThat(locker.acquireExclusiveLock(SHORT)).isTrue();
    locker.releaseLock();
  }

  @Test
  void ownerRecordTextRoundTrips() {
    LockOwner o = new LockOwner(42, "h", LockMode.SHARED, Instant.parse("2026-11-25T18:00:00.123Z"));
    assertThat(OwnerRecords.format(o)).isEqualTo("42@h shared 2026-11-25T18:00:00.123Z");
    assertThat(OwnerRecords.parse(OwnerRecords.format(o))).contains(o);
    // short enough for ext4 to keep the link in its inode (see OwnerRecords)
    LockOwner typical = OwnerRecords.self(LockMode.EXCLUSIVE, Instant.now());
    assertThat(OwnerRecords.format(new LockOwner(4194304, "build-host-07", LockMode.EXCLUSIVE, typical.since())))
        .hasSizeLessThan(60);
    assertThat(OwnerRecords.parse(OwnerRecords.format(typical))).contains(typical);
    assertThat(typical.since().getNano() % 1_000_000).isZero();
    for (String notOne : List.of("garbage", "", "42@h shared", "42@ shared 2026-11-25T18:00:00Z", "@h shared 2026-11-25T18:00:00Z",
        "x@h shared 2026-11-25T18:00:00Z", "42@h both 2026-11-25T18:00:00Z", "42@h shared yesterday", "42@h  shared 2026-11-25T18:00:00Z")) {
      assertThat(OwnerRecords.parse(notOne)).as(notOne).isEmpty();
    }
    assertThat(OwnerRecords.recordOf(tmp.resolve(".lock"))).isEqualTo(tmp.resolve(".lock.owner"));
  }

  static void awaitFile(Path p) throws InterruptedException {
    for (int i = 0; i < 500 && !Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS); i++) {
      Thread.sleep(10);
    }
    assertThat(Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)).as("%s exists", p).isTrue();
  }

  static void awaitRecordOf(Path record, long pid) throws Exception {
    for (int i = 0; i < 500; i++) {
      Optional<LockOwner> o = OwnerRecords.read(record);
      if (o.isPresent() && o.get().pid() == pid) {
        return;
      }
      Thread.sleep(10);
    }
    throw new AssertionError("no owner record of pid " + pid + " in " + record);
  }

  /** Puts {@code owner}'s record in {@code dir}, as a holder of another process would have. */
  static void plantRecord(Path dir, LockOwner owner) throws java.io.IOException {
    Path record = dir.resolve(".lock.owner");
    Files.deleteIfExists(record);
    Files.createSymbolicLink(record, Path.of(OwnerRecords.format(owner)));
  }
}
