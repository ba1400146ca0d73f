package io.htmlgraph.atomic;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Writers race to replace one file while readers loop: every read is one whole version. */
class ConcurrentReplaceTest {
  @TempDir Path dir;

  /** A version: a header line naming writer and sequence, then a body whose length the header gives. */
  private static String version(int writer, int seq) {
    int len = 100 + ((writer * 7919 + seq * 104729) % 20000);
    char fill = (char) ('a' + (writer + seq) % 26);
    return writer + ":" + seq + ":" + len + "\n" + String.valueOf(fill).repeat(len);
  }

  private static boolean whole(String s) {
    int nl = s.indexOf('\n');
    if (nl < 0) {
      return false;
    }
    String[] h = s.substring(0, nl).split(":");
    return h.length == 3 && s.equals(version(Integer.parseInt(h[0]), Integer.parseInt(h[1])));
  }

  @Test
  void everyReadSeesOneCompleteVersion() throws Exception {
    Path target = dir.resolve("shared.txt");
    AtomicFileWriter.atomicWrite(target, version(0, 0));
    AtomicBoolean stop = new AtomicBoolean();
    ConcurrentLinkedQueue<String> torn = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
    AtomicLong reads = new AtomicLong();
    AtomicLong writes = new AtomicLong();
    List<Thread> threads = new ArrayList<>();
    WriteOptions fast = WriteOptions.builder().durability(Durability.NONE).build();
    for (int w = 1; w <= 4; w++) {
      int writer = w;
      threads.add(new Thread(() -> {
        for (int seq = 1; seq <= 300 && !stop.get(); seq++) {
          try {
            // alternate the three forms of writing
            String v = version(writer, seq);
            switch (seq % 3) {
              case 0 -> AtomicFileWriter.atomicWrite(target, v, fast);
              case 1 -> AtomicFileWriter.atomicWrite(target, fast, out -> out.write(v));
              default -> AtomicFileWriter.atomicWrite(target, v.getBytes(StandardCharsets.UTF_8), fast);
            }
            writes.incrementAndGet();
          } catch (Throwable t) {
            errors.add(t);
          }
        }
      }));
    }
    for (int r = 0; r < 3; r++) {
      threads.add(new Thread(() -> {
        while (!stop.get()) {
          try {
            String s = Files.readString(target);
            reads.incrementAndGet();
            if (!whole(s)) {
              torn.add(s.length() > 60 ? s.substring(0, 60) : s);
            }
          } catch (NoSuchFileException gone) {
            torn.add("<missing>");
          } catch (IOException e) {
            errors.add(e);
          }
        }
      }));
    }
    threads.forEach(Thread::start);
    long deadline = System.nanoTime() + 20_000_000_000L;
    for (int i = 0; i < 4; i++) {
      threads.get(i).join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
    }
    stop.set(true);
    for (Thread t : threads) {
      t.join();
    }
    System.out.printf("concurrent replace: %d writes, %d reads, %d torn%n", writes.get(), reads.get(), torn.size());
    assertThat(errors).isEmpty();
    assertThat(torn).isEmpty();
    assertThat(reads.get()).isPositive();
    assertThat(writes.get()).isGreaterThan(100);
    assertThat(whole(Files.readString(target))).isTrue();
    assertThat(TestFiles.temps(dir)).isEmpty();
  }
}
