package io.htmlgraph.atomic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.htmlgraph.atomic.testsupport.OtherUser;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fence file (beside an {@code AtomicJson} file, in {@code /tmp} say) that another user planted is
 * his to rename: swapped for a FIFO between the {@code lstat} that finds a regular file and the open,
 * an {@code O_RDONLY} open would block until a writer comes. One thread swaps, as that user would, while
 * {@link Fencing#recorded} reads again and again; every read must end (a token, or an error).
 */
@Timeout(60)
class FencingRaceTest {
  private static final Duration RUN = Duration.ofSeconds(3);

  @TempDir Path tmp;

  @Test
  void aFenceFileSwappedForAFifoNeverBlocksItsReader() throws Exception {
    OtherUser.assume();
    Path shared = OtherUser.sharedDirectory(tmp, "shared");
    Path fence = shared.resolve("data.json.fence");
    Path file = Files.writeString(shared.resolve("file"), "7\n");
    Path fifo = shared.resolve("fifo");
    OtherUser.plant("mkfifo", fifo.toString());
    Files.setAttribute(file, "unix:uid", OtherUser.UID, LinkOption.NOFOLLOW_LINKS);
    Files.copy(file, fence, StandardCopyOption.COPY_ATTRIBUTES);
    Files.setAttribute(fence, "unix:uid", OtherUser.UID, LinkOption.NOFOLLOW_LINKS);
    AtomicBoolean stop = new AtomicBoolean();
    Thread swapper = new Thread(() -> {
      boolean regular = true;
      while (!stop.get()) {
        try {
          // a hard link of each at the fence's name, in turn: rename(2) replaces it in one step
          Path tmpName = shared.resolve("next");
          Files.deleteIfExists(tmpName);
          Files.createLink(tmpName, regular ? fifo : file);
          Files.move(tmpName, fence, StandardCopyOption.ATOMIC_MOVE);
          regular = !regular;
        } catch (IOException raced) {
          // go on
        }
      }
    });
    swapper.setDaemon(true);
    swapper.start();
    int reads = 0;
    int tokens = 0;
    try {
      long end = System.nanoTime() + RUN.toNanos();
      while (System.nanoTime() < end) {
        reads++;
        Long token = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
          try {
            return Fencing.recorded(fence);
          } catch (IOException refused) {
            return null; // "not a regular file": fine, it did not block
          }
        });
        if (token != null) {
          assertThat(token).isEqualTo(7L);
          tokens++;
        }
      }
    } finally {
      stop.set(true);
      swapper.join(5000);
      try (FileChannel unblock = FileChannel.open(fifo, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
        unblock.isOpen(); // a writer: a reader stuck on the FIFO (the old code) gets its end of file
      }
    }
    assertThat(tokens).as("reads that found the regular file, of %d", reads).isPositive();
  }
}
