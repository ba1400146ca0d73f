package io.htmlgraph.atomic.cli;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Runs the {@code atomic} command in this JVM, with captured standard streams. */
final class Cli {
  record Result(int code, String out, String err) {}

  private Cli() {}

  static Result run(String... args) {
    return run(new ByteArrayInputStream(new byte[0]), args);
  }

  static Result runWithInput(String stdin, String... args) {
    return run(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), args);
  }

  static Result run(InputStream stdin, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.commandLine(stdin, new PrintWriter(out, true), new PrintWriter(err, true), args).execute(args);
    return new Result(code, out.toString(), err.toString());
  }

  /** @return the whole command line, every subcommand built, printing nowhere */
  static picocli.CommandLine commandLine() {
    PrintWriter sink = new PrintWriter(new StringWriter());
    return Main.commandLine(new ByteArrayInputStream(new byte[0]), sink, sink);
  }

  /** @return the names in {@code dir}, sorted */
  static List<String> list(Path dir) throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
