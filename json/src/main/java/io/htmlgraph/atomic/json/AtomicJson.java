package io.htmlgraph.atomic.json;

import io.htmlgraph.atomic.internal.SafeFiles;
import java.nio.channels.Channels;
import io.htmlgraph.atomic.AtomicFileOutputStream;
import io.htmlgraph.atomic.DirectoryLocker;
import io.htmlgraph.atomic.Fencing;
import io.htmlgraph.atomic.HeldLock;
import io.htmlgraph.atomic.Locker;
import io.htmlgraph.atomic.WriteOptions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.function.UnaryOperator;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.StreamWriteConstraints;
import tools.jackson.core.StreamWriteFeature;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.core.exc.JacksonIOException;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.core.json.JsonWriteFeature;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JavaType;
import tools.jackson.databind.MapperFeature;
import tools.jackson.databind.ObjectWriter;
import tools.jackson.databind.exc.InvalidDefinitionException;
import tools.jackson.databind.json.JsonMapper;

/**
 * JSON files written atomically and durably, in the very bytes of the Python original's
 * {@code atomic_json_write} ({@code json.dump(value, f, indent=indent, ensure_ascii=False)} and a
 * newline, in UTF-8), so that files written by either diff cleanly:
 * <ul>
 *   <li>one member or element per line, indented {@code indent} spaces per level, {@code ","} at line
 *       ends, {@code "name": value}, {@code {}} and {@code []} for empty containers;
 *   <li>strings as Python escapes them: {@code \"} {@code \\} {@code \n} {@code \r} {@code \t}
 *       {@code \b} {@code \f}, other control characters as lower-case <code>&#92;u00XX</code>, everything else
 *       (non-ASCII, emoji, DEL, U+2028) raw; an unpaired surrogate, which Python cannot encode at
 *       all, is written as an escape (<code>&#92;ud800</code>) and reads back as the same string (in
 *       a property name it is refused: Jackson's parser does not read it back there);
 *   <li>integers of any size in full; doubles as Python's {@code repr} ({@code 0.1}, {@code 1e-05},
 *       {@code 1e+100}, {@code 100.0}); members in the map's or the class's declaration order.
 * </ul>
 * Unlike the original it refuses NaN and the infinities (which JSON cannot hold) and commits through
 * {@link AtomicFileOutputStream}: the value streams into a temp beside the target, synced and renamed
 * over it as the {@link WriteOptions} ask (full durability by default). Any failure before the commit
 * leaves the target untouched and no temp behind; a value that fails within the first 64 KiB of
 * output does not touch the disk at all.
 *
 * <p>Values are serialized by Jackson 3 with its defaults, except for the layout above and properties
 * kept in declaration order. Reading is strict JSON: exactly one value, no {@code NaN}, no comments.
 *
 * <p><b>What is written is read back.</b> Reading has limits, which keep a hostile or broken file
 * from costing unbounded time or memory; writing refuses with {@link IllegalArgumentException},
 * before anything reaches the target, every value that reading would refuse, so that a file this
 * class wrote can always be read, and updated, again:
 * <table>
 *   <caption>Limits, the same for write and read</caption>
 *   <tr><th>limit</th><th>value</th><th>counted as</th></tr>
 *   <tr><td>nesting of arrays and objects</td><td>{@value #MAX_NESTING_DEPTH}</td>
 *       <td>levels (Jackson's default)</td></tr>
 *   <tr><td>a number</td><td>{@value #MAX_NUMBER_DIGITS} digits</td>
 *       <td>decimal digits as written, without sign, point or exponent marks: Python's own default
 *       limit for integers since 3.11 ({@code sys.int_info.default_max_str_digits}), so that integers
 *       pass between the two both ways (Jackson's default is 1000)</td></tr>
 *   <tr><td>a property name</td><td>{@value #MAX_NAME_BYTES} bytes</td>
 *       <td>in UTF-8, as Jackson's parser counts it (its default)</td></tr>
 *   <tr><td>a string</td><td>{@value #MAX_STRING_LENGTH} chars</td>
 *       <td>{@code String.length()}, binary data as its base64 text (Jackson's default)</td></tr>
 * </table>
 * The whole document has no size limit. The limits are set on this class's own Jackson factory,
 * so that a JVM-wide change of Jackson's defaults by other code cannot move them apart. A number
 * beyond the range of a double ({@code 1e400}) reads as a {@link java.math.BigDecimal} where the
 * type leaves the choice ({@code Object}, maps, lists), and is refused where a {@code double} or
 * {@code float} is asked for; no read ever gives NaN or an infinity, which write refuses.
 * {@code @JsonRawValue} content is written as it is, unchecked.
 *
 * <p>{@link #update(Path, Class, UnaryOperator) update} reads, changes and writes a file back under the
 * exclusive {@link DirectoryLocker} lock of its directory, so that threads and processes updating one
 * file never lose an update; {@link #update(Path, Class, Locker, Duration, WriteOptions, UnaryOperator)}
 * does so under any {@link Locker} (a ZooKeeper lock for processes on several hosts), and publishes
 * only while the lock stands.
 */
