/**
 * Worked examples of htmlgraph-atomic: {@link io.htmlgraph.atomic.examples.SessionRegistry}, a
 * registry of sessions kept in JSON files and an index, changed only under the directory lock and
 * repaired after a crash when next opened.
 */
module io.htmlgraph.atomic.examples {
  requires io.htmlgraph.atomic.json;

  exports io.htmlgraph.atomic.examples;
  // Jackson binds the records of the JSON files
  opens io.htmlgraph.atomic.examples to tools.jackson.databind;
}
