package io.htmlgraph.atomic.internal;

import io.htmlgraph.atomic.LockMode;
import io.htmlgraph.atomic.LockOwner;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotLinkException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Optional;

/**
 * The owner record of a lock ({@code .lock.owner}): who holds it, as the text of a <em>symbolic
 * link</em>, {@code .lock.owner -> 4242@build-7 exclusive 2026-11-25T18:00:00.123Z} (pid, host, mode,
 * since). {@code ls -l} or {@code readlink} shows it. The same trick as Emacs's lock files
 * ({@code .#file -> user@host.pid}) and Mercurial's repository lock ({@code lock -> host:pid}).
 *
 * <p>Why a link and not a file: the name {@code .lock.owner} sits in a directory that other users may
 * write, so anything can be planted there (a link to a root-only file, a FIFO, a directory, a file of
 * gigabytes). A file would have to be opened to be read, and {@code open(2)} of a FIFO for reading
 * blocks until a writer comes (a lock timeout that reads the record would then never end), while no
 * check before the open closes the race with a swap. The record as a link is never opened:
 *
 * <ul>
 *   <li><b>Read</b> with {@code readlink(2)}, which never follows a link, never blocks and returns at
 *       most {@code PATH_MAX} bytes; a name that is not a link (FIFO, directory, file) or whose text
 *       does not parse is "no record".
 *   <li><b>Written</b> with {@code symlink(2)}, which fails on an existing name and never follows
 *       one: straight at the record's name when it is free, else under a fresh name and then renamed
 *       over the record ({@code rename(2)} replaces the name itself, whatever it is, and never follows
 *       it). Nothing is ever written through a link planted there. A directory at the name makes the
 *       rename fail, and there is then no record.
 *   <li><b>Removed</b> with {@code unlink(2)}, which removes the name, never what a link names.
 * </ul>
 *
 * <p>The text is short (under 60 bytes for host names of up to 16 characters) because ext4 keeps
 * such a link in its inode: removing a longer one, which has a data block, took 1 to 2 ms here
 * instead of 20 to 30 µs.
 *
 * <p>Where the file system has no symbolic links, no record is written (the record is advice).
 * Records of earlier versions of the library were regular files: they are not read (that would need
 * an open), and are replaced by the next record.
 */
public final class OwnerRecords {
  /** The suffix of the record's name: {@code .lock} has its record in {@code .lock.owner}. */
  private static final String SUFFIX = ".owner";

  private OwnerRecords() {}

  /** @return the owner record that belongs beside {@code lockFile} */
  public static Path recordOf(Path lockFile) {
    return lockFile.resolveSibling(lockFile.getFileName() + SUFFIX);
  }

  /** @return this process's pid */
  public static long pid() {
    return ProcessHandle.current().pid();
  }

  /**
   * @return this host's name (looked up once; {@code "localhost"} if the lookup fails), with any
   *     character that cannot stand in the record's text (blank, {@code /}, {@code =}, control
   *     characters) replaced by {@code _}
   */
  public static String host() {
    return Host.NAME;
  }

  private static final class Host {
    // Looked up once: a host with a misconfigured resolver may take seconds per lookup.
    static final String NAME = clean(lookup());

    private static String lookup() {
      try {
        return InetAddress.getLocalHost().getHostName();
      } catch (IOException | SecurityException e) {
        return "localhost";
      }
    }

    private static String clean(String name) {
      StringBuilder sb = new StringBuilder(Math.min(name.length(), 255));
      for (int i = 0; i < name.length() && sb.length() < 255; i++) {
        char c = name.charAt(i);
        sb.append(c <= ' ' || c == '/' || c == '=' || c == 0x7f ? '_' : c);
      }
      return sb.length() == 0 ? "localhost" : sb.toString();
    }
  }

  /** @return a record for this process, since {@code since} to the millisecond (as the text keeps it) */
  public static LockOwner self(LockMode mode, Instant since) {
    return new LockOwner(pid(), host(), mode, since.truncatedTo(ChronoUnit.MILLIS));
  }

  /** @return the text of the record: {@code pid@host mode since}, one line, no {@code /} */
  public static String format(LockOwner owner) {
    return owner.pid() + "@" + owner.host() + " " + owner.mode().name().toLowerCase(Locale.ROOT) + " "
        + owner.since().truncatedTo(ChronoUnit.MILLIS);
  }

  /**
   * @param text the text of a record
   * @return the record, or empty if the text is not one
   */
  public static Optional<LockOwner> parse(String text) {
    String[] fields = text.split(" ", -1);
    if (fields.length != 3) {
      return Optional.empty();
    }
    int at = fields[0].indexOf('@');
    if (at <= 0 || at == fields[0].length() - 1) {
      return Optional.empty();
    }
    try {
      return Optional.of(new LockOwner(Long.parseLong(fields[0].substring(0, at)), fields[0].substring(at + 1),
          LockMode.valueOf(fields[1].toUpperCase(Locale.ROOT)), Instant.parse(fields[2])));
    } catch (IllegalArgumentException | DateTimeParseException e) {
      return Optional.empty();
    }
  }

