package io.htmlgraph.atomic.examples;

import io.htmlgraph.atomic.DirectoryLocker;
import io.htmlgraph.atomic.FileTransaction;
import io.htmlgraph.atomic.IOFunction;
import io.htmlgraph.atomic.LockMode;
import io.htmlgraph.atomic.LockTimeoutException;
import io.htmlgraph.atomic.Locker;
import io.htmlgraph.atomic.json.AtomicJson;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;

/**
 * A registry of sessions shared by several processes, kept in a directory:
 * <pre>
 * dir/
 *   .lock              the DirectoryLocker lock file of {@link #open(Path)} (never delete it)
 *   .txn/              where a change waits to be published (FileTransaction's staging directory)
 *   index.json         {"active": [ids], "archived": [ids]}
 *   active/ID.json     one file per active session
 *   archive/ID.json    one file per archived session
 * </pre>
 *
 * <p><b>Every change is one {@link FileTransaction}.</b> {@link #register} writes the session file and
 * the index; {@link #archive} writes the archive copy and the index and deletes the active copy;
 * {@link #heartbeat} rewrites the session file. Each publishes all its files or none, durably, under
 * the exclusive lock of the registry's {@link Locker}; {@link #list()} and the other reads go through
 * {@link FileTransaction#read}, under the shared lock, so they never see a change half made. After a
 * crash at any moment, the next call (any of them: each begins a transaction or a read, which finishes
 * an interrupted commit first) finds every file of the last change old or every file new.
 *
 * <p>So the only repair is {@link FileTransaction#recover}: a session both active and archived, an index
 * that does not name what the files say, or a writer's leftover temp cannot come out of a crash any
 * more, and the registry does not look for them. What a transaction cannot cover is damage from
 * outside: a file edited or deleted by hand, or written by a program that does not take the lock. The
 * registry reports it ({@link io.htmlgraph.atomic.json.InvalidJsonException}, {@link NoSuchFileException}
 * for a missing index) rather than guess which file is right.
 *
 * <p>A registry object holds no lock between calls and may be used by several threads. The holds of a
 * {@link Locker} belong to the locker instance, not to a thread (threads sharing one would not exclude
 * each other), so the registry lets one call at a time use its locker: calls of one registry object
 * queue in the JVM, and processes (or hosts, with a ZooKeeper locker) queue on the lock.
 */
public final class SessionRegistry {
  /**
   * The index file's content: the ids of the active and the archived sessions, sorted.
   *
   * @param active the ids of the active sessions
   * @param archived the ids of the archived sessions
   */
  public record Index(SortedSet<String> active, SortedSet<String> archived) {
    /**
     * Copies both sets into sorted sets.
     *
     * @param active the ids of the active sessions; null means none
     * @param archived the ids of the archived sessions; null means none
     */
    public Index {
      active = active == null ? new TreeSet<>() : new TreeSet<>(active);
      archived = archived == null ? new TreeSet<>() : new TreeSet<>(archived);
    }
  }

