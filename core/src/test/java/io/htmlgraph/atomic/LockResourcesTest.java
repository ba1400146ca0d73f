package io.htmlgraph.atomic;

import static org.assertj.core.api.Assertions.assertThat;

import io.htmlgraph.atomic.testsupport.ChildJvm;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Lock directories no longer in use hold no thread and no file descriptor beyond a small cache:
 * locking 5,000 directories in a row once peaked at about 640 threads and descriptors (one each per
 * directory, for 2 s after its release), and under {@code ulimit -n 256} failed with the misleading
 * "Mount point not found".
 */
@Timeout(value = 180, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class LockResourcesTest {
  private static final int DIRECTORIES = 5000;
  /** The unused lock files a JVM may keep open, plus room for the JVM's own comings and goings. */
  private static final int DESCRIPTOR_SLACK = 8 + 6;
  /** The lock daemon, plus room for threads the JVM starts by itself. */
  private static final int THREAD_SLACK = 1 + 3;

  @TempDir Path tmp;

  @Test
  void lockingThousandsOfDirectoriesInARowKeepsThreadsAndDescriptorsBounded() throws Exception {
    int threadsBefore = Thread.getAllStackTraces().size();
    long fdsBefore = DirectoryLockerChild.openDescriptors();
    int peakThreads = 0;
    long peakFds = 0;
    for (int i = 0; i < DIRECTORIES; i++) {
      DirectoryLocker locker = new DirectoryLocker(tmp.resolve("d" + i));
      assertThat(locker.acquireExclusiveLock(Duration.ofSeconds(5))).isTrue();
      locker.releaseLock();
      if (i % 100 == 0 || i == DIRECTORIES - 1) {
        peakThreads = Math.max(peakThreads, Thread.getAllStackTraces().size());
        peakFds = Math.max(peakFds, DirectoryLockerChild.openDescriptors());
      }
    }
    System.out.printf("%d directories locked in a row: threads %d -> peak %d, descriptors %d -> peak %d%n",
        DIRECTORIES, threadsBefore, peakThreads, fdsBefore, peakFds);
    assertThat(peakThreads).isLessThanOrEqualTo(threadsBefore + THREAD_SLACK);
    assertThat(peakFds).isLessThanOrEqualTo(fdsBefore + DESCRIPTOR_SLACK);
    // and the lock still works on the first one, whose channel was closed meanwhile
    DirectoryLocker first = new DirectoryLocker(tmp.resolve("d0"));
    assertThat(first.acquireSharedLock(Duration.ZERO)).isTrue();
    assertThat(new DirectoryLocker(tmp.resolve("d0")).acquireExclusiveLock(Duration.ZERO)).isFalse();
    first.releaseLock();
  }

  @Test
  void underUlimit256ThousandsOfDirectoriesLockAndRunningOutOfDescriptorsSaysSo() throws Exception {
    try (ChildJvm child = ChildJvm.startUnder("ulimit -n 256", DirectoryLockerChild.class, "many", tmp.toString(),
        Integer.toString(DIRECTORIES))) {
      String locked = child.readLine();
      System.out.println("child under ulimit -n 256: " + locked);
      assertThat(locked).startsWith("LOCKED " + DIRECTORIES + " ");
      String exhausted = child.readLine();
      System.out.println("child out of descriptors: " + exhausted);
      assertThat(exhausted).startsWith("ERROR ").contains("Too many open files").doesNotContain("Mount point not found");
      assertThat(child.waitFor(60)).isZero();
    }
  }
}
