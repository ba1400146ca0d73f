package io.htmlgraph.atomic.testing.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

/**
 * Replays a {@link Journal} and, at every crash point, enumerates the states the disk may hold.
 *
 * <p>The model, per inode:
 * <ul>
 *   <li>A file's data is durable as of its last sync ({@code fsync} or {@code fdatasync}). The writes
 *       and truncations after it survive as an in-order prefix (a large write counting as several
 *       block-aligned pieces), or the file keeps its newest size with the unsynced part reading as
 *       zeros (the size reached the journal, the data blocks did not).
 *   <li>A directory's entries are durable as of its last sync. The entry changes after it (create,
 *       mkdir, link, symlink, unlink, rename) survive as an in-order prefix. A rename within one
 *       directory is one change, so atomic; a rename across directories is two changes, one in each,
 *       that survive independently.
 *   <li>Inodes are independent of each other: any combination of their prefixes may survive.
 *   <li>In the ext4-like model a file's sync also makes durable the entry changes of its directory
 *       up to the last one that named the file; in the strict model it does not.
 * </ul>
 * Crash points lie after every operation and between the pieces of large writes.
 */
public final class Explorer {
  /** Receives the states of the crash points, in a deterministic order. */
  public interface Sink {
    /**
     * @param crashPoint the index of the crash point (0: before the first operation)
     * @param completedOps how many recorded operations had completed
     * @param signature a digest of the tree, equal for equal trees
     * @param description what the crash point is and which unsynced changes survived
     * @param state writes the tree into an empty real directory
     */
    void state(int crashPoint, int completedOps, byte[] signature, String description, Materializer state)
        throws IOException;
  }

  /** Writes one crash state into a real directory. */
  public interface Materializer {
    void writeTo(Path dir) throws IOException;
  }

  /** Totals of one exploration. */
  public record Totals(int crashPoints, long statesEnumerated, boolean sampled) {}

  private enum Type { FILE, DIRECTORY, SYMLINK }

  private record Entry(String remove, String add, int inode, String shown) {}

  private record Variant(byte[] content, String shown) {}

  private static final class Node {
    final Type type;
    String shown;
    byte[] durable = new byte[0];
    byte[] current = new byte[0];
    final List<Op.DataChange> pending = new ArrayList<>();
    byte[] link;
    Map<String, Integer> durableEntries = new TreeMap<>();
    final Map<String, Integer> currentEntries = new TreeMap<>();
    final List<Entry> pendingEntries = new ArrayList<>();

    Node(Type type, String shown) {
      this.type = type;
      this.shown = shown;
    }
  }

  private final Journal journal;
  private final boolean ext4Like;
  private final int blockSize;
  private final int maxPieces;
  private final int cap;
  private final long seed;
  private final Map<Integer, Node> nodes = new TreeMap<>();

  /**
   * @param ext4Like whether a file's sync also persists the entry that names it
   * @param blockSize the granularity of pieces of large writes
   * @param maxPieces the most pieces one write is cut into
   * @param cap the most states enumerated per crash point; beyond it, a seeded sample
   * @param seed the seed of that sample
   */
  public Explorer(Journal journal, boolean ext4Like, int blockSize, int maxPieces, int cap, long seed) {
    this.journal = journal;
    this.ext4Like = ext4Like;
    this.blockSize = blockSize;
    this.maxPieces = maxPieces;
    this.cap = cap;
    this.seed = seed;
  }

  /** Replays the journal and gives every state of every crash point to {@code sink}. */
  public Totals explore(Sink sink) throws IOException {
    nodes.clear();
    for (Map.Entry<Integer, Journal.Initial> e : journal.initial().entrySet()) {
      Journal.Initial in = e.getValue();
      Node n = new Node(Type.valueOf(in.type().name()), "#" + e.getKey());
      switch (n.type) {
        case FILE -> {
          n.durable = in.content();
          n.current = in.content();
        }
        case SYMLINK -> n.link = in.content();
        case DIRECTORY -> {
          n.durableEntries = new TreeMap<>(in.entries());
          n.currentEntries.putAll(in.entries());
        }
      }
      nodes.put(e.getKey(), n);
    }
    nameAll(Journal.ROOT, "/", new HashSet<>());
    List<Op> ops = journal.ops();
    List<Op> units = new ArrayList<>();
    List<Integer> completedAfter = new ArrayList<>();
    List<String> points = new ArrayList<>();
    for (int i = 0; i < ops.size(); i++) {
      List<Op> pieces = split(ops.get(i));
      for (int p = 0; p < pieces.size(); p++) {
        units.add(pieces.get(p));
        boolean last = p == pieces.size() - 1;
        completedAfter.add(last ? i + 1 : i);
        points.add(last
            ? "after operation " + (i + 1) + " of " + ops.size() + " (" + ops.get(i) + ")"
            : "inside operation " + (i + 1) + " of " + ops.size() + " (" + ops.get(i) + "), after piece "
                + (p + 1) + " of " + pieces.size());
      }
    }
    long enumerated = 0;
    boolean sampled = false;
    for (int point = 0; point <= units.size(); point++) {
      if (point > 0) {
        apply(units.get(point - 1));
      }
      String where = point == 0 ? "before the first operation" : points.get(point - 1);
      int completed = point == 0 ? 0 : completedAfter.get(point - 1);
      Enumerated counted = enumerate(point, completed, "crash " + where, sink);
      enumerated += counted.states();
      sampled |= counted.sampled();
    }
    return new Totals(units.size() + 1, enumerated, sampled);
  }

