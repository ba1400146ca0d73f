package io.htmlgraph.atomic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.htmlgraph.atomic.internal.Retry;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeReadWithRetryTest {
  @TempDir Path dir;

  @Test
  void readsTheFile() throws IOException {
    Path p = Files.writeString(dir.resolve("data.txt"), "héllo");
    assertThat(AtomicFileWriter.safeReadWithRetry(p)).isEqualTo("héllo");
    assertThat(AtomicFileWriter.safeReadWithRetry(p, 1, Duration.ZERO)).isEqualTo("héllo");
  }

  @Test
  void missingFileIsNoSuchFileAfterOneAttempt() {
    assertThatThrownBy(() -> AtomicFileWriter.safeReadWithRetry(dir.resolve("nonexistent.txt"), 1, Duration.ofMillis(100)))
        .isInstanceOf(NoSuchFileException.class);
  }

  @Test
  void attemptsAndBackoffFollowTheContract() {
    List<Duration> sleeps = new ArrayList<>();
    Path missing = dir.resolve("missing");
    assertThatThrownBy(() -> Retry.readString(missing, 4, Duration.ofMillis(100), StandardCharsets.UTF_8, sleeps::add))
        .isInstanceOf(NoSuchFileException.class);
    // four attempts, a wait after each failed one but the last: 100, 200, 400 ms
    assertThat(sleeps).containsExactly(Duration.ofMillis(100), Duration.ofMillis(200), Duration.ofMillis(400));
  }

  @Test
  void succeedsWhenTheFileAppearsBetweenAttempts() throws IOException {
    Path later = dir.resolve("later.txt");
    List<Duration> sleeps = new ArrayList<>();
    String s = Retry.readString(later, 3, Duration.ofMillis(50), StandardCharsets.UTF_8, d -> {
      sleeps.add(d);
      if (sleeps.size() == 2) {
        try {
          Files.writeString(later, "arrived");
        } catch (IOException e) {
          throw new AssertionError(e);
        }
      }
    });
    assertThat(s).isEqualTo("arrived");
    assertThat(sleeps).containsExactly(Duration.ofMillis(50), Duration.ofMillis(100));
  }

  @Test
  void theLastErrorIsRethrown() throws IOException {
    Path p = dir.resolve("flaky");
    List<Duration> sleeps = new ArrayList<>();
    assertThatThrownBy(() -> Retry.readString(p, 2, Duration.ZERO, StandardCharsets.UTF_8, d -> {
      sleeps.add(d);
      try {
        Files.createDirectory(p); // the second attempt fails differently: reading a directory
      } catch (IOException e) {
        throw new AssertionError(e);
      }
    })).isInstanceOf(IOException.class).isNotInstanceOf(NoSuchFileException.class);
    assertThat(sleeps).hasSize(1);
  }

  @Test
  void decodingErrorsAreNotRetried() throws IOException {
    Path p = Files.write(dir.resolve("latin1"), new byte[] {'c', 'a', 'f', (byte) 0xe9});
    List<Duration> sleeps = new ArrayList<>();
    assertThatThrownBy(() -> Retry.readString(p, 5, Duration.ofSeconds(10), StandardCharsets.UTF_8, sleeps::add))
        .isInstanceOf(CharacterCodingException.class);
    assertThat(sleeps).isEmpty();
    assertThatThrownBy(() -> AtomicFileWriter.safeReadWithRetry(p)).isInstanceOf(CharacterCodingException.class);
  }

  @Test
  void badArgumentsAreRefused() {
    Path p = dir.resolve("p");
    assertThatThrownBy(() -> AtomicFileWriter.safeReadWithRetry(p, 0, Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> AtomicFileWriter.safeReadWithRetry(p, 1, Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> AtomicFileWriter.safeReadWithRetry(p, 1, null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> AtomicFileWriter.safeReadWithRetry(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> AtomicFileWriter.safeReadWithRetry(Path.of(""))).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void anInterruptDuringTheWaitStopsAndKeepsTheInterruptStatus() {
    Path missing = dir.resolve("missing");
    try {
      assertThatThrownBy(() -> Retry.readString(missing, 3, Duration.ofMillis(10), StandardCharsets.UTF_8, d -> {
        throw new InterruptedException();
      })).isInstanceOf(InterruptedIOException.class);
      assertThat(Thread.currentThread().isInterrupted()).isTrue();
    } finally {
      Thread.interrupted();
    }
  }

  @Test
  void backoffSaturatesInsteadOfOverflowing() {
    assertThat(Retry.backoff(Duration.ofMillis(100), 0)).isEqualTo(Duration.ofMillis(100));
    assertThat(Retry.backoff(Duration.ofMillis(100), 3)).isEqualTo(Duration.ofMillis(800));
    assertThat(Retry.backoff(Duration.ofDays(1), 80)).isEqualTo(Duration.ofSeconds(Long.MAX_VALUE));
    assertThat(Retry.backoff(Duration.ZERO, 80)).isEqualTo(Duration.ZERO);
  }
}
