package io.htmlgraph.atomic.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sweep of orphaned private directories ({@code .tmp-*} directories, see {@link PrivateDirs})
 * removes the files in one. Root sweeps every user's, and a directory's owner can rename it between
 * any two system calls of the sweeper: swapped for a link to another directory after it was listed,
 * a sweep that removes its files by path removes the files of the directory the link leads to. Here
 * one thread does the swapping (what that owner would do) while the sweep runs again and again; the
 * other directory must keep every file. Bounded to a few seconds.
 */
@Timeout(60)
class PrivateDirSweepRaceTest {
  private static final Duration RUN = Duration.ofSeconds(4);

  @TempDir Path tmp;

  @Test
  void aPrivateDirectorySwappedForALinkNeverLetsTheSweepRemoveWhatTheLinkLeadsTo() throws Exception {
    Path victim = Files.createDirectory(tmp.resolve("victim"));
    Files.writeString(victim.resolve(PrivateDirs.MARK), "");
    Files.writeString(victim.resolve("precious"), "keep me");
    Path shared = Files.createDirectory(tmp.resolve("shared"));
    Path p = shared.resolve(".tmp-1700000000000000-evil.tmp");
    Path aside = shared.resolve("aside");
    Path link = Files.createSymbolicLink(shared.resolve("link"), victim);
    FileTime old = FileTime.from(Instant.now().minus(Duration.ofDays(2)));

    AtomicBoolean stop = new AtomicBoolean();
    ReentrantLock still = new ReentrantLock(true); // held by the test while it refills the directory
    Thread swapper = new Thread(() -> {
      while (!stop.get()) {
        still.lock();
        try {
          if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
            Files.move(p, aside, StandardCopyOption.ATOMIC_MOVE);
            Files.move(link, p, StandardCopyOption.ATOMIC_MOVE);
            Thread.onSpinWait();
            Files.move(p, link, StandardCopyOption.ATOMIC_MOVE);
            Files.move(aside, p, StandardCopyOption.ATOMIC_MOVE);
          }
        } catch (IOException raced) {
          // the sweep removed something meanwhile: the test puts it back
        } finally {
          still.unlock();
        }
      }
    });
    swapper.setDaemon(true);
    swapper.start();
    int rounds = 0;
    try {
      long end = System.nanoTime() + RUN.toNanos();
      while (System.nanoTime() < end && Files.exists(victim.resolve("precious"))) {
        rounds++;
        still.lock();
        try {
          if (Files.isSymbolicLink(p)) {
            Files.move(p, link, StandardCopyOption.ATOMIC_MOVE);
          }
          if (Files.exists(aside, LinkOption.NOFOLLOW_LINKS)) {
            Files.move(aside, p, StandardCopyOption.ATOMIC_MOVE);
          }
          if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectory(p);
          }
          Files.setAttribute(p, "unix:mode", 0700);
          for (String n : new String[] {PrivateDirs.MARK, "precious"}) {
            if (!Files.exists(p.resolve(n), LinkOption.NOFOLLOW_LINKS)) {
              Files.writeString(p.resolve(n), "");
            }
          }
          Files.setLastModifiedTime(p, old);
        } finally {
          still.unlock();
        }
        try {
          PrivateDirs.removeIfOrphaned(p, Instant.now().minus(Duration.ofDays(1)), false);
        } catch (IOException raced) {
          // an error is fine; removing the other directory's files is not
        }
      }
    } finally {
      stop.set(true);
      swapper.join(5000);
    }
    assertThat(victim.resolve("precious")).as("after %d sweeps", rounds).hasContent("keep me");
    assertThat(victim.resolve(PrivateDirs.MARK)).exists();
    assertThat(victim).isDirectory();
    // and the directory the test made is an orphan the sweep removes when nobody swaps it
    if (Files.isSymbolicLink(p)) {
      Files.move(p, link, StandardCopyOption.ATOMIC_MOVE);
    }
    if (Files.exists(aside, LinkOption.NOFOLLOW_LINKS)) {
      Files.move(aside, p, StandardCopyOption.ATOMIC_MOVE);
    }
    if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
      Files.createDirectory(p);
    }
    Files.setAttribute(p, "unix:mode", 0700);
    Files.writeString(p.resolve(PrivateDirs.MARK), "");
    Files.writeString(p.resolve("precious"), "");
    Files.setLastModifiedTime(p, old);
    assertThat(PrivateDirs.removeIfOrphaned(p, Instant.now().minus(Duration.ofDays(1)), false)).isTrue();
    assertThat(p).doesNotExist();
  }
}
