package io.htmlgraph.atomic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FencingTest {
  @TempDir Path dir;

  /** A hold with a given token, lost on demand. */
  private static final class Hold implements HeldLock {
    final long token;
    boolean held = true;

    Hold(long token) {
      this.token = token;
    }

    @Override public LockMode mode() { return LockMode.EXCLUSIVE; }
    @Override public boolean isHeld() { return held; }
    @Override public long fencingToken() { return token; }
    @Override public void close() { held = false; }
  }

  @Test
  void firstPublisherRecordsItsToken() throws Exception {
    Path fence = dir.resolve(".data.fence");
    Fencing.checkAndRecord(new Hold(7), fence);
    assertThat(Files.readString(fence)).isEqualTo("7\n");
    assertThat(Fencing.recorded(fence)).isEqualTo(7);
  }

  @Test
  void newerTokenReplacesOlder() throws Exception {
    Path fence = dir.resolve(".data.fence");
    Fencing.checkAndRecord(new Hold(7), fence);
    Fencing.checkAndRecord(new Hold(9), fence);
    assertThat(Files.readString(fence)).isEqualTo("9\n");
  }

  @Test
  void staleHolderIsRefusedAndRecordKept() throws Exception {
    Path fence = dir.resolve(".data.fence");
    Fencing.checkAndRecord(new Hold(9), fence);
    assertThatThrownBy(() -> Fencing.checkAndRecord(new Hold(7), fence))
        .isInstanceOf(LockLostException.class)
        .hasMessageContaining("token 9")
        .hasMessageContaining("nothing was published");
    assertThat(Files.readString(fence)).isEqualTo("9\n");
  }

  @Test
  void lostHoldIsRefusedWithoutTouchingTheFence() throws Exception {
    Path fence = dir.resolve(".data.fence");
    Hold h = new Hold(3);
    h.held = false;
    assertThatThrownBy(() -> Fencing.checkAndRecord(h, fence)).isInstanceOf(LockLostException.class);
    assertThat(fence).doesNotExist();
  }

  @Test
  void directoryLockNeedsNoFence() throws Exception {
    Path fence = dir.resolve(".data.fence");
    DirectoryLocker locker = new DirectoryLocker(dir.resolve("locks"));
    try (HeldLock lock = locker.lockExclusive(Duration.ofSeconds(5))) {
      assertThat(lock.fencingToken()).isZero();
      Fencing.checkAndRecord(lock, fence);
    }
    assertThat(fence).doesNotExist();
  }

  @Test
  void fenceIsNeverWrittenThroughALink() throws Exception {
    Path victim = Files.writeString(dir.resolve("victim"), "keep");
    Path fence = dir.resolve(".data.fence");
    Files.createSymbolicLink(fence, victim);
    assertThatThrownBy(() -> Fencing.checkAndRecord(new Hold(5), fence)).hasMessageContaining("not a regular file");
    assertThat(Files.readString(victim)).isEqualTo("keep");
  }

  @Test
  void garbageInTheFenceIsAnError() throws Exception {
    Path fence = Files.writeString(dir.resolve(".data.fence"), "not a number");
    assertThatThrownBy(() -> Fencing.checkAndRecord(new Hold(5), fence)).hasMessageContaining("no fencing token");
    assertThat(Files.readString(fence)).isEqualTo("not a number");
  }
}
