/**
 * A crash-simulating file system for tests: {@link io.htmlgraph.atomic.testing.CrashSimulator} runs a
 * workload on a recording {@code java.nio.file} file system, enumerates every state a power cut could
 * leave on disk under the POSIX model of {@code fsync}, and hands each one to a checker;
 * {@link io.htmlgraph.atomic.testing.FaultyFileSystem} fails chosen calls ({@code fsync}, rename, close,
 * delete, writes on a full disk) so that a test can check what code does when I/O fails.
 */
module io.htmlgraph.atomic.testing {
  // users check code written with the core library; the simulator itself needs only java.base
  requires transitive io.htmlgraph.atomic;
  exports io.htmlgraph.atomic.testing;
}
