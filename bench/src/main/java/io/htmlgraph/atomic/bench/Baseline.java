package io.htmlgraph.atomic.bench;

import io.htmlgraph.atomic.Durability;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The hand-written minimum each durability level needs, the yardstick of the library: a temp created
 * {@code CREATE_NEW}, written to completion, {@code fdatasync} (FILE, FULL), {@code rename(2)}, and an
 * {@code fsync} of the directory (FULL). No metadata copy, no lock on the temp, no registry, no checks.
 */
final class Baseline {
  private static final AtomicLong SEQ = new AtomicLong();

  private Baseline() {}

  static void replace(Path target, byte[] content, Durability level) throws IOException {
    stream(target, content, 1, level);
  }

  /** Writes {@code chunk} {@code times} times, as a stream of {@code chunk.length * times} bytes. */
  static void stream(Path target, byte[] chunk, long times, Durability level) throws IOException {
    Path temp = target.getParent().resolve(".base-" + SEQ.incrementAndGet() + ".tmp");
    try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      for (long i = 0; i < times; i++) {
        ByteBuffer b = ByteBuffer.wrap(chunk);
        while (b.hasRemaining()) {
          ch.write(b);
        }
      }
      if (level != Durability.NONE) {
        ch.force(false);
      }
    }
    finish(temp, target, level);
  }

  private static void finish(Path temp, Path target, Durability level) throws IOException {
    Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
    if (level == Durability.FULL) {
      syncDir(target.getParent());
    }
  }

  static void syncDir(Path dir) throws IOException {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    }
  }
}
