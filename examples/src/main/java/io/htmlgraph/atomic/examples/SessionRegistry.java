package io.htmlgraph.atomic.examples;

import io.htmlgraph.atomic.AtomicFiles;
import io.htmlgraph.atomic.DirectoryLock;
import io.htmlgraph.atomic.DirectoryLocker;
import io.htmlgraph.atomic.Durability;
import io.htmlgraph.atomic.WriteOptions;
import io.htmlgraph.atomic.json.AtomicJson;
import io.htmlgraph.atomic.json.InvalidJsonException;
import java.io.IOException;
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
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A registry of sessions shared by several processes, kept in a directory:
 * <pre>
 * dir/
 *   .lock              the DirectoryLocker lock file (never delete it)
 *   index.json         {"active": [ids], "archived": [ids]}
 *   active/ID.json     one file per active session
 *   archive/ID.json    one file per archived session
 * </pre>
 * Every change takes the exclusive lock of {@code dir}, so that processes registering at once all end
 * up in the index; {@link #list()} takes the shared lock. Every file is written atomically
 * ({@link AtomicJson}), so a reader never sees a torn file.
 *
 * <p><b>Crashes.</b> The session files are the truth and the index is derived from them; each change
 * writes the files first and the index after. {@link #archive(String)} writes the archive copy (durably),
 * then the index, then removes the active copy. A crash between any two steps leaves the session in
 * one of three states, which {@link #open(Path)} repairs under the lock: both copies (the archive copy
 * is complete, so it wins and the active copy is removed), or an index that does not name what the
 * files say (it is rewritten from the files). Temp files of writers that crashed are removed too.
 *
 * <p>A registry object holds no lock between calls and may be used by several threads: each call
 * takes the lock through a locker of its own.
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
  /** Session ids become file names: no path separators, no leading dot (temp and lock files). */
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}");
  /**
   * A lost heartbeat is harmless (the previous one stays), so heartbeats skip the directory sync;
   * FILE still syncs the data, so a crash leaves the old or the new file, never an empty one.
   */
  private static final WriteOptions HEARTBEAT = WriteOptions.builder().durability(Durability.FILE).build();

  private final Path dir;
  private final Path active;
  private final Path archive;
  private final Path index;

  private SessionRegistry(Path dir) {
    this.dir = dir;
    this.active = dir.resolve("active");
    this.archive = dir.resolve("archive");
    this.index = dir.resolve("index.json");
  }

  /**
   * Opens (creating if needed) the registry in {@code dir} and repairs what a crash left: a session
   * with both an active and an archive copy is archived (the active copy is removed), the index is
   * rewritten if it is missing, invalid or differs from the session files, and temp files of crashed
   * writers are removed. Nothing is written when the registry is consistent.
   *
   * @param dir the registry's directory
   * @return the registry
   * @throws io.htmlgraph.atomic.LockTimeoutException if another process holds the lock for 30 s
   * @throws IOException if the directory cannot be created, read or repaired
   */
  public static SessionRegistry open(Path dir) throws IOException {
    SessionRegistry r = new SessionRegistry(Objects.requireNonNull(dir, "dir"));
    try (DirectoryLock lock = r.lock()) {
      Files.createDirectories(r.active);
      Files.createDirectories(r.archive);
      r.repair();
    }
    return r;
  }

  /** @return the registry's directory */
  public Path dir() {
    return dir;
  }

  /**
   * Registers a new active session of this process.
   *
   * @param id its name: letters, digits, {@code . _ -}, not starting with a dot, at most 128
   * @return the session as written
   * @throws IllegalArgumentException if the id is not a valid name
   * @throws IllegalStateException if a session of that id exists (active or archived): nothing changes
   * @throws IOException if the lock is not obtained in time or a file cannot be written; a crash or
   *     failure between the session file and the index is repaired by the next {@link #open(Path)}
   */
  public Session register(String id) throws IOException {
    checkId(id);
    try (DirectoryLock lock = lock()) {
      if (Files.exists(activeFile(id)) || Files.exists(archiveFile(id))) {
        throw new IllegalStateException("session " + id + " already exists in " + dir);
      }
      Instant now = Instant.now();
      Session s = new Session(id, ProcessHandle.current().pid(), now, now, null);
      AtomicJson.write(activeFile(id), s);
      updateIndex(i -> {
        i.active().add(id);
        return i;
      });
      return s;
    }
  }

  /**
   * Records that an active session is alive: sets its {@code lastHeartbeat} to now, with
   * {@link AtomicJson#update} under the registry's lock.
   *
   * @param id the session
   * @return the session as written
   * @throws NoSuchElementException if no session of that id is active: nothing changes
   * @throws IOException if the lock is not obtained in time or the file cannot be read or written
   */
  public Session heartbeat(String id) throws IOException {
    checkId(id);
    return AtomicJson.update(activeFile(id), Session.class, dir, LOCK_TIMEOUT, HEARTBEAT, s -> {
      if (s == null) {
        throw new NoSuchElementException("no active session " + id + " in " + dir);
      }
      return s.withHeartbeat(Instant.now());
    });
  }

  /**
   * Archives an active session. Three steps under the lock, each atomic: (1) write
   * {@code archive/ID.json}, durably; (2) move the id to "archived" in the index; (3) remove
   * {@code active/ID.json}. After a crash at any point the session is either still active or
   * archived, never both and never lost, once {@link #open(Path)} has run.
   *
   * @param id the session
   * @return the session as archived
   * @throws NoSuchElementException if no session of that id is active: nothing changes
   * @throws IOException if the lock is not obtained in time or a file cannot be read or written
   */
  public Session archive(String id) throws IOException {
    checkId(id);
    try (DirectoryLock lock = lock()) {
      Session s;
      try {
        s = AtomicJson.read(activeFile(id), Session.class);
      } catch (NoSuchFileException e) {
        throw new NoSuchElementException("no active session " + id + " in " + dir);
      }
      Session archived = s.withArchived(Instant.now());
      AtomicJson.write(archiveFile(id), archived);
      updateIndex(i -> {
        i.active().remove(id);
        i.archived().add(id);
        return i;
      });
      // No directory sync after the delete: if a power cut brings the active copy back, the durable
      // archive copy beside it tells open() that the session is archived, and it removes the copy.
      Files.delete(activeFile(id));
      return archived;
    }
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
    try (DirectoryLock lock = new DirectoryLocker(dir).lockShared(LOCK_TIMEOUT)) {
      return AtomicJson.read(index, Index.class);
    }
  }

  private List<Session> sessions(boolean activeOnes) throws IOException {
    try (DirectoryLock lock = new DirectoryLocker(dir).lockShared(LOCK_TIMEOUT)) {
      Index i = AtomicJson.read(index, Index.class);
      List<Session> out = new ArrayList<>();
      for (String id : activeOnes ? i.active() : i.archived()) {
        out.add(AtomicJson.read(activeOnes ? activeFile(id) : archiveFile(id), Session.class));
      }
      return out;
    }
  }

  /** Brings the index and the session files into agreement. The caller holds the exclusive lock. */
  private void repair() throws IOException {
    // we hold the lock, so no writer of this registry is live; a live temp is kept anyway
    for (Path d : List.of(dir, active, archive)) {
      AtomicFiles.cleanupOrphanedTempFiles(d, Duration.ZERO);
    }
    SortedSet<String> activeIds = ids(active);
    SortedSet<String> archivedIds = ids(archive);
    for (String id : archivedIds) {
      if (activeIds.remove(id)) {
        // archive() stopped (or its delete was lost) after writing the complete archive copy
        Files.delete(activeFile(id));
      }
    }
    Index actual = new Index(activeIds, archivedIds);
    if (!actual.equals(readIndexOrNull())) {
      AtomicJson.write(index, actual);
    }
  }

  private Index readIndexOrNull() throws IOException {
    try {
      return AtomicJson.read(index, Index.class);
    } catch (NoSuchFileException | InvalidJsonException e) {
      return null;
    }
  }

  /** Read, change, write the index. The caller holds the exclusive lock. */
  private void updateIndex(UnaryOperator<Index> change) throws IOException {
    Index current = readIndexOrNull();
    AtomicJson.write(index, change.apply(current == null ? new Index(null, null) : current));
  }

  private static SortedSet<String> ids(Path d) throws IOException {
    SortedSet<String> ids = new TreeSet<>();
    try (Stream<Path> files = Files.list(d)) {
      files.map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(".json") && ID.matcher(n.substring(0, n.length() - 5)).matches())
          .forEach(n -> ids.add(n.substring(0, n.length() - 5)));
    }
    return ids;
  }

  private DirectoryLock lock() throws IOException {
    // a locker per call: the owner of a hold is the locker, so threads sharing one would share holds
    return new DirectoryLocker(dir).lockExclusive(LOCK_TIMEOUT);
  }

  private Path activeFile(String id) {
    return active.resolve(id + ".json");
  }

  private Path archiveFile(String id) {
    return archive.resolve(id + ".json");
  }

  private static void checkId(String id) {
    Objects.requireNonNull(id, "id");
    if (!ID.matcher(id).matches()) {
      throw new IllegalArgumentException("not a valid session id: \"" + id + "\"");
    }
  }
}
