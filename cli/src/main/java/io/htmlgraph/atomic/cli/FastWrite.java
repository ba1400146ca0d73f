package io.htmlgraph.atomic.cli;

import io.htmlgraph.atomic.Durability;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine.TypeConversionException;

/**
 * The plain {@code atomic write [OPTIONS] FILE} of a shell pipeline, run without picocli.
 *
 * <p>Why: {@code new CommandLine(...)} alone registers picocli's built-in type converters, which
 * initialises {@code java.time}, {@code java.sql} and the regex and method-handle machinery; that was
 * most of what was left of the start-up of {@code atomic write} once its model was built in code. The
 * fast path takes only what it can parse exactly as picocli would (each known option once, with its
 * value as the next argument or after {@code =}, and one FILE); anything else (help, version, an
 * unknown or repeated option, a bad value, {@code --}, an {@code @file}, a missing or extra FILE)
 * returns {@link #NOT_HANDLED} and picocli runs the command line, with its own messages. The values go
 * through the same converters, and the command runs through the same {@link WriteCommand#call()}.
 */
final class FastWrite {
  /** What {@link #run} returns when picocli must handle the command line. */
  static final int NOT_HANDLED = -1;

  private FastWrite() {}

  /**
   * Runs {@code args} when they are a plain {@code write}.
   *
   * @return the exit code, or {@link #NOT_HANDLED} (nothing read, nothing printed, nothing on disk)
   */
  static int run(String[] args, InputStream stdin, PrintWriter err) {
    if (args.length < 2 || !args[0].equals("write")) {
      return NOT_HANDLED;
    }
    Main main = Main.forStdin(stdin, err);
    WriteCommand cmd = new WriteCommand(main);
    String durability = null;
    String mode = null;
    String tempDir = null;
    String file = null;
    boolean noClobber = false;
    boolean json = false;
    boolean verbose = false;
    for (int i = 1; i < args.length; i++) {
      String a = args[i];
      if (a.isEmpty() || a.charAt(0) == '@') {
        return NOT_HANDLED; // picocli's @file expansion, or an empty FILE: leave them to picocli
      }
      if (a.charAt(0) != '-') {
        if (file != null) {
          return NOT_HANDLED;
        }
        file = a;
        continue;
      }
      String name = a;
      String value = null;
      int eq = a.indexOf('=');
      if (eq > 0) {
        name = a.substring(0, eq);
        value = a.substring(eq + 1);
      }
      boolean flag = name.equals("--no-clobber") || name.equals("--json") || name.equals("--verbose");
      boolean valued = name.equals("--durability") || name.equals("--mode") || name.equals("--temp-dir");
      if (flag) {
        if (value != null) {
          return NOT_HANDLED; // --json=true and the like: picocli's rules
        }
        if (name.equals("--no-clobber")) {
          if (noClobber) {
            return NOT_HANDLED;
          }
          noClobber = true;
        } else if (name.equals("--json")) {
          if (json) {
            return NOT_HANDLED;
          }
          json = true;
        } else {
          if (verbose) {
            return NOT_HANDLED;
          }
          verbose = true;
        }
        continue;
      }
      if (!valued) {
        return NOT_HANDLED;
      }
      if (value == null) {
        if (i + 1 >= args.length) {
          return NOT_HANDLED;
        }
        value = args[++i];
      }
      if (value.isEmpty() || value.charAt(0) == '-' || value.charAt(0) == '@') {
        return NOT_HANDLED;
      }
      if (name.equals("--durability")) {
        if (durability != null) {
          return NOT_HANDLED;
        }
        durability = value;
      } else if (name.equals("--mode")) {
        if (mode != null) {
          return NOT_HANDLED;
        }
        mode = value;
      } else {
        if (tempDir != null) {
          return NOT_HANDLED;
        }
        tempDir = value;
      }
    }
    if (file == null) {
      return NOT_HANDLED;
    }
    try {
      cmd.durability = durability == null ? Durability.FULL : new Converters.DurabilityConverter().convert(durability);
      cmd.mode = mode == null ? null : new Converters.FileModeConverter().convert(mode);
      cmd.tempDir = tempDir == null ? null : Path.of(tempDir);
      cmd.file = Path.of(file);
    } catch (TypeConversionException | IllegalArgumentException e) {
      return NOT_HANDLED; // a bad value: picocli prints the usage error
    }
    cmd.noClobber = noClobber;
    cmd.json = json;
    main.verbose = verbose;
    try {
      return cmd.call();
    } catch (Exception e) {
      return Main.onError(main, e, err);
    }
  }
}
