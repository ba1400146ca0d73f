package io.htmlgraph.atomic.cli;

import io.htmlgraph.atomic.UnsafeLinkException;
import io.htmlgraph.atomic.internal.SafeFiles;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code atomic read FILE}: prints the file, retrying I/O failures.
 *
 * <p>Streamed in constant memory, in two passes over one open file: the first checks that all of it
 * is strict UTF-8, the second prints it. So nothing is printed from a file that is not text, and the
 * size of the file does not matter (reading it into one string, as {@code safeReadWithRetry} does,
 * ended in a raw {@code OutOfMemoryError} beyond 2 GB, and sooner with a small heap). Both passes read
 * the same open file: a writer that replaces FILE atomically meanwhile does not mix two versions.
 */
@Command(
    name = "read",
    mixinStandardHelpOptions = true,
    header = "Print FILE, retrying when reading fails.",
    description = {
      "Prints FILE (UTF-8 text), retrying when reading fails: after failed attempt k (from 0) it waits "
          + "DELAY * 2^k. A file that is not valid UTF-8 is an error at once (waiting will not change it), "
          + "and nothing of it is printed. Any size, in constant memory. FILE must be a regular file."
    })
final class ReadCommand implements Callable<Integer> {
  private static final int CHUNK = 64 * 1024;

  @Spec CommandSpec spec;

  @Parameters(paramLabel = "FILE", description = "The file to print.")
  Path file;

  @Option(names = "--retries", paramLabel = "N", defaultValue = "3", description = "Attempts in all, at least 1. Default: ${DEFAULT-VALUE}.")
  int retries;

  @Option(names = "--delay", paramLabel = "DURATION", defaultValue = "100ms", converter = Converters.DurationConverter.class,
      description = "Wait after the first failed attempt, doubled after each. Default: ${DEFAULT-VALUE}.")
  Duration delay;

  @Override
  public Integer call() throws IOException {
    if (retries < 1) {
      throw new ParameterException(spec.commandLine(), "--retries must be at least 1, was " + retries);
    }
    PrintWriter out = spec.commandLine().getOut();
    try (FileChannel ch = openValidated()) {
      print(ch, out);
    }
    return 0;
  }

  /**
   * Opens FILE and checks that it is UTF-8 text, retrying I/O failures with backoff.
   *
   * @return the file, positioned at its start
   */
  private FileChannel openValidated() throws IOException {
    IOException last = null;
    for (int k = 0; k < retries; k++) {
      try {
        return openAndValidate();
      } catch (CharacterCodingException e) {
        throw new CliException(file + ": not valid UTF-8 text", e);
      } catch (IOException e) {
        last = e;
      }
      if (k + 1 < retries) {
        sleep(backoff(delay, k));
      }
    }
    if (last instanceof FileSystemException) {
      throw last; // names the file already
    }
    // some failures, such as an I/O error of the disk, come without the file's name
    throw new CliException(file + ": " + Errors.describe(last), last);
  }

  private FileChannel openAndValidate() throws IOException {
    // The link rule on the way, a regular file only (a FIFO would block, a device may never end),
    // never through a link at the end, the opened handle checked.
    FileChannel ch;
    try {
      ch = SafeFiles.openForRead(file);
    } catch (SafeFiles.NotRegularFileException | UnsafeLinkException refused) {
      throw new CliException(refused.getMessage(), refused);
    }
    try {
      decode(ch, null);
      ch.position(0);
      return ch;
    } catch (Throwable t) {
      ch.close();
      throw t;
    }
  }

  /** The second pass: prints the file, whose text the first pass checked. */
  private void print(FileChannel ch, PrintWriter out) {
    try {
      decode(ch, out);
    } catch (CharacterCodingException e) {
      throw new CliException(file + ": changed while being printed, and is no longer valid UTF-8 text; "
          + "the output is incomplete", e);
    } catch (IOException e) {
      throw new CliException(file + ": reading failed part way, the output is incomplete: " + Errors.describe(e), e);
    }
    if (out.checkError()) {
      throw new CliException(file + ": writing to standard output failed; the output is incomplete");
    }
  }

  /**
   * Decodes all of {@code ch} as strict UTF-8, {@code CHUNK} bytes at a time, and prints the text to
   * {@code out} unless it is null.
   *
   * @throws CharacterCodingException at the first byte that is not UTF-8
   */
  private static void decode(FileChannel ch, PrintWriter out) throws IOException {
    CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer bytes = ByteBuffer.allocate(CHUNK);
    CharBuffer chars = CharBuffer.allocate(CHUNK);
    boolean end = false;
    while (!end) {
      end = ch.read(bytes) < 0;
      bytes.flip();
      CoderResult r;
      do {
        r = decoder.decode(bytes, chars, end);
        if (r.isError()) {
          r.throwException();
        }
        drain(chars, out);
      } while (r.isOverflow());
      bytes.compact();
      if (out != null && out.checkError()) {
        return; // standard output failed: the caller reports it, reading on would be for nothing
      }
    }
    CoderResult r;
    do {
      r = decoder.flush(chars);
      drain(chars, out);
    } while (r.isOverflow());
  }

  private static void drain(CharBuffer chars, PrintWriter out) {
    chars.flip();
    if (out != null && chars.hasRemaining()) {
      out.write(chars.array(), chars.position(), chars.remaining());
    }
    chars.clear();
  }

  /** @return {@code delay * 2^k}, saturated at the longest duration the options take */
  static Duration backoff(Duration delay, int k) {
    if (delay.isZero()) {
      return delay;
    }
    if (k >= 62) {
      return Converters.LONGEST;
    }
    try {
      Duration d = delay.multipliedBy(1L << k);
      return d.compareTo(Converters.LONGEST) > 0 ? Converters.LONGEST : d;
    } catch (ArithmeticException overflow) {
      return Converters.LONGEST;
    }
  }

  private void sleep(Duration d) throws InterruptedIOException {
    try {
      TimeUnit.NANOSECONDS.sleep(d.toNanos());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting to retry reading " + file);
    }
  }
}