  /**
   * Reads the record at {@code record} without opening anything: never blocks, never follows a link.
   *
   * @return the record; empty if there is none, or if what is there is not a record (not a link, or a
   *     link whose text does not parse)
   * @throws IOException if the name cannot be looked up (a directory on the way is not searchable)
   */
  public static Optional<LockOwner> read(Path record) throws IOException {
    Path text;
    try {
      text = Files.readSymbolicLink(record);
    } catch (NoSuchFileException | NotLinkException none) {
      return Optional.empty();
    } catch (UnsupportedOperationException noLinks) {
      return Optional.empty();
    }
    return parse(text.toString());
  }

  /**
   * Makes {@code owner} the record at {@code record}: the link itself if the name is free, else a new
   * link under a fresh name, renamed over whatever is at {@code record} (which is replaced, never
   * followed or opened). Something there that is not a record (a planted link, a FIFO, a file) is
   * named in a warning before it is replaced. A process killed between the two calls leaves a
   * dangling link {@code .lock.owner-*.tmp} (harmless; remove it by hand).
   *
   * @return the text written, for {@link #remove}
   * @throws IOException if the link cannot be made or renamed (a read-only or full directory, a
   *     directory at {@code record}, a sticky directory where another user's entry is there); nothing
   *     is left behind then
   */
  public static String write(Path record, LockOwner owner) throws IOException {
    String text = format(owner);
    Path target = record.getFileSystem().getPath(text);
    try {
      // the common case, nothing there (the last holder removed its record): one call
      Files.createSymbolicLink(record, target);
      return text;
    } catch (FileAlreadyExistsException replaceIt) {
      warnIfForeign(record);
    }
    String name = record.getFileName().toString();
    // .lock.owner-{microseconds}-{random}.tmp, made with symlink(2), which fails on an existing name
    Path fresh = record.resolveSibling(TempNames.next(name.startsWith(".") ? name.substring(1) : name));
    Files.createSymbolicLink(fresh, target);
    try {
      Files.move(fresh, record, StandardCopyOption.ATOMIC_MOVE);
      return text;
    } catch (IOException | RuntimeException e) {
      try {
        Files.deleteIfExists(fresh);
      } catch (IOException cleanup) {
        e.addSuppressed(cleanup);
      }
      throw e;
    }
  }

  /**
   * Removes the record at {@code record} if it is still the one written with {@code text} (another
   * process's record, or anything else planted there, stays). {@code unlink(2)}: a link is removed,
   * never what it names. Failures are logged: the record is advice.
   */
  public static void remove(Path record, String text) {
    try {
      if (Files.readSymbolicLink(record).toString().equals(text)) {
        Files.deleteIfExists(record);
      }
    } catch (NoSuchFileException | NotLinkException | UnsupportedOperationException notMine) {
      // removed by hand, or replaced by something else, which stays
    } catch (IOException e) {
      Log.get().log(System.Logger.Level.DEBUG, "could not remove the owner record " + record, e);
    }
  }

  /**
   * Removes whatever is at {@code record}, unread ({@code unlink(2)}: a link goes, never what it
   * names), for a holder that knows no one else can have written there. Failures are logged.
   */
  public static void remove(Path record) {
    try {
      Files.deleteIfExists(record);
    } catch (IOException e) {
      Log.get().log(System.Logger.Level.DEBUG, "could not remove the owner record " + record, e);
    }
  }

  private static void warnIfForeign(Path record) {
    String what;
    try {
      BasicFileAttributes a = Files.readAttributes(record, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      if (a.isSymbolicLink()) {
        if (read(record).isPresent()) {
          return; // a record (of a holder that died, or of a shared holder elsewhere)
        }
        what = "a symbolic link to " + Files.readSymbolicLink(record);
      } else {
        what = a.isRegularFile() ? "a file" : a.isDirectory() ? "a directory" : "a special file (FIFO, socket or device)";
      }
    } catch (NoSuchFileException none) {
      return;
    } catch (IOException | UnsupportedOperationException e) {
      return; // the write that follows reports what is wrong
    }
    Log.get().log(System.Logger.Level.WARNING,
        "{0} is {1}, not an owner record; replacing it with the record (never writing through it)",
        record, what);
  }

  /**
   * Tells whether a record read from disk is stale beyond doubt: it names a process of this host that
   * no longer runs (the holder was killed; the kernel freed its lock but not its record).
   */
  public static boolean isDeadHolder(LockOwner owner) {
    return owner.host().equals(host()) && ProcessHandle.of(owner.pid()).map(p -> !p.isAlive()).orElse(true);
  }
}
