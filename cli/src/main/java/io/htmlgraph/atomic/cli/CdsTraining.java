package io.htmlgraph.atomic.cli;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * The workload the launcher runs once, with {@code -XX:DumpLoadedClassList}, to make the class-data
 * sharing archive that lets {@code atomic} start in a fraction of the time: every class a short
 * command loads (picocli's parsing and help, the writers, the readers, the error path) ends up in the
 * archive. Works in a temp directory it removes. Hidden: not for users.
 */
@picocli.CommandLine.Command(name = "cds-training", hidden = true)
final class CdsTraining implements Callable<Integer> {
  @Override
  public Integer call() throws IOException {
    Path dir = Files.createTempDirectory("atomic-cds-");
    try {
      String f = dir.resolve("f.txt").toString();
      // the fast path of a plain `atomic write` (FastWrite), then the same through picocli
      fast("hello\n", "write", f);
      fast("hello\n", "write", "--durability", "file", "--mode=0600", "--no-clobber", dir.resolve("n.txt").toString());
      fast("", "write", dir.toString()); // an error: a directory as FILE
      fast("{\"a\": [1, 2.5, true, null]}", "write", "--json", dir.resolve("j.json").toString());
      run("hello\n", "write", f);
      run("", "write", "--durability", "none", "--mode", "0644", f);
      run("", "read", f);
      run("", "validate", f);
      run("", "rename", f, dir.resolve("g.txt").toString());
      run("", "tempname", dir.toString());
      run("", "sweep", "--dry-run", "--older-than", "1h", dir.toString());
      run("{\"a\": [1, 2.5, true, null]}", "write", "--json", dir.resolve("j.json").toString());
      run("", "validate", "--json", dir.resolve("j.json").toString());
      run("", "lock", "--status", dir.toString()); // no .lock yet: "free", nothing created
      run("", "lock", "--timeout", "0s", dir.toString(), "--", "true");
      run("", "lock", "--status", dir.toString());
      run("", "read", dir.resolve("missing").toString());
      run("", "write", "--no-such-option", f);
      run("", "write", "--help");
      run("", "--help");
      run("", "--version");
    } finally {
      CheckCommand.deleteTree(dir);
    }
    return 0;
  }

  private static void fast(String stdin, String... args) {
    PrintWriter sink = new PrintWriter(Writer.nullWriter());
    FastWrite.run(args, new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), sink);
  }

  private static void run(String stdin, String... args) {
    PrintWriter sink = new PrintWriter(Writer.nullWriter());
    Main.commandLine(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), sink, sink).execute(args);
  }
}
