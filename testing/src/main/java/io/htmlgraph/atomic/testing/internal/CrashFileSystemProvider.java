package io.htmlgraph.atomic.testing.internal;

import java.io.IOException;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessMode;
import java.nio.file.CopyOption;
import java.nio.file.DirectoryStream;
import java.nio.file.FileStore;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileAttributeView;
import java.nio.file.spi.FileSystemProvider;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * Delegates every call to the default provider on the real path, and records each change to the
 * files under the simulated root in the {@link Journal}: creations, writes (through
 * {@link RecordingFileChannel}), truncations, syncs, renames, links, deletions, new directories.
 *
 * <p>Moves follow the JDK on Linux: a move without {@code ATOMIC_MOVE} that replaces an existing file
 * deletes it first and then renames, and is recorded as those two steps, so that the window with no
 * file at all is visible to the simulator.
 */
public final class CrashFileSystemProvider extends FileSystemProvider {
  private final CrashFileSystem fs;
  private final FileSystemProvider delegate;
  private final Journal journal;
  private final FaultHook faults;

  CrashFileSystemProvider(CrashFileSystem fs, FileSystemProvider delegate, Journal journal, FaultHook faults) {
    this.fs = fs;
    this.delegate = delegate;
    this.journal = journal;
    this.faults = faults;
  }

  private static Path real(Path p) {
    return CrashPath.unwrap(p);
  }

  private static String name(Path real) {
    Path n = real.toAbsolutePath().getFileName();
    if (n == null) {
      throw new IllegalArgumentException("a root has no name: " + real);
    }
    return n.toString();
  }

  @Override public String getScheme() { return "crashsim"; }

  @Override
  public FileSystem newFileSystem(URI uri, Map<String, ?> env) {
    throw new UnsupportedOperationException("create crash-simulating file systems with CrashSimulator");
  }

  @Override
  public FileSystem getFileSystem(URI uri) {
    throw new UnsupportedOperationException("the crash-simulating file system has no URI");
  }

  @Override
  public Path getPath(URI uri) {
    throw new UnsupportedOperationException("the crash-simulating file system has no URI");
  }

  @Override
  public SeekableByteChannel newByteChannel(Path path, Set<? extends OpenOption> options, FileAttribute<?>... attrs)
      throws IOException {
    return newFileChannel(path, options, attrs);
  }

