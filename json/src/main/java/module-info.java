/**
 * Atomic JSON files: {@link io.htmlgraph.atomic.json.AtomicJson} writes a value through the core's
 * atomic, durable writer, byte for byte as the Python original's {@code atomic_json_write} would, and
 * reads and validates JSON files, and {@code AtomicJson.update} changes one under the directory lock of
 * the core's {@link io.htmlgraph.atomic.DirectoryLocker}.
 *
 * <p>Jackson 3 is required transitively: {@code AtomicJson.read} takes Jackson's {@code TypeReference}.
 */
module io.htmlgraph.atomic.json {
  requires transitive io.htmlgraph.atomic;
  requires transitive tools.jackson.databind;

  exports io.htmlgraph.atomic.json;
}
