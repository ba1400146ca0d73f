/**
 * Crash-safe file operations: atomic and durable writes ({@link io.htmlgraph.atomic.AtomicFileWriter},
 * {@link io.htmlgraph.atomic.AtomicFileOutputStream}), atomic renames and temp-file cleanup
 * ({@link io.htmlgraph.atomic.AtomicFiles}) and a reader/writer lock on a directory that works
 * across threads and processes ({@link io.htmlgraph.atomic.DirectoryLocker}).
 *
 * <p>The API is that of the Python original, htmlgraph's {@code atomic_ops}, in idiomatic Java. No
 * run-time dependency beyond {@code java.base}.
 */
module io.htmlgraph.atomic {
  exports io.htmlgraph.atomic;
  // the library's own modules only: the link rule and the safe opens of SafeFiles (json, cli), the
  // owner record's text form (zookeeper)
  exports io.htmlgraph.atomic.internal to io.htmlgraph.atomic.json, io.htmlgraph.atomic.cli, io.htmlgraph.atomic.zookeeper;
}
