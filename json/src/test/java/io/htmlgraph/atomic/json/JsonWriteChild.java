package io.htmlgraph.atomic.json;

import io.htmlgraph.atomic.Durability;
import io.htmlgraph.atomic.WriteOptions;
import java.nio.file.Path;
import java.util.Map;

/** Run by {@link AtomicJsonDurabilityTest} under strace: one write at the durability given. */
public final class JsonWriteChild {
  private JsonWriteChild() {}

  public static void main(String[] args) throws Exception {
    WriteOptions options = WriteOptions.builder().durability(Durability.valueOf(args[1])).build();
    AtomicJson.write(Path.of(args[0]), Map.of("durability", args[1]), options);
  }
}
