/**
 * Worked examples of htmlgraph-atomic: {@link io.htmlgraph.atomic.examples.SessionRegistry}, a
 * registry of sessions kept in JSON files and an index, each change one
 * {@link io.htmlgraph.atomic.FileTransaction} under the registry's lock.
 */
module io.htmlgraph.atomic.examples {
  // SessionRegistry.open takes the core's Locker
  requires transitive io.htmlgraph.atomic;
  requires io.htmlgraph.atomic.json;

  exports io.htmlgraph.atomic.examples;
  // Jackson binds the records of the JSON files
  opens io.htmlgraph.atomic.examples to tools.jackson.databind;
}
