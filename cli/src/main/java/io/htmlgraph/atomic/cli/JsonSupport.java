package io.htmlgraph.atomic.cli;

import io.htmlgraph.atomic.WriteOptions;
import io.htmlgraph.atomic.internal.SafeFiles;
import io.htmlgraph.atomic.json.AtomicJson;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.file.Path;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/** The {@code --json} forms of {@code write} and {@code validate}, over the json module. */
final class JsonSupport {
  /**
   * Strict JSON, one value; numbers as Python's json.load reads them (ints of any size, doubles);
   * within the limits AtomicJson reads and writes, so that what passes here can be written.
   */
  private static final JsonMapper STRICT = JsonMapper.builder(JsonFactory.builder()
          .streamReadConstraints(StreamReadConstraints.builder()
              .maxNestingDepth(AtomicJson.MAX_NESTING_DEPTH)
              .maxNumberLength(AtomicJson.MAX_NUMBER_DIGITS)
              .maxNameLength(AtomicJson.MAX_NAME_BYTES)
              .maxStringLength(AtomicJson.MAX_STRING_LENGTH)
              .build())
          .build())
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .build();

  private JsonSupport() {}

  /**
   * Parses all of {@code in} as one JSON value, then writes it to {@code file} in the library's JSON
   * format (AtomicJson: the bytes of the Python original's atomic_json_write). Invalid input is found
   * before the file is opened, so it changes nothing on disk. The value is held in memory. The write
   * runs under {@code guard}, so that a signal leaves the old file or the new one and no temp.
   */
  static void write(InputStream in, Path file, WriteOptions options, ShutdownGuard guard) throws IOException {
    Object value;
    try {
      value = STRICT.readValue(in, Object.class);
    } catch (JacksonException e) {
      if (e.getCause() instanceof IOException io) {
        throw new CliException(file + ": not written: reading standard input failed: " + Errors.describe(io), io);
      }
      throw new CliException(file + ": not written: standard input is not valid JSON (" + where(e) + ")", e);
    }
    // the whole write (temp, commit) under the guard: a signal meanwhile waits for its end
    Object parsed = value;
    try {
      guard.runWhole(() -> AtomicJson.write(file, parsed, AtomicJson.DEFAULT_INDENT, options));
    } catch (IllegalArgumentException e) {
      // a value AtomicJson refuses (1e400 parsed as Infinity, a name it could not read back): nothing written
      throw new CliException(file + ": not written: " + e.getMessage(), e);
    }
  }

  /** @return why {@code file}, a readable regular file, is not one JSON value, or null if it is */
  static String problem(Path file) {
    if (AtomicJson.validate(file)) {
      return null;
    }
    // the reason, found by streaming the tokens again (constant memory, as validate)
    // opened as validate opened it: no link at its end, never a hang on a FIFO swapped in since
    try (InputStream in = Channels.newInputStream(SafeFiles.openForRead(file));
        JsonParser p = STRICT.createParser(in)) {
      if (p.nextToken() == null) {
        return "not JSON: empty";
      }
      p.skipChildren();
      if (p.nextToken() != null) {
        return "not JSON: content after the value at " + at(p.currentTokenLocation());
      }
      return "not JSON";
    } catch (JacksonException e) {
      return "not JSON: " + where(e);
    } catch (IOException e) {
      return "unreadable: " + Errors.describe(e);
    }
  }

  private static String where(JacksonException e) {
    return (e.getLocation() == null ? "" : at(e.getLocation()) + ": ") + firstLine(e.getOriginalMessage());
  }

  private static String at(TokenStreamLocation l) {
    return "line " + l.getLineNr() + ", column " + l.getColumnNr();
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "syntax error";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
