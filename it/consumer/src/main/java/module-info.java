/** A user's module: README.md's examples of htmlgraph-atomic. */
module example.consumer {
  requires io.htmlgraph.atomic;
  requires io.htmlgraph.atomic.json;

  exports example.consumer;
}
