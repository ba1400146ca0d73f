/**
 * The {@code atomic} command: the library's crash-safe write, rename, lock and sweep for the shell,
 * a self-check of the file system and a crash-safety demonstration. Run through the {@code ./atomic}
 * launcher at the repository root; {@link io.htmlgraph.atomic.cli.Main} is the entry point.
 */
module io.htmlgraph.atomic.cli {
  requires io.htmlgraph.atomic;
  requires io.htmlgraph.atomic.json;
  requires info.picocli;
  // atomic lock --zookeeper (Curator's jars are automatic modules, named after their files)
  requires io.htmlgraph.atomic.zookeeper;
  requires curator.client;

  // picocli fills the annotated fields of the commands by reflection
  opens io.htmlgraph.atomic.cli to info.picocli;
}
