package example.consumer;

import static io.htmlgraph.atomic.AtomicFiles.*;

import io.htmlgraph.atomic.*;
import io.htmlgraph.atomic.json.AtomicJson;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.core.type.TypeReference;

/**
 * The examples of README.md, each copied verbatim between a BEGIN and an END line (the imports at the
 * top of a README block are among this file's imports). ReadmeTest, in the main build, fails when a
 * README block and its copy here differ; QuickStartTest runs them.
 */
public final class QuickStart {
  private QuickStart() {}

  /** The quick start. Needs {@code source.bin} and {@code temp.txt} in the working directory. */
  public static void quickStart() throws Exception {
    // BEGIN README.md "Quick start" 1
    Path target = Path.of("data.txt");

    // streaming: close() without commit() discards, so try-with-resources is exception-safe
    try (AtomicFileWriter f = new AtomicFileWriter(target)) {
      f.write("Hello, World!");
      f.commit();
    }

    // one shot
    AtomicFileWriter.atomicWrite(target, "Hello, World!");

    // the form of Python's `with`: commits when the body returns, rolls back when it throws
    AtomicFileWriter.atomicWrite(target, f -> f.write("Hello, World!"));

    assert validateAtomicWrite(target);

    // safe read with retry: 3 attempts, 100 ms then 200 ms between them
    String content = AtomicFileWriter.safeReadWithRetry(target, 3, Duration.ofMillis(100));

    // custom temp directory (even on another file system the replacement stays atomic)
    try (AtomicFileWriter f = new AtomicFileWriter(Path.of("important.txt"), Path.of("/tmp"))) {
      f.write("content");
      f.commit();
    }

    // binary, constant memory whatever the size
    try (AtomicFileOutputStream out = new AtomicFileOutputStream(Path.of("large.bin"));
         InputStream in = Files.newInputStream(Path.of("source.bin"))) {
      in.transferTo(out);
      out.commit();
    }

    // options: durability, charset, permissions, symlinks, no-clobber
    WriteOptions once = WriteOptions.builder().noClobber().build();
    AtomicFileWriter.atomicWrite(Path.of("created-once.txt"), "first", once); // FileAlreadyExistsException if present

    // cleanup, temp names, rename
    int deleted = cleanupOrphanedTempFiles(Path.of(".htmlgraph/sessions"), Duration.ofHours(24));
    Path temp = safeTempFile(Path.of("/tmp"), "session"); // /tmp/.session-1764093296123456-abc123de.tmp
    atomicRename(Path.of("temp.txt"), Path.of("final.txt"));
    // END README.md
  }

  /** The crash scenario, after {@link #quickStart()}. */
  public static void crashScenario() throws Exception {
    Path target = Path.of("data.txt");
    // BEGIN README.md "Quick start" 2
    Files.writeString(target, "original");
    try {
      AtomicFileWriter.atomicWrite(target, f -> {
        f.write("partial...");
        throw new RuntimeException("Simulated crash!");
      });
    } catch (RuntimeException expected) { }
    assert Files.readString(target).equals("original"); // untouched, and no .tmp-* file left
    // END README.md
  }

  /** The JSON example. */
  public static void json() throws Exception {
    // BEGIN README.md "JSON files" 1
    Map<String, Object> data = new LinkedHashMap<>();   // keeps insertion order, as a Python dict
    data.put("session_id", "sess-abc123");
    data.put("created", "2026-01-08T12:00:00Z");
    data.put("status", "active");
    AtomicJson.write(Path.of("session.json"), data);     // indent 2, fsync + rename + directory fsync

    Map<String, Object> back = AtomicJson.read(Path.of("session.json"), new TypeReference<Map<String, Object>>() {});
    boolean ok = AtomicJson.validate(Path.of("session.json"));   // exactly one JSON value, streamed
    // END README.md
  }
}
