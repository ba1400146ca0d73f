/**
 * Crash-safe file operations: atomic and durable writes ({@link io.htmlgraph.atomic.AtomicFileWriter},
 * {@link io.htmlgraph.atomic.AtomicFileOutputStream}), atomic renames and temp-file cleanup
 * ({@link io.htmlgraph.atomic.AtomicFiles}) and a reader/writer lock on a directory that works
 * across threads and processes ({@link io.htmlgraph.atomic.DirectoryLocker}).
 *
 * <p>The API is that of the Python original, htmlgraph's {@code atomic_ops}, in idiomatic Java. No
 * run-time dependency beyond {@code java.base}: where the JDK's {@code jdk.jfr} module is present, the
 * library also emits JDK Flight Recorder events (docs/observability.md).
 */
module io.htmlgraph.atomic {
  exports io.htmlgraph.atomic;
  // Flight Recorder events where the module is there (every standard JDK image); a run-time image
  // without it runs the library without them (see internal.Jfr)
  requires static jdk.jfr;
  // the library's own modules only: the link rule and the safe opens of SafeFiles (json, cli), the
  // owner record's text form (zookeeper)
  exports io.htmlgraph.atomic.internal to io.htmlgraph.atomic.json, io.htmlgraph.atomic.cli, io.htmlgraph.atomic.zookeeper;
}