public final class AtomicJson {
  /** Python's {@code atomic_json_write} default. */
  public static final int DEFAULT_INDENT = 2;

  /** The deepest nesting of arrays and objects that is written and read. */
  public static final int MAX_NESTING_DEPTH = 500;
  /** The most digits of a number that is written and read (Python's limit for integers). */
  public static final int MAX_NUMBER_DIGITS = 4300;
  /** The longest property name that is written and read, in bytes of UTF-8. */
  public static final int MAX_NAME_BYTES = 50_000;
  /** The longest string that is written and read, in chars. */
  public static final int MAX_STRING_LENGTH = 100_000_000;

  /** What {@link #read} accepts; {@link ReadableLimitsGenerator} refuses the rest at write. */
  static final StreamReadConstraints READ_LIMITS = StreamReadConstraints.builder()
      .maxNestingDepth(MAX_NESTING_DEPTH)
      .maxNumberLength(MAX_NUMBER_DIGITS)
      .maxNameLength(MAX_NAME_BYTES)
      .maxStringLength(MAX_STRING_LENGTH)
      .maxDocumentLength(-1)
      .maxTokenCount(-1)
      .build();

  private static final JsonMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
          .streamReadConstraints(READ_LIMITS)
          .streamWriteConstraints(StreamWriteConstraints.builder().maxNestingDepth(MAX_NESTING_DEPTH).build())
          // Python writes "/" as is, lower-case hex in \\u escapes, and characters beyond the BMP as raw
          // 4-byte UTF-8 (Jackson's UTF-8 writer would escape them as a \\uD83D\\uDE00 pair)
          .disable(JsonWriteFeature.ESCAPE_FORWARD_SLASHES)
          .disable(JsonWriteFeature.WRITE_HEX_UPPER_CASE)
          .disable(JsonWriteFeature.ESCAPE_NON_ASCII)
          .enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8)
          // the caller's stream is ours to commit or abort, never Jackson's to close
          .disable(StreamWriteFeature.AUTO_CLOSE_TARGET)
          .addDecorator((factory, generator) -> new PythonNumbersGenerator(new ReadableLimitsGenerator(generator)))
          .build())
      .disable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .addModule(FiniteNumbers.module())
      .build();

  private AtomicJson() {}

  /**
   * Writes {@code value} to {@code target} as JSON indented by 2, atomically and with full durability.
   *
   * @param target the file to replace or create (missing parent directories are created)
   * @param value a map, list, array, string, number, boolean, {@code null}, record or bean
   * @throws IllegalArgumentException if the value cannot be written as JSON (NaN, an infinity, a
   *     getter that throws, a type Jackson cannot serialize, a cycle), or the path is empty: the
   *     target is untouched
   * @throws NullPointerException if {@code target} is null
   * @throws IOException if the file cannot be written: the target is untouched and no temp is left,
   *     except for {@link io.htmlgraph.atomic.CommittedNotDurableException} (see
   *     {@link AtomicFileOutputStream#commit()})
   */
  public static void write(Path target, Object value) throws IOException {
    write(target, value, DEFAULT_INDENT, WriteOptions.defaults());
  }

  /**
   * As {@link #write(Path, Object)}, indented by {@code indent} spaces per level; 0 still puts each
   * member on its own line, as Python's {@code indent=0} does.
   *
   * @throws IllegalArgumentException also if {@code indent} is negative
   */
  public static void write(Path target, Object value, int indent) throws IOException {
    write(target, value, indent, WriteOptions.defaults());
  }

  /**
   * As {@link #write(Path, Object)}, with options (durability, temp directory, permissions, symlinks,
   * no-clobber).
   *
   * @throws IllegalArgumentException also if the options ask for a charset other than UTF-8
   * @throws java.nio.file.FileAlreadyExistsException with no-clobber, if the target exists
   */
  public static void write(Path target, Object value, WriteOptions options) throws IOException {
    write(target, value, DEFAULT_INDENT, options);
  }

  /**
   * As {@link #write(Path, Object)}, indented by {@code indent} and with options.
   *
   * @param target the file to replace or create
   * @param value the value
   * @param indent spaces per level, 0 or more
   * @param options durability, temp directory, permissions, symlinks, no-clobber; the charset must be
   *     UTF-8, the only encoding of JSON files (RFC 8259)
   * @throws IllegalArgumentException if the value cannot be written as JSON, {@code indent} is
   *     negative, the charset is not UTF-8 or the path is empty or names no file: nothing on disk
   *     changes
   * @throws java.nio.file.FileAlreadyExistsException with no-clobber, if the target exists
   * @throws IOException if the file cannot be written: the target is untouched and no temp is left,
   *     except for {@link io.htmlgraph.atomic.CommittedNotDurableException}
   */
  public static void write(Path target, Object value, int indent, WriteOptions options) throws IOException {
    checkFile(target, "target");
    Objects.requireNonNull(options, "options");
    if (indent < 0) {
      throw new IllegalArgumentException("indent must be 0 or more: " + indent);
    }
    if (!StandardCharsets.UTF_8.equals(options.charset())) {
      throw new IllegalArgumentException("JSON files are UTF-8; the options ask for " + options.charset());
    }
    ObjectWriter writer = MAPPER.writer().with(new PythonPrettyPrinter(indent));
    DeferredAtomicOutput out = new DeferredAtomicOutput(target, options);
    try {
      writer.writeValue(out, value);
      out.write('\n');
      out.commit();
    } catch (JacksonException e) {
      out.abort();
      throw writeFailure(e, out.fileFailure());
    } catch (Throwable t) {
      out.abort();
      throw t;
    }
  }

  /**
   * Jackson reports every failure unchecked; the caller gets the file's own {@link IOException} when
   * the file failed, and {@link IllegalArgumentException} when the value did.
   */
  private static IOException writeFailure(JacksonException e, Throwable fileFailure) {
    if (fileFailure instanceof IOException io) {
      return io;
    }
    if (fileFailure instanceof RuntimeException re) {
      throw re;
    }
    if (fileFailure instanceof Error err) {
      throw err;
    }
    if (e instanceof JacksonIOException io && io.getCause() != null) {
      return io.getCause();
    }
    throw new IllegalArgumentException("value cannot be written as JSON: " + e.getOriginalMessage() + where(e), e);
  }

  /**
   * @return where in the value the failure is, as a JSON pointer ({@code " (at /sessions/3/name)"}),
   *     or nothing: Jackson's own "reference chain" names Java classes
   */
  private static String where(JacksonException e) {
    if (e.getPath().isEmpty()) {
      return "";
    }
    StringBuilder sb = new StringBuilder(" (at ");
    for (JacksonException.Reference r : e.getPath()) {
      sb.append('/');
      if (r.getPropertyName() != null) {
        String name = r.getPropertyName();
        if (name.length() > 40) {
          name = name.substring(0, 37) + "...";
        }
        sb.append(name.replace("~", "~0").replace("/", "~1"));
      } else if (r.getIndex() >= 0) {
        sb.append(r.getIndex());
      } else {
        sb.append('?');
      }
    }
    return sb.append(')').toString();
  }

  /**
   * Reads, changes and writes back the JSON file {@code path} under the exclusive lock of its
   * directory, so that concurrent updaters (threads and processes) never lose an update:
   * <pre>{@code
   * AtomicJson.update(counter, Integer.class, n -> n == null ? 1 : n + 1);
   * }</pre>
   * Waits up to {@link DirectoryLocker#DEFAULT_TIMEOUT} (5 s) for the lock, writes with full
   * durability and indent 2. See {@link #update(Path, Class, Path, Duration, WriteOptions,
   * UnaryOperator)} for what is locked and what happens on each failure.
   *
   * @param path the JSON file; may be missing
   * @param type what to read it as
   * @param fn gets the current value ({@code null} if the file is missing or holds {@code null}) and
   *     returns the value to write
   * @return the value written
   * @throws io.htmlgraph.atomic.LockTimeoutException if the lock was not obtained in time: nothing
   *     read, nothing written
   * @throws InvalidJsonException if the file is not valid JSON of {@code type}: {@code fn} is not
   *     called, the file is untouched
   * @throws IOException if the file cannot be read or written (the file is untouched, except for
   *     {@link io.htmlgraph.atomic.CommittedNotDurableException})
   */
  public static <T> T update(Path path, Class<T> type, UnaryOperator<T> fn) throws IOException {
    Objects.requireNonNull(type, "type");
    return update(path, MAPPER.constructType(type), (Path) null, DirectoryLocker.DEFAULT_TIMEOUT,
        WriteOptions.defaults(), fn);
  }

  /** As {@link #update(Path, Class, UnaryOperator)}, for generic types such as {@code Map<String, Long>}. */
  public static <T> T update(Path path, TypeReference<T> type, UnaryOperator<T> fn) throws IOException {
    Objects.requireNonNull(type, "type");
    return update(path, MAPPER.constructType(type), (Path) null, DirectoryLocker.DEFAULT_TIMEOUT,
        WriteOptions.defaults(), fn);
  }

  /**
   * Reads, changes and writes back the JSON file {@code path} while holding an exclusive
   * {@link DirectoryLocker} lock: read it as a {@code type} ({@code null} if it is missing), apply
   * {@code fn}, {@link #write(Path, Object, WriteOptions) write} the result atomically, release.
   *
   * <p><b>What is locked.</b> The kernel lock on {@code lockDir/.lock} (created if missing, never
   * deleted), by a new {@code DirectoryLocker} of this call: it excludes every other {@code update}
   * with the same lock directory, in this JVM and in other processes, and every other
   * {@code DirectoryLocker} holder of that directory. It does <em>not</em> exclude code that writes
   * the file without taking the lock: every writer of the file must go through the lock. All
   * updaters of one file must name the same lock directory. Do not call this while this thread holds
   * the lock of {@code lockDir} through another {@code DirectoryLocker}: it waits for that hold and
   * times out.
   *
   * <p><b>On failure</b> nothing is written and the lock is released:
   * <ul>
   *   <li>the lock is not obtained within {@code timeout}: {@link io.htmlgraph.atomic.LockTimeoutException}
   *       (naming the holder when known), the file was not read;
   *   <li>the file is not valid JSON, or its JSON does not fit {@code type}: {@link InvalidJsonException};
   *       {@code fn} is not called (a file that cannot be read must not be silently replaced);
   *   <li>{@code fn} throws: its exception, as is;
   *   <li>the result cannot be written as JSON: {@link IllegalArgumentException};
   *   <li>the write fails: its {@link IOException}, with the file as it was (except for
   *       {@link io.htmlgraph.atomic.CommittedNotDurableException}: the new value is in place but its
   *       directory entry may not survive a power cut).
   * </ul>
   *
   * @param path the JSON file; may be missing (its parent directories are created by the write)
   * @param type what to read it as
   * @param lockDir the directory whose lock guards the file; {@code null} for the file's own directory
   * @param timeout the longest wait for the lock; zero or less tries once
   * @param options how to write (durability, temp directory, permissions, symlinks); no-clobber makes
   *     every update of an existing file fail with {@link java.nio.file.FileAlreadyExistsException}
   * @param fn gets the current value ({@code null} if the file is missing or holds {@code null}) and
   *     returns the value to write ({@code null} writes JSON {@code null}); it runs under the lock, so
   *     keep it short
   * @return the value written
   * @throws java.io.InterruptedIOException if the thread is interrupted while waiting for the lock
   *     (its interrupt status is kept; nothing written)
   * @throws IllegalArgumentException if the path is empty or names no file, or the options' charset
   *     is not UTF-8
   */
  public static <T> T update(Path path, Class<T> type, Path lockDir, Duration timeout, WriteOptions options,
      UnaryOperator<T> fn) throws IOException {
    Objects.requireNonNull(type, "type");
    return update(path, MAPPER.constructType(type), lockDir, timeout, options, fn);
  }

  /**
   * As {@link #update(Path, Class, Path, Duration, WriteOptions, UnaryOperator)}, for generic types.
   */
  public static <T> T update(Path path, TypeReference<T> type, Path lockDir, Duration timeout,
      WriteOptions options, UnaryOperator<T> fn) throws IOException {
    Objects.requireNonNull(type, "type");
    return update(path, MAPPER.constructType(type), lockDir, timeout, options, fn);
  }

  /**
   * Reads, changes and writes back the JSON file {@code path} while holding the exclusive lock of
   * {@code locker}, and publishes only while that lock stands: as
   * {@link #update(Path, Class, Path, Duration, WriteOptions, UnaryOperator)}, with any
   * {@link Locker} (a {@link DirectoryLocker}, or a ZooKeeper locker for processes on several hosts).
   * (To pass a null lock directory to the {@code Path} overload, write {@code (Path) null}.)
   *
   * <p><b>Fencing.</b> A lock that can be lost (a ZooKeeper session that expires while the holder is
   * paused) must not let its late holder overwrite a newer holder's update. Right before writing, this
   * calls {@link Fencing#checkAndRecord} with the file {@code .NAME.fence} beside {@code path}: it
   * refuses when the hold no longer stands, or when that file records a newer holder's fencing token,
   * and otherwise records this hold's token there. Locks that cannot be lost (a
   * {@code DirectoryLocker}'s, token 0) write no fence file and cost nothing more. Every updater of a
   * file must name it by the same path, for all to share one fence file.
   *
   * @param path the JSON file; may be missing (its parent directories are created by the write)
   * @param type what to read it as
   * @param locker whose exclusive lock guards the file; every updater of the file must use that lock
   * @param timeout the longest wait for the lock; zero or less tries once
   * @param options how to write (durability, temp directory, permissions, symlinks)
   * @param fn gets the current value ({@code null} if the file is missing or holds {@code null}) and
   *     returns the value to write; it runs under the lock, so keep it short
   * @return the value written
   * @throws io.htmlgraph.atomic.LockTimeoutException if the lock was not obtained in time: nothing read,
   *     nothing written
   * @throws io.htmlgraph.atomic.LockLostException if the lock was lost before the write, or a newer
   *     holder has published: {@code fn} ran, nothing was written
   * @throws java.io.InterruptedIOException if the thread is interrupted while waiting for the lock
   *     (its interrupt status is kept; nothing written)
   * @throws InvalidJsonException if the file is not valid JSON of {@code type}: {@code fn} is not
   *     called, the file is untouched
   * @throws IllegalArgumentException if the path is empty or names no file, or the options' charset
   *     is not UTF-8
   * @throws IOException if the lock cannot be taken for a reason other than contention, or the file
   *     cannot be read or written (the file is untouched, except for
   *     {@link io.htmlgraph.atomic.CommittedNotDurableException})
   */
  public static <T> T update(Path path, Class<T> type, Locker locker, Duration timeout, WriteOptions options,
      UnaryOperator<T> fn) throws IOException {
    Objects.requireNonNull(type, "type");
    return update(path, MAPPER.constructType(type), locker, timeout, options, fn);
  }

  /**
   * As {@link #update(Path, Class, Locker, Duration, WriteOptions, UnaryOperator)}, for generic types.
   */
  public static <T> T update(Path path, TypeReference<T> type, Locker locker, Duration timeout,
      WriteOptions options, UnaryOperator<T> fn) throws IOException {
    Objects.requireNonNull(type, "type");
    return update(path, MAPPER.constructType(type), locker, timeout, options, fn);
  }

  private static <T> T update(Path path, JavaType type, Path lockDir, Duration timeout, WriteOptions options,
      UnaryOperator<T> fn) throws IOException {
    checkUpdate(path, timeout, options, fn);
    // a relative "state.json" has no parent: its directory is the current one
    Path dir = lockDir != null ? lockDir : path.toAbsolutePath().getParent();
    return locked(path, type, new DirectoryLocker(dir), timeout, options, fn);
  }

  private static <T> T update(Path path, JavaType type, Locker locker, Duration timeout, WriteOptions options,
      UnaryOperator<T> fn) throws IOException {
    Objects.requireNonNull(locker, "locker");
    checkUpdate(path, timeout, options, fn);
    return locked(path, type, locker, timeout, options, fn);
  }

  private static void checkUpdate(Path path, Duration timeout, WriteOptions options, UnaryOperator<?> fn) {
    checkFile(path, "path");
    Objects.requireNonNull(timeout, "timeout");
    Objects.requireNonNull(options, "options");
    Objects.requireNonNull(fn, "fn");
    if (!StandardCharsets.UTF_8.equals(options.charset())) {
      throw new IllegalArgumentException("JSON files are UTF-8; the options ask for " + options.charset());
    }
  }

  private static <T> T locked(Path path, JavaType type, Locker locker, Duration timeout, WriteOptions options,
      UnaryOperator<T> fn) throws IOException {
    try (HeldLock lock = locker.lockExclusive(timeout)) {
      T current;
      try {
        current = read(path, type);
      } catch (NoSuchFileException e) {
        current = null;
      }
      T next = fn.apply(current);
      // A lock that can be lost may be gone by now (fn ran long, the process was paused past its
      // session): publish only under a hold that stands, and never over a newer holder's update.
      Fencing.checkAndRecord(lock, fenceFileOf(path));
      write(path, next, DEFAULT_INDENT, options);
      return next;
    }
  }

  /** @return {@code .NAME.fence} beside {@code path}: where its publishers' fencing tokens are recorded */
  static Path fenceFileOf(Path path) {
    return path.resolveSibling("." + path.getFileName() + ".fence");
  }

  /**
   * Reads the JSON file {@code path} as a {@code type}: {@code Map.class} and {@code List.class} give
   * {@code LinkedHashMap}s and {@code ArrayList}s in file order, {@code Object.class} any JSON value,
   * records and beans are bound by name.
   *
   * @param path the file
   * @param type what to read it as
   * @return the value ({@code null} for a file holding {@code null})
   * @throws java.nio.file.NoSuchFileException if the file does not exist
   * @throws InvalidJsonException if the file is not exactly one JSON value (empty, truncated, a syntax
   *     error, trailing content, not UTF-8) or its JSON does not fit {@code type}; names the file, line
   *     and column
   * @throws IllegalArgumentException if Jackson cannot bind {@code type} at all, or the path is empty
   * @throws IOException if the file cannot be read (a directory, no permission)
   */
  public static <T> T read(Path path, Class<T> type) throws IOException {
    Objects.requireNonNull(type, "type");
    return read(path, MAPPER.constructType(type));
  }

  /**
   * As {@link #read(Path, Class)}, for generic types:
   * {@code AtomicJson.read(path, new TypeReference<Map<String, List<Session>>>() {})}.
   */
  public static <T> T read(Path path, TypeReference<T> type) throws IOException {
    Objects.requireNonNull(type, "type");
    return read(path, MAPPER.constructType(type));
  }

  /** As {@link #read(Path, Class)}, for a type built with Jackson's {@code TypeFactory}. */
  public static <T> T read(Path path, JavaType type) throws IOException {
    checkFile(path, "path");
    Objects.requireNonNull(type, "type");
    if (Files.isDirectory(path)) {
      throw new FileSystemException(path.toString(), null, "is a directory");
    }
    // the link rule on the way, a regular file only, never a blocking open of a FIFO put there
    try (InputStream in = Channels.newInputStream(SafeFiles.openForRead(path));
        JsonParser parser = FiniteNumbers.parser(MAPPER.createParser(in))) {
      return MAPPER.readValue(parser, type);
    } catch (JacksonIOException e) {
      throw e.getCause() != null ? e.getCause() : new IOException(e.getMessage(), e);
    } catch (InvalidDefinitionException e) {
      throw new IllegalArgumentException("cannot read JSON as " + type + ": " + e.getOriginalMessage(), e);
    } catch (JacksonException e) {
      TokenStreamLocation at = e.getLocation();
      long line = at == null ? -1 : at.getLineNr();
      long column = at == null ? -1 : at.getColumnNr();
      throw new InvalidJsonException(path, line, column, e.getOriginalMessage(), e);
    }
  }

  /**
   * The bytes {@link #write(Path, Object)} writes for {@code value} (indent 2, UTF-8, a trailing
   * newline), for content that is published by other means than a file of its own: a
   * {@link io.htmlgraph.atomic.FileTransaction} that changes several JSON files together, say.
   *
   * @param value a map, list, array, string, number, boolean, {@code null}, record or bean
   * @return the JSON text, encoded
   * @throws IllegalArgumentException if the value cannot be written as JSON (NaN, an infinity, a
   *     getter that throws, a type Jackson cannot serialize, a cycle)
   */
  public static byte[] toBytes(Object value) {
    byte[] json;
    try {
      json = MAPPER.writer().with(new PythonPrettyPrinter(DEFAULT_INDENT)).writeValueAsBytes(value);
    } catch (JacksonException e) {
      throw new IllegalArgumentException("value cannot be written as JSON: " + e.getOriginalMessage() + where(e), e);
    }
    byte[] line = new byte[json.length + 1];
    System.arraycopy(json, 0, line, 0, json.length);
    line[json.length] = '\n';
    return line;
  }

  /**
   * Tells whether {@code path} is an existing regular file (links followed) holding exactly one JSON
   * value (strict JSON in UTF-8, UTF-16 or UTF-32; any content after the value makes it invalid). The
   * file is streamed through the parser in constant memory: long strings are skipped, not held. Never
   * throws on I/O: an unreadable file is not valid.
   *
   * @param path the file
   * @return whether it holds one JSON value
   * @throws IllegalArgumentException if the path is empty
   * @throws NullPointerException if {@code path} is null
   */
  public static boolean validate(Path path) {
    checkFile(path, "path");
    if (!Files.isRegularFile(path)) {
      return false;
    }
    try (InputStream in = Channels.newInputStream(SafeFiles.openForRead(path));
        JsonParser parser = MAPPER.createParser(in)) {
      if (parser.nextToken() == null) {
        return false;
      }
      parser.skipChildren();
      return parser.nextToken() == null;
    } catch (IOException | JacksonException e) {
      return false;
    }
  }

  private static void checkFile(Path p, String what) {
    Objects.requireNonNull(p, what);
    if (p.toString().isEmpty()) {
      throw new IllegalArgumentException(what + " is an empty path");
    }
    if (p.getFileName() == null) {
      throw new IllegalArgumentException(what + " names no file: " + p);
    }
  }
}