  /** Longest wait for the lock; a change holds it for a few milliseconds. */
  private static final Duration LOCK_TIMEOUT = Duration.ofSeconds(30);
  /** Session ids become file names: no path separators, no leading dot (temp, lock and staging files). */
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}");
  private static final String INDEX = "index.json";
  private static final String ACTIVE = "active";
  private static final String ARCHIVE = "archive";

  private final Path dir;
  private final Locker locker;
  /** One call at a time uses the locker (see the class comment); fair, so no thread waits forever. */
  private final ReentrantLock calls = new ReentrantLock(true);

  private SessionRegistry(Path dir, Locker locker) {
    this.dir = dir;
    this.locker = locker;
  }

  /**
   * Opens (creating if needed) the registry in {@code dir}, locked by a {@link DirectoryLocker} on
   * {@code dir}: the lock of every process of this host that opens it so.
   *
   * @param dir the registry's directory
   * @return the registry
   * @throws LockTimeoutException if another process holds the lock for 30 s
   * @throws io.htmlgraph.atomic.CommitIncompleteException if a change that a crash interrupted cannot
   *     be finished (see {@link FileTransaction#recover})
   * @throws IOException if the directory cannot be created or the index written
   */
  public static SessionRegistry open(Path dir) throws IOException {
    Objects.requireNonNull(dir, "dir");
    return open(dir, new DirectoryLocker(dir));
  }

  /**
   * Opens (creating if needed) the registry in {@code dir}, locked by {@code locker}: finishes a change
   * that a crash interrupted, and writes an empty index if there is none (one transaction). Nothing is
   * written when the registry exists and no change was interrupted. Every process that uses the
   * registry must use the same lock (a {@link DirectoryLocker} on the same directory, or a ZooKeeper
   * lock on the same path).
   *
   * @param dir the registry's directory
   * @param locker the lock that guards it
   * @return the registry
   * @throws LockTimeoutException if the lock was not obtained within 30 s
   * @throws io.htmlgraph.atomic.CommitIncompleteException if a change that a crash interrupted cannot
   *     be finished (see {@link FileTransaction#recover})
   * @throws IOException if the directory cannot be created or the index written
   */
  public static SessionRegistry open(Path dir, Locker locker) throws IOException {
    Objects.requireNonNull(dir, "dir");
    Objects.requireNonNull(locker, "locker");
    SessionRegistry r = new SessionRegistry(dir, locker);
    r.change(tx -> {
      // begin has finished any interrupted change; a registry without an index is a new one
      if (!Files.exists(dir.resolve(INDEX))) {
        tx.write(r.relative(INDEX), AtomicJson.toBytes(new Index(null, null)));
        tx.commit();
      }
      return null;
    });
    return r;
  }

  /** @return the registry's directory */
  public Path dir() {
    return dir;
  }

  /**
   * Registers a new active session of this process: writes {@code active/ID.json} and the index, in
   * one transaction.
   *
   * @param id its name: letters, digits, {@code . _ -}, not starting with a dot, at most 128
   * @return the session as written
   * @throws IllegalArgumentException if the id is not a valid name
   * @throws IllegalStateException if a session of that id exists (active or archived): nothing changes
   * @throws IOException if the lock is not obtained in time or a file cannot be read or written: nothing
   *     changes (or, for {@link io.htmlgraph.atomic.CommitIncompleteException}, the next call finishes it)
   */
  public Session register(String id) throws IOException {
    checkId(id);
    return change(tx -> {
      if (Files.exists(dir.resolve(activeFile(id))) || Files.exists(dir.resolve(archiveFile(id)))) {
        throw new IllegalStateException("session " + id + " already exists in " + dir);
      }
      Instant now = Instant.now();
      Session s = new Session(id, ProcessHandle.current().pid(), now, now, null);
      Index index = readIndex(dir);
      index.active().add(id);
      // the session file before the index: a reader without the lock sees the index name only sessions
      // whose file is there
      tx.write(activeFile(id), AtomicJson.toBytes(s));
      tx.write(relative(INDEX), AtomicJson.toBytes(index));
      tx.commit();
      return s;
    });
  }

  /**
   * Records that an active session is alive: sets its {@code lastHeartbeat} to now. A transaction of one
   * file, as durable as the other changes: a heartbeat written any other way would leave a temp after a
   * crash, and the registry would need a sweep besides recovery.
   *
   * @param id the session
   * @return the session as written
   * @throws NoSuchElementException if no session of that id is active: nothing changes
   * @throws IOException if the lock is not obtained in time or the file cannot be read or written
   */
  public Session heartbeat(String id) throws IOException {
    checkId(id);
    return change(tx -> {
      Session beat = readSession(dir, activeFile(id), id).withHeartbeat(Instant.now());
      tx.write(activeFile(id), AtomicJson.toBytes(beat));
      tx.commit();
      return beat;
    });
  }

  /**
   * Archives an active session: writes {@code archive/ID.json} and the index and deletes
   * {@code active/ID.json}, in one transaction. After a crash at any point the session is still active
   * or archived, never both and never lost.
   *
   * @param id the session
   * @return the session as archived
   * @throws NoSuchElementException if no session of that id is active: nothing changes
   * @throws IOException if the lock is not obtained in time or a file cannot be read or written
   */
  public Session archive(String id) throws IOException {
    checkId(id);
    return change(tx -> {
      Session archived = readSession(dir, activeFile(id), id).withArchived(Instant.now());
      Index index = readIndex(dir);
      index.active().remove(id);
      index.archived().add(id);
      tx.write(archiveFile(id), AtomicJson.toBytes(archived));
      tx.write(relative(INDEX), AtomicJson.toBytes(index));
      tx.delete(activeFile(id));
      tx.commit();
      return archived;
    });
  }

  /**
   * @return the active sessions, by id, as the index names them
   * @throws IOException if the lock is not obtained in time or a file cannot be read
   */
  public List<Session> list() throws IOException {
    return sessions(true);
  }

  /**
   * @return the archived sessions, by id, as the index names them
   * @throws IOException if the lock is not obtained in time or a file cannot be read
   */
  public List<Session> listArchived() throws IOException {
    return sessions(false);
  }

  /**
   * @return the index as stored
   * @throws IOException if the lock is not obtained in time or the index cannot be read
   */
  public Index index() throws IOException {
    return read(SessionRegistry::readIndex);
  }

  private List<Session> sessions(boolean activeOnes) throws IOException {
    return read(root -> {
      List<Session> out = new ArrayList<>();
      Index index = readIndex(root);
      for (String id : activeOnes ? index.active() : index.archived()) {
        out.add(AtomicJson.read(root.resolve(activeOnes ? activeFile(id) : archiveFile(id)), Session.class));
      }
      return out;
    });
  }

  /** Runs {@code body} in a transaction on the registry; the body commits it or changes nothing. */
  private <T> T change(IOFunction<FileTransaction, T> body) throws IOException {
    enter();
    try (FileTransaction tx = FileTransaction.begin(dir, locker, LOCK_TIMEOUT)) {
      return body.apply(tx);
    } finally {
      calls.unlock();
    }
  }

  /** Runs {@code reader} on a consistent view of the registry (under the shared lock). */
  private <T> T read(IOFunction<Path, T> reader) throws IOException {
    enter();
    try {
      return FileTransaction.read(dir, locker, LOCK_TIMEOUT, reader);
    } finally {
      calls.unlock();
    }
  }

  /** Waits for this object's turn to use the locker. */
  private void enter() throws IOException {
    try {
      if (!calls.tryLock(LOCK_TIMEOUT.toNanos(), TimeUnit.NANOSECONDS)) {
        throw new LockTimeoutException(dir, LockMode.EXCLUSIVE, LOCK_TIMEOUT, null);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for another thread's call on the registry " + dir);
    }
  }

  private static Index readIndex(Path root) throws IOException {
    return AtomicJson.read(root.resolve(INDEX), Index.class);
  }

  private static Session readSession(Path root, Path file, String id) throws IOException {
    try {
      return AtomicJson.read(root.resolve(file), Session.class);
    } catch (NoSuchFileException e) {
      throw new NoSuchElementException("no active session " + id + " in " + root);
    }
  }

  /**
   * @return a file of the registry relative to its directory, as a transaction takes it: a path of the
   *     directory's own file system (which need not be the default one)
   */
  private Path relative(String first, String... more) {
    return dir.getFileSystem().getPath(first, more);
  }

  private Path activeFile(String id) {
    return relative(ACTIVE, id + ".json");
  }

  private Path archiveFile(String id) {
    return relative(ARCHIVE, id + ".json");
  }

  private static void checkId(String id) {
    Objects.requireNonNull(id, "id");
    if (!ID.matcher(id).matches()) {
      throw new IllegalArgumentException("not a valid session id: \"" + id + "\"");
    }
  }
}
