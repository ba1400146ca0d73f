package io.htmlgraph.atomic.internal;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Where a caller's path lands under a transaction's root, resolved as the kernel would resolve it, and
 * refused when it leads anywhere else.
 *
 * <p>Lexical checks are not enough: {@code a/../b} is {@code b} only if {@code a} is not a link, and a
 * link among the names can lead out of the root. So the existing part of the path is resolved by the
 * kernel ({@link Path#toRealPath}, which follows links and {@code ..} as {@code open(2)} would), and
 * the result must lie under the root's own real path. A final name that is a link is followed (a write
 * goes through the link to the file it names, as every writer of the library does), link by link, each
 * step checked the same way. The names below the deepest existing directory are new directories; they
 * may not hold {@code ..}. Two paths name the same file when they resolve to the same real path.
 *
 * <p>Not thread-safe: one per transaction. It caches the real path of each parent directory it
 * resolved, which holds while the transaction holds its lock (files under the root are changed only
 * under it).
 */
final class RootPaths {
  /** A resolved target. */
  record Target(Path path, String relative) {}

  private final Path rootReal;
  private final List<Path> reserved; // real paths that are never a target: the staging dir (and below), lock files
  private final Object stagingDev;
  private final Map<Path, Path> parents = new HashMap<>(); // lexical parent -> real parent (cache)
  private final Map<Path, Boolean> devChecked = new HashMap<>();

  /**
   * @param rootReal the root's real path
   * @param reserved real paths that may not be written or deleted (a directory covers what is below it)
   * @param stagingDir the staging directory: targets must be on its file system (a rename, and the
   *     link that prepares it, cannot cross file systems)
   */
  RootPaths(Path rootReal, List<Path> reserved, Path stagingDir) throws IOException {
    this.rootReal = rootReal;
    this.reserved = List.copyOf(reserved);
    this.stagingDev = dev(stagingDir);
  }

  /**
   * Resolves {@code file}, relative to the root or absolute.
   *
   * @param followFinalLink whether a final name that is a link means the file it names (a write) or
   *     the link itself (a delete)
   * @throws IllegalArgumentException if the path is empty, names no file, leads outside the root (by
   *     {@code ..} or through a link) or names the staging directory or a lock file
   * @throws FileSystemException if a name along the way is a file, a dangling link, or a chain of links
   *     longer than the kernel follows
   * @throws AtomicMoveNotSupportedException if the file's directory is on another file system than the
   *     root
   */
  Target resolve(Path file, boolean followFinalLink) throws IOException {
    PathArguments.checkFile(file, "file");
    if (file.getFileSystem() != rootReal.getFileSystem()) {
      if (file.isAbsolute()) {
        throw new IllegalArgumentException("file is not of the root's file system: " + file);
      }
      // a relative path names the same names on any file system (Path.of("a.txt") for a root elsewhere)
      file = rootReal.getFileSystem().getPath(file.toString());
    }
    Path p = file.isAbsolute() ? file : rootReal.resolve(file);
    for (int hops = 0; ; hops++) {
      Path name = p.getFileName();
      String n = name == null ? "" : name.toString();
      if (n.isEmpty() || n.equals(".") || n.equals("..")) {
        throw new IllegalArgumentException("names no file under the root: " + file);
      }
      Path parent = realParent(p.getParent(), file);
      Path f = parent.resolve(n);
      // reserved names are refused as named, before any link there is followed (the lock's owner
      // record is a symbolic link)
      for (Path r : reserved) {
        if (f.startsWith(r)) {
          throw new IllegalArgumentException("names a file the transaction machinery owns (" + r.getFileName()
              + "), which a transaction cannot write or delete: " + file);
        }
      }
      if (followFinalLink && Files.isSymbolicLink(f)) {
        if (hops == SafeFiles.MAX_LINKS) {
          throw new FileSystemException(file.toString(), null, "too many levels of symbolic links");
        }
        // the link rule of every writer of the library: another user's link in a sticky
        // world-writable directory is not followed, even to a file under the root
        SafeFiles.checkLink(f, FileMetadata.read(f), parent, FileMetadata.read(parent), file);
        Path to = Files.readSymbolicLink(f);
        p = to.isAbsolute() ? to : parent.resolve(to);
        continue;
      }
      if (f.equals(rootReal)) {
        throw new IllegalArgumentException("names the root itself, not a file under it: " + file);
      }
      return new Target(f, relative(f));
    }
  }

  /** @return {@code f}, which lies under the root, relative to it with {@code /} between names */
  String relative(Path f) {
    Path rel = rootReal.relativize(f);
    StringBuilder sb = new StringBuilder();
    for (Path part : rel) {
      if (sb.length() > 0) {
        sb.append('/');
      }
      sb.append(part);
    }
    return sb.toString();
  }

  /**
   * The real path of directory {@code dir} (absolute, possibly with links and {@code ..}): the real
   * path of its deepest existing ancestor, which must lie under the root, followed by the names of
   * the missing directories below it.
   */
  private Path realParent(Path dir, Path file) throws IOException {
    Path cached = parents.get(dir);
    if (cached != null) {
      return cached;
    }
    Path existing = dir;
    Deque<String> missing = new ArrayDeque<>();
    while (existing != null && !Files.exists(existing)) {
      if (Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
        throw new FileSystemException(file.toString(), null, "a directory on the way is a dangling symbolic link: " + existing);
      }
      String n = existing.getFileName() == null ? "" : existing.getFileName().toString();
      if (n.equals("..")) {
        throw new IllegalArgumentException("goes up (..) from a directory that does not exist: " + file);
      }
      if (!n.equals(".")) {
        missing.push(n);
      }
      existing = existing.getParent();
    }
    if (existing == null) {
      throw new IllegalArgumentException("leads outside the root: " + file);
    }
    SafeFiles.resolve(existing, true); // the link rule on the directories' links (toRealPath follows any)
    Path real = existing.toRealPath();
    if (!real.startsWith(rootReal)) {
      throw new IllegalArgumentException("leads outside the root " + rootReal + " (to " + real + "): " + file);
    }
    if (!Files.isDirectory(real)) {
      throw new FileSystemException(file.toString(), null, "not a directory: " + real);
    }
    checkSameFileSystem(real, file);
    for (String m : missing) {
      real = real.resolve(m);
    }
    parents.put(dir, real);
    return real;
  }

  /**
   * Refuses a directory on another file system than the staging directory: the link and the rename
   * that publish a file there would fail with EXDEV after the transaction had begun to publish. (A
   * bind mount of the same file system is not seen here; its link fails before any rename, and the
   * commit then leaves everything as it was.)
   */
  private void checkSameFileSystem(Path realDir, Path file) throws IOException {
    if (stagingDev == null || devChecked.containsKey(realDir)) {
      return;
    }
    Object d = dev(realDir);
    if (d != null && !d.equals(stagingDev)) {
      throw new AtomicMoveNotSupportedException(file.toString(), rootReal.toString(),
          "on another file system than the transaction's root (" + realDir + " is a mount point below it): "
              + "a transaction's files must lie on the root's file system");
    }
    devChecked.put(realDir, Boolean.TRUE);
  }

  private static Object dev(Path p) throws IOException {
    if (!p.getFileSystem().supportedFileAttributeViews().contains("unix")) {
      return null;
    }
    return Objects.requireNonNull(Files.readAttributes(p, "unix:dev").get("dev"));
  }
}