  private void nameAll(int dir, String path, Set<Integer> seen) {
    Node d = nodes.get(dir);
    d.shown = path;
    if (!seen.add(dir)) {
      return;
    }
    for (Map.Entry<String, Integer> e : d.currentEntries.entrySet()) {
      Node c = nodes.get(e.getValue());
      String p = path.endsWith("/") ? path + e.getKey() : path + "/" + e.getKey();
      if (c.type == Type.DIRECTORY) {
        nameAll(e.getValue(), p, seen);
      } else {
        c.shown = p;
      }
    }
  }

  /** Cuts a write that spans blocks into block-aligned pieces, so that a crash can fall inside it. */
  private List<Op> split(Op any) {
    if (!(any instanceof Op.Write op) || op.data().length == 0
        || op.offset() / blockSize == (op.offset() + op.data().length - 1) / blockSize) {
      return List.of(any); // within one block
    }
    int len = op.data().length;
    long piece = Math.max(blockSize, ((long) len + maxPieces - 1) / maxPieces);
    piece = (piece + blockSize - 1) / blockSize * blockSize;
    List<Op> out = new ArrayList<>();
    long pos = op.offset();
    long end = op.offset() + len;
    while (pos < end) {
      long next = Math.min(end, (pos / piece + 1) * piece);
      byte[] part = Arrays.copyOfRange(op.data(), (int) (pos - op.offset()), (int) (next - op.offset()));
      out.add(new Op.Write(op.inode(), pos, part, op.path()));
      pos = next;
    }
    return out;
  }

  private void apply(Op op) {
    if (op instanceof Op.Creation c) {
      Type t = c instanceof Op.CreateFile ? Type.FILE : c instanceof Op.Mkdir ? Type.DIRECTORY : Type.SYMLINK;
      Node n = new Node(t, c.path());
      if (c instanceof Op.Symlink l) {
        n.link = l.target();
      }
      nodes.put(c.inode(), n);
      addEntry(c.dir(), new Entry(null, c.name(), c.inode(), c.toString()));
    } else if (op instanceof Op.Link l) {
      addEntry(l.dir(), new Entry(null, l.name(), l.inode(), l.toString()));
    } else if (op instanceof Op.Unlink u) {
      addEntry(u.dir(), new Entry(u.name(), null, -1, u.toString()));
    } else if (op instanceof Op.Rename r) {
      Integer inode = nodes.get(r.fromDir()).currentEntries.get(r.fromName());
      int id = inode == null ? -1 : inode;
      if (r.fromDir() == r.toDir()) {
        addEntry(r.fromDir(), new Entry(r.fromName(), r.toName(), id, r.toString()));
      } else {
        addEntry(r.fromDir(), new Entry(r.fromName(), null, -1, r + " (source entry)"));
        addEntry(r.toDir(), new Entry(null, r.toName(), id, r + " (destination entry)"));
      }
      Node moved = nodes.get(id);
      if (moved != null) {
        moved.shown = r.to();
      }
    } else if (op instanceof Op.DataChange d) {
      Node n = nodes.get(d.inode());
      n.current = applyData(n.current, d);
      n.pending.add(d);
    } else if (op instanceof Op.Sync sync) {
      Node n = nodes.get(sync.inode());
      if (n.type == Type.DIRECTORY) {
        n.durableEntries = new TreeMap<>(n.currentEntries);
        n.pendingEntries.clear();
      } else {
        n.durable = n.current;
        n.pending.clear();
        if (ext4Like && !sync.directory()) {
          for (Node d : nodes.values()) {
            if (d.type == Type.DIRECTORY) {
              commitThrough(d, sync.inode());
            }
          }
        }
      }
    }
  }