  @Override
  public FileChannel newFileChannel(Path path, Set<? extends OpenOption> options, FileAttribute<?>... attrs)
      throws IOException {
    Path real = real(path);
    if (!journal.recording()) {
      return delegate.newFileChannel(real, options, attrs);
    }
    boolean writes = options.contains(StandardOpenOption.WRITE) || options.contains(StandardOpenOption.APPEND);
    boolean creates = writes && (options.contains(StandardOpenOption.CREATE) || options.contains(StandardOpenOption.CREATE_NEW));
    boolean existed = Files.exists(real);
    int parent = creates && !existed ? journal.parentOf(real) : -1;
    FileChannel ch = delegate.newFileChannel(real, options, attrs);
    try {
      int id;
      if (creates && !existed) {
        id = journal.bind(real);
        journal.record(new Op.CreateFile(parent, name(real), id, journal.display(real)));
      } else {
        id = journal.idOf(real, true);
      }
      boolean directory = Files.isDirectory(real);
      if (id < 0 && writes) {
        throw new java.nio.file.FileSystemException(real.toString(), null,
            "outside the crash simulator's root " + journal.root() + " (or made there without the simulated file system)");
      }
      if (existed && writes && options.contains(StandardOpenOption.TRUNCATE_EXISTING)
          && !options.contains(StandardOpenOption.APPEND)) {
        journal.record(new Op.Truncate(id, 0, journal.display(real)));
      }
      return new RecordingFileChannel(ch, journal, faults, id, directory, journal.display(real),
          options.contains(StandardOpenOption.APPEND));
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  @Override
  public DirectoryStream<Path> newDirectoryStream(Path dir, DirectoryStream.Filter<? super Path> filter)
      throws IOException {
    DirectoryStream<Path> ds = delegate.newDirectoryStream(real(dir), p -> filter.accept(fs.wrap(p)));
    return new DirectoryStream<>() {
      @Override
      public Iterator<Path> iterator() {
        Iterator<Path> it = ds.iterator();
        return new Iterator<>() {
          @Override public boolean hasNext() { return it.hasNext(); }
          @Override public Path next() { return fs.wrap(it.next()); }
        };
      }

      @Override
      public void close() throws IOException {
        ds.close();
      }
    };
  }

  @Override
  public void createDirectory(Path dir, FileAttribute<?>... attrs) throws IOException {
    Path real = real(dir);
    if (!journal.recording()) {
      delegate.createDirectory(real, attrs);
      return;
    }
    int parent = journal.parentOf(real);
    delegate.createDirectory(real, attrs);
    int id = journal.bind(real);
    journal.record(new Op.Mkdir(parent, name(real), id, journal.display(real)));
  }

  @Override
  public void createSymbolicLink(Path link, Path target, FileAttribute<?>... attrs) throws IOException {
    Path real = real(link);
    Path realTarget = real(target);
    if (!journal.recording()) {
      delegate.createSymbolicLink(real, realTarget, attrs);
      return;
    }
    int parent = journal.parentOf(real);
    delegate.createSymbolicLink(real, realTarget, attrs);
    int id = journal.bind(real);
    journal.record(new Op.Symlink(parent, name(real), id,
        realTarget.toString().getBytes(StandardCharsets.UTF_8), journal.display(real)));
  }

  @Override
  public void createLink(Path link, Path existing) throws IOException {
    Path real = real(link);
    Path realExisting = real(existing);
    if (!journal.recording()) {
      delegate.createLink(real, realExisting);
      return;
    }
    int parent = journal.parentOf(real);
    int id = journal.idOf(realExisting, false);
    delegate.createLink(real, realExisting);
    journal.record(new Op.Link(parent, name(real), id, journal.display(real),
        journal.display(realExisting)));
  }

  @Override
  public Path readSymbolicLink(Path link) throws IOException {
    return fs.wrap(delegate.readSymbolicLink(real(link)));
  }

  @Override
  public void delete(Path path) throws IOException {
    Path real = real(path);
    if (!journal.recording()) {
      delegate.delete(real);
      return;
    }
    faults.beforeDelete(journal.display(real));
    int parent = journal.parentOf(real);
    delegate.delete(real);
    journal.record(new Op.Unlink(parent, name(real), journal.display(real)));
  }

  @Override
  public void copy(Path source, Path target, CopyOption... options) throws IOException {
    Path src = real(source);
    Path dst = real(target);
    if (!journal.recording()) {
      delegate.copy(src, dst, options);
      return;
    }
    Set<CopyOption> opts = new HashSet<>(Arrays.asList(options));
    boolean follow = !opts.contains(LinkOption.NOFOLLOW_LINKS);
    BasicFileAttributes a = follow ? Files.readAttributes(src, BasicFileAttributes.class)
        : Files.readAttributes(src, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    boolean replaced = Files.exists(dst, LinkOption.NOFOLLOW_LINKS) && opts.contains(StandardCopyOption.REPLACE_EXISTING);
    int parent = journal.parentOf(dst);
    delegate.copy(src, dst, options);
    // the JDK deletes an existing target, then creates and fills a new file: recorded as those steps
    if (replaced) {
      journal.record(new Op.Unlink(parent, name(dst), journal.display(dst)));
    }
    int id = journal.bind(dst);
    String shown = journal.display(dst);
    if (a.isDirectory()) {
      journal.record(new Op.Mkdir(parent, name(dst), id, shown));
    } else if (a.isSymbolicLink()) {
      journal.record(new Op.Symlink(parent, name(dst), id,
          Files.readSymbolicLink(src).toString().getBytes(StandardCharsets.UTF_8), shown));
    } else {
      journal.record(new Op.CreateFile(parent, name(dst), id, shown));
      byte[] content = Files.readAllBytes(dst);
      if (content.length > 0) {
        journal.record(new Op.Write(id, 0, content, shown));
      }
    }
  }

  @Override
  public void move(Path source, Path target, CopyOption... options) throws IOException {
    Path src = real(source);
    Path dst = real(target);
    if (!journal.recording()) {
      delegate.move(src, dst, options);
      return;
    }
    faults.beforeRename(journal.display(src), journal.display(dst));
    Set<CopyOption> opts = new HashSet<>(Arrays.asList(options));
    int srcDir = journal.parentOf(src);
    int dstDir = journal.parentOf(dst);
    Files.readAttributes(src, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS); // NoSuchFileException
    if (!opts.contains(StandardCopyOption.ATOMIC_MOVE)) {
      boolean exists = Files.exists(dst, LinkOption.NOFOLLOW_LINKS);
      if (exists && !Files.isSameFile(src, dst)) {
        if (!opts.contains(StandardCopyOption.REPLACE_EXISTING)) {
          throw new java.nio.file.FileAlreadyExistsException(dst.toString());
        }
        // what the JDK does on Linux: unlink (or rmdir) the target, then rename
        delegate.delete(dst);
        journal.record(new Op.Unlink(dstDir, name(dst), journal.display(dst)));
      }
    }
    delegate.move(src, dst, StandardCopyOption.ATOMIC_MOVE);
    journal.record(new Op.Rename(srcDir, name(src), dstDir, name(dst), journal.display(src), journal.display(dst)));
  }

  @Override
  public boolean isSameFile(Path path, Path path2) throws IOException {
    if (!(path2 instanceof CrashPath)) {
      return false;
    }
    return delegate.isSameFile(real(path), real(path2));
  }

  @Override public boolean isHidden(Path path) throws IOException { return delegate.isHidden(real(path)); }
  @Override public FileStore getFileStore(Path path) throws IOException { return delegate.getFileStore(real(path)); }

  @Override
  public void checkAccess(Path path, AccessMode... modes) throws IOException {
    delegate.checkAccess(real(path), modes);
  }

  @Override
  public <V extends FileAttributeView> V getFileAttributeView(Path path, Class<V> type, LinkOption... options) {
    return delegate.getFileAttributeView(real(path), type, options);
  }

  @Override
  public <A extends BasicFileAttributes> A readAttributes(Path path, Class<A> type, LinkOption... options)
      throws IOException {
    return delegate.readAttributes(real(path), type, options);
  }

  @Override
  public Map<String, Object> readAttributes(Path path, String attributes, LinkOption... options) throws IOException {
    checkView(attributes);
    return delegate.readAttributes(real(path), attributes, options);
  }

  @Override
  public void setAttribute(Path path, String attribute, Object value, LinkOption... options) throws IOException {
    checkView(attribute);
    delegate.setAttribute(real(path), attribute, value, options);
  }

  /** Holds callers to the views {@link CrashFileSystem#supportedFileAttributeViews()} lists. */
  private void checkView(String attributes) {
    int colon = attributes.indexOf(':');
    String view = colon < 0 ? "basic" : attributes.substring(0, colon);
    if (!fs.supportedFileAttributeViews().contains(view)) {
      throw new UnsupportedOperationException("view '" + view + "' is not supported by the crash-simulating file system");
    }
  }
}
