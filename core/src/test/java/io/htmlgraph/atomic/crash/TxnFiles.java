package io.htmlgraph.atomic.crash;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The five files the transaction crash tests change together, each a {@link Frame} of the same
 * generation: two in the root, two in a directory, one two directories deep (created by the first
 * commit, so that a crash can also catch new directories).
 */
final class TxnFiles {
  static final List<String> NAMES = List.of("f0.bin", "f1.bin", "d/f2.bin", "d/f3.bin", "e/f/f4.bin");

  private TxnFiles() {}

  /** @return the five records of {@code generation}, random sizes up to {@code maxPayload} */
  static List<byte[]> encode(long generation, SplittableRandom sizes, int maxPayload) {
    List<byte[]> out = new ArrayList<>(NAMES.size());
    for (int i = 0; i < NAMES.size(); i++) {
      out.add(Frame.encode(generation, sizes, maxPayload));
    }
    return out;
  }

  /** @return the newest generation among the five files (whole ones), 0 if there is none */
  static long newest(Path root) throws IOException {
    long newest = 0;
    for (String name : NAMES) {
      try {
        newest = Math.max(newest, Frame.check(Files.readAllBytes(root.resolve(name))));
      } catch (NoSuchFileException | IllegalStateException gone) {
        // missing or torn: not a generation
      }
    }
    return newest;
  }

  /**
   * @return the one generation of the five files under {@code root}, or 0 when none exists yet
   * @throws IllegalStateException if a file is torn, some are missing, or they hold different
   *     generations (a mix: the failure the tests look for)
   */
  static long generation(Path root) throws IOException {
    List<String> found = new ArrayList<>();
    long first = -1;
    boolean mixed = false;
    int missing = 0;
    for (String name : NAMES) {
      long g;
      try {
        g = Frame.check(Files.readAllBytes(root.resolve(name)));
      } catch (NoSuchFileException e) {
        missing++;
        found.add(name + " missing");
        continue;
      } catch (IllegalStateException e) {
        throw new IllegalStateException(name + ": " + e.getMessage(), e);
      }
      found.add(name + " " + g);
      if (first < 0) {
        first = g;
      } else if (g != first) {
        mixed = true;
      }
    }
    if (missing == NAMES.size()) {
      return 0;
    }
    if (mixed || missing > 0) {
      throw new IllegalStateException("mixed generations: " + found);
    }
    return first;
  }
}