  private void addEntry(int dir, Entry e) {
    Node d = nodes.get(dir);
    applyEntry(d.currentEntries, e);
    d.pendingEntries.add(e);
  }

  /** ext4-like: the journal commit of a file's fsync carries the entry changes that named it. */
  private static void commitThrough(Node dir, int inode) {
    int last = -1;
    for (int i = 0; i < dir.pendingEntries.size(); i++) {
      Entry e = dir.pendingEntries.get(i);
      if (e.add() != null && e.inode() == inode) {
        last = i;
      }
    }
    for (int i = 0; i <= last; i++) {
      applyEntry(dir.durableEntries, dir.pendingEntries.get(0));
      dir.pendingEntries.remove(0);
    }
  }

  private static void applyEntry(Map<String, Integer> entries, Entry e) {
    if (e.remove() != null) {
      entries.remove(e.remove());
    }
    if (e.add() != null) {
      entries.put(e.add(), e.inode());
    }
  }

  private static byte[] applyData(byte[] content, Op.DataChange change) {
    if (change instanceof Op.Truncate t) {
      return Arrays.copyOf(content, (int) Math.min(content.length, t.size()));
    }
    Op.Write w = (Op.Write) change;
    int end = (int) (w.offset() + w.data().length);
    byte[] out = Arrays.copyOf(content, Math.max(content.length, end));
    System.arraycopy(w.data(), 0, out, (int) w.offset(), w.data().length);
    return out;
  }

  private static List<Variant> variants(Node n) {
    List<Variant> out = new ArrayList<>();
    int m = n.pending.size();
    byte[] c = n.durable;
    List<byte[]> prefixes = new ArrayList<>();
    prefixes.add(c);
    for (Op.DataChange op : n.pending) {
      c = applyData(c, op);
      prefixes.add(c);
    }
    for (int i = m; i >= 0; i--) {
      addVariant(out, prefixes.get(i), "kept " + i + " of " + m + " unsynced writes");
    }
    for (int i = m - 1; i >= 0; i--) {
      byte[] p = prefixes.get(i);
      if (n.current.length > p.length) {
        addVariant(out, Arrays.copyOf(p, n.current.length),
            "kept " + i + " of " + m + " unsynced writes, zero-filled to " + n.current.length + " bytes");
      }
    }
    return out;
  }

  private static void addVariant(List<Variant> out, byte[] content, String shown) {
    for (Variant v : out) {
      if (Arrays.equals(v.content(), content)) {
        return;
      }
    }
    out.add(new Variant(content, shown));
  }

  /** What {@link #enumerate} did at one crash point: how many states, and whether they were a sample. */
  private record Enumerated(long states, boolean sampled) {}

  private Enumerated enumerate(int point, int completed, String where, Sink sink) throws IOException {
    List<Integer> dirIds = new ArrayList<>();
    List<Integer> fileIds = new ArrayList<>();
    List<List<Variant>> fileVariants = new ArrayList<>();
    for (Map.Entry<Integer, Node> e : nodes.entrySet()) {
      Node n = e.getValue();
      if (n.type == Type.DIRECTORY && !n.pendingEntries.isEmpty()) {
        dirIds.add(e.getKey());
      } else if (n.type == Type.FILE && !n.pending.isEmpty()) {
        fileIds.add(e.getKey());
        fileVariants.add(variants(n));
      }
    }
    int dims = dirIds.size() + fileIds.size();
    int[] radix = new int[dims];
    long total = 1;
    for (int i = 0; i < dims; i++) {
      radix[i] = i < dirIds.size() ? nodes.get(dirIds.get(i)).pendingEntries.size() + 1
          : fileVariants.get(i - dirIds.size()).size();
      total = total > cap ? total : total * radix[i];
    }
    if (total <= cap) {
      int[] v = new int[dims];
      for (long k = 0; k < total; k++) {
        emit(point, completed, where, sink, v, dirIds, fileIds, fileVariants);
        for (int i = dims - 1; i >= 0; i--) {
          if (++v[i] < radix[i]) {
            break;
          }
          v[i] = 0;
        }
      }
      return new Enumerated(total, false);
    }
    Random random = new Random(seed * 1_000_003L + point);
    for (int k = 0; k < cap; k++) {
      int[] v = new int[dims];
      for (int i = 0; i < dims; i++) {
        // the first two samples are the extremes: nothing unsynced kept, everything kept
        v[i] = k == 0 ? 0 : k == 1 ? radix[i] - 1 : random.nextInt(radix[i]);
      }
      emit(point, completed, where, sink, v, dirIds, fileIds, fileVariants);
    }
    return new Enumerated(cap, true);
  }

