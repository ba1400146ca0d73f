package io.htmlgraph.atomic.json;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** The golden files made by {@code json/src/test/python/generate_goldens.py}, on the class path. */
final class Goldens {
  private Goldens() {}

  static byte[] bytes(String name) {
    String resource = "golden/" + name;
    try (InputStream in = Goldens.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("missing test resource " + resource
            + "; run python3 json/src/test/python/generate_goldens.py");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
