package io.htmlgraph.atomic.cli;

import io.htmlgraph.atomic.AtomicFileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * A writer process of the demo: saves new versions of FILE in a loop until it is killed. Says
 * "ready" on standard output after its first whole save. Hidden: not for users.
 */
@Command(name = "demo-writer", hidden = true)
final class DemoWriter implements Callable<Integer> {
  enum Mode {
    /** What most programs do: open the file truncating it, write the new content in place. */
    naive,
    /** The library: a temp file beside the target, synced, renamed over it. */
    atomic
  }

  /** The size of each write call, as a program that streams its output would make. */
  static final int CHUNK = 16 * 1024;

  @Spec CommandSpec spec;

  @Option(names = "--mode", required = true)
  Mode mode;

  @Option(names = "--first-version", defaultValue = "1")
  long first;

  @Parameters(paramLabel = "FILE")
  Path file;

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    for (long v = first; ; v++) {
      save(DemoContent.version(v));
      if (v == first) {
        // one whole save first, so that every class is loaded and the kill that follows lands in the
        // steady loop, not in the start-up of the JVM
        out.println("ready");
        out.flush();
      }
    }
  }

  private void save(byte[] content) throws IOException {
    if (mode == Mode.naive) {
      try (OutputStream o = Files.newOutputStream(file)) { // CREATE, TRUNCATE_EXISTING, WRITE
        writeInChunks(o, content);
      }
    } else {
      try (AtomicFileOutputStream o = new AtomicFileOutputStream(file)) {
        writeInChunks(o, content);
        o.commit();
      }
    }
  }

  private static void writeInChunks(OutputStream o, byte[] content) throws IOException {
    for (int off = 0; off < content.length; off += CHUNK) {
      o.write(content, off, Math.min(CHUNK, content.length - off));
    }
  }
}
