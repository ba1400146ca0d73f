package io.htmlgraph.atomic.testing.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The record of one simulation: the tree as it was when recording began (all of it durable), and
 * every change made since, in order.
 *
 * <p>Inodes are numbered by the simulator and found through the real file's key (device and inode
 * number). A key the kernel reuses after a delete is re-bound when the new file is created, since
 * every creation inside the root goes through the recording provider.
 */
public final class Journal {
  /** Inode number of the simulated root directory. */
  public static final int ROOT = 0;

  /** What a file was when recording began. */
  public record Initial(Type type, byte[] content, Map<String, Integer> entries) {}

  /** The type of an inode. */
  public enum Type { FILE, DIRECTORY, SYMLINK }

  private final Path root; // real, absolute
  private final Map<Object, Integer> ids = new HashMap<>();
  private final Map<Integer, Initial> initial = new HashMap<>();
  private final List<Op> ops = new ArrayList<>();
  private final Map<String, Integer> marks = new LinkedHashMap<>();
  private boolean recording;
  private int nextId;

  /** @param realRoot the real directory the simulated file system's workload works in */
  public Journal(Path realRoot) {
    this.root = realRoot.toAbsolutePath().normalize();
  }

  /** @return the real, absolute root */
  public Path root() {
    return root;
  }

  /** Takes the snapshot of the tree (all of it durable) and starts recording. */
  public synchronized void start() throws IOException {
    ids.clear();
    initial.clear();
    nextId = 0;
    snapshot(root);
    recording = true;
  }

  /** Stops recording; later operations pass through unrecorded. */
  public synchronized void stop() {
    recording = false;
  }

  /** @return whether changes are being recorded (between {@link #start()} and {@link #stop()}) */
  public synchronized boolean recording() {
    return recording;
  }

  private int snapshot(Path p) throws IOException {
    BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    int id = nextId++;
    ids.put(a.fileKey(), id);
    if (a.isDirectory()) {
      Map<String, Integer> entries = new TreeMap<>();
      try (var s = Files.newDirectoryStream(p)) {
        List<Path> children = new ArrayList<>();
        s.forEach(children::add);
        children.sort(null);
        for (Path c : children) {
          BasicFileAttributes ca = Files.readAttributes(c, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
          Integer known = ids.get(ca.fileKey());
          // a second hard link to a file already seen names the same inode
          entries.put(c.getFileName().toString(), known != null && !ca.isDirectory() ? known : snapshot(c));
        }
      }
      initial.put(id, new Initial(Type.DIRECTORY, null, entries));
    } else if (a.isSymbolicLink()) {
      initial.put(id, new Initial(Type.SYMLINK,
          Files.readSymbolicLink(p).toString().getBytes(StandardCharsets.UTF_8), null));
    } else if (a.isRegularFile()) {
      initial.put(id, new Initial(Type.FILE, Files.readAllBytes(p), null));
    } else {
      throw new FileSystemException(p.toString(), null, "the crash simulator models only files, directories and links");
    }
    return id;
  }

  /** @return the simulator's number of the file {@code real} names, or -1 if it is not inside the root */
  public synchronized int idOf(Path real, boolean followLinks) throws IOException {
    BasicFileAttributes a = followLinks
        ? Files.readAttributes(real, BasicFileAttributes.class)
        : Files.readAttributes(real, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    Integer id = ids.get(a.fileKey());
    return id == null ? -1 : id;
  }

  /** Gives the file {@code real} (just created) a new number. */
  public synchronized int bind(Path real) throws IOException {
    BasicFileAttributes a = Files.readAttributes(real, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    int id = nextId++;
    ids.put(a.fileKey(), id);
    return id;
  }

  /**
   * @return the number of the directory that holds the entry {@code real} (its parent, links
   *     followed, as the kernel resolves it)
   * @throws FileSystemException if that directory is outside the simulated root: a change there would
   *     escape the simulation
   */
  public int parentOf(Path real) throws IOException {
    Path abs = real.toAbsolutePath();
    Path parent = abs.getParent();
    int id;
    try {
      id = parent == null ? -1 : idOf(parent, true);
    } catch (NoSuchFileException e) {
      throw new NoSuchFileException(real.toString(), null, "parent directory does not exist");
    }
    if (id < 0) {
      throw new FileSystemException(real.toString(), null, "outside the crash simulator's root " + root
          + " (or made there without the simulated file system)");
    }
    return id;
  }

  /** @return {@code real} as the workload sees it, relative to the root */
  public String display(Path real) {
    Path abs = real.toAbsolutePath().normalize();
    return abs.startsWith(root) ? "/" + root.relativize(abs).toString().replace('\\', '/') : abs.toString();
  }

  /** Appends {@code op}, if recording. */
  public synchronized void record(Op op) {
    if (recording) {
      ops.add(op);
    }
  }

  /** Notes that the workload passed {@code label}: crash points from here on have passed it. */
  public synchronized void mark(String label) {
    if (recording) {
      marks.put(label, ops.size());
    }
  }

  /** @return the operations recorded, in order */
  public synchronized List<Op> ops() {
    return List.copyOf(ops);
  }

  /** @return each mark's label, with the number of operations recorded before it */
  public synchronized Map<String, Integer> marks() {
    return Map.copyOf(marks);
  }

  /** @return the tree when recording began, by inode number */
  public synchronized Map<Integer, Initial> initial() {
    return Map.copyOf(initial);
  }
}