  private void emit(int point, int completed, String where, Sink sink, int[] v, List<Integer> dirIds,
      List<Integer> fileIds, List<List<Variant>> fileVariants) throws IOException {
    Map<Integer, Map<String, Integer>> entries = new TreeMap<>();
    Map<Integer, byte[]> contents = new TreeMap<>();
    StringBuilder why = new StringBuilder(where);
    for (int i = 0; i < dirIds.size(); i++) {
      Node d = nodes.get(dirIds.get(i));
      Map<String, Integer> m = new TreeMap<>(d.durableEntries);
      List<String> kept = new ArrayList<>();
      List<String> lost = new ArrayList<>();
      for (int j = 0; j < d.pendingEntries.size(); j++) {
        Entry e = d.pendingEntries.get(j);
        if (j < v[i]) {
          applyEntry(m, e);
          kept.add(e.shown());
        } else {
          lost.add(e.shown());
        }
      }
      entries.put(dirIds.get(i), m);
      why.append("; dir ").append(d.shown).append(": kept ").append(kept).append(", lost ").append(lost);
    }
    for (int i = 0; i < fileIds.size(); i++) {
      Variant var = fileVariants.get(i).get(v[dirIds.size() + i]);
      contents.put(fileIds.get(i), var.content());
      why.append("; file ").append(nodes.get(fileIds.get(i)).shown).append(": ").append(var.shown());
    }
    Tree tree = new Tree(entries, contents);
    sink.state(point, completed, tree.signature(), why.toString(), tree::writeTo);
  }

  /** One crash state: the entries and contents chosen, the rest as durable. */
  private final class Tree {
    private final Map<Integer, Map<String, Integer>> entries;
    private final Map<Integer, byte[]> contents;

    Tree(Map<Integer, Map<String, Integer>> entries, Map<Integer, byte[]> contents) {
      this.entries = entries;
      this.contents = contents;
    }

    private Map<String, Integer> entriesOf(int dir) {
      Map<String, Integer> m = entries.get(dir);
      return m != null ? m : nodes.get(dir).durableEntries;
    }

    private byte[] contentOf(int file) {
      byte[] c = contents.get(file);
      return c != null ? c : nodes.get(file).durable;
    }

    byte[] signature() {
      try {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        digest(Journal.ROOT, md, new HashSet<>());
        return md.digest();
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("SHA-256 is required of every JDK", e);
      }
    }

    private void digest(int dir, MessageDigest md, Set<Integer> seen) {
      if (!seen.add(dir)) {
        return;
      }
      md.update((byte) '{');
      for (Map.Entry<String, Integer> e : entriesOf(dir).entrySet()) {
        Node n = nodes.get(e.getValue());
        if (n == null) {
          continue;
        }
        md.update(e.getKey().getBytes(StandardCharsets.UTF_8));
        md.update((byte) 0);
        switch (n.type) {
          case DIRECTORY -> digest(e.getValue(), md, seen);
          case SYMLINK -> {
            md.update((byte) 'L');
            md.update(n.link);
          }
          case FILE -> {
            byte[] c = contentOf(e.getValue());
            md.update((byte) 'F');
            md.update(Integer.toString(c.length).getBytes(StandardCharsets.UTF_8));
            md.update((byte) ':');
            md.update(c);
          }
        }
      }
      md.update((byte) '}');
    }

    void writeTo(Path out) throws IOException {
      write(Journal.ROOT, out, out, new HashSet<>());
    }

    private void write(int dir, Path out, Path stateRoot, Set<Integer> seen) throws IOException {
      if (!seen.add(dir)) {
        return;
      }
      for (Map.Entry<String, Integer> e : entriesOf(dir).entrySet()) {
        Node n = nodes.get(e.getValue());
        if (n == null) {
          continue;
        }
        Path p = out.resolve(e.getKey());
        switch (n.type) {
          case DIRECTORY -> {
            Files.createDirectory(p);
            write(e.getValue(), p, stateRoot, seen);
          }
          case SYMLINK -> {
            String target = new String(n.link, StandardCharsets.UTF_8);
            String root = journal.root().toString();
            // a link into the simulated root points into this state instead
            if (target.startsWith(root + out.getFileSystem().getSeparator()) || target.equals(root)) {
              target = stateRoot + target.substring(root.length());
            }
            Files.createSymbolicLink(p, out.getFileSystem().getPath(target));
          }
          case FILE -> Files.write(p, contentOf(e.getValue()));
        }
      }
    }
  }
}
