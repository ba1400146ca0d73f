package io.htmlgraph.atomic.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Arrays;

/** What a crash left in one file, compared with its old and new content. */
enum Outcome {
  ABSENT, OLD, NEW, EMPTY, ZEROS, TORN;

  static Outcome of(CrashState state, String file, String oldContent, String newContent) throws IOException {
    Path p = state.resolve(file);
    if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
      return ABSENT;
    }
    byte[] b = Files.readAllBytes(p);
    if (oldContent != null && Arrays.equals(b, oldContent.getBytes(StandardCharsets.UTF_8))) {
      return OLD;
    }
    if (Arrays.equals(b, newContent.getBytes(StandardCharsets.UTF_8))) {
      return NEW;
    }
    if (b.length == 0) {
      return EMPTY;
    }
    for (byte x : b) {
      if (x != 0) {
        return TORN;
      }
    }
    return ZEROS;
  }
}
