package io.htmlgraph.atomic.testing.internal;

import java.nio.file.FileStore;
import java.nio.file.FileSystem;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.WatchService;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The crash-simulating file system: the default file system, seen through a provider that records
 * every change made under one root directory.
 *
 * <p>It offers the {@code basic}, {@code posix} and {@code owner} attribute views but not Linux's
 * {@code unix} view, so that code under test is held to what {@link #supportedFileAttributeViews()}
 * promises.
 */
public final class CrashFileSystem extends FileSystem {
  private static final Set<String> VIEWS = Set.of("basic", "posix", "owner");

  private final FileSystem delegate;
  private final CrashFileSystemProvider provider;
  private final Journal journal;
  private volatile boolean open = true;

  /**
   * @param delegate the real file system (the default one)
   * @param journal where changes under its root are recorded
   */
  public CrashFileSystem(FileSystem delegate, Journal journal) {
    this(delegate, journal, FaultHook.NONE);
  }

  /**
   * @param delegate the real file system
   * @param journal where changes under its root are recorded
   * @param faults asked before each operation that may be made to fail
   */
  public CrashFileSystem(FileSystem delegate, Journal journal, FaultHook faults) {
    this.delegate = delegate;
    this.journal = journal;
    this.provider = new CrashFileSystemProvider(this, delegate.provider(), journal, faults);
  }

  /** @return {@code real} as a path of this file system */
  public Path wrap(Path real) {
    return new CrashPath(this, real);
  }

  /** @return the record of changes */
  public Journal journal() {
    return journal;
  }

  @Override public CrashFileSystemProvider provider() { return provider; }

  /** Closing marks the file system closed; the real files stay (the simulator removes them). */
  @Override public void close() { open = false; }

  @Override public boolean isOpen() { return open; }
  @Override public boolean isReadOnly() { return false; }
  @Override public String getSeparator() { return delegate.getSeparator(); }

  @Override
  public Iterable<Path> getRootDirectories() {
    List<Path> roots = new ArrayList<>();
    for (Path r : delegate.getRootDirectories()) {
      roots.add(wrap(r));
    }
    return roots;
  }

  @Override public Iterable<FileStore> getFileStores() { return delegate.getFileStores(); }

  @Override
  public Set<String> supportedFileAttributeViews() {
    Set<String> views = new TreeSet<>(delegate.supportedFileAttributeViews());
    views.retainAll(VIEWS);
    return views;
  }

  @Override public Path getPath(String first, String... more) { return wrap(delegate.getPath(first, more)); }

  @Override
  public PathMatcher getPathMatcher(String syntaxAndPattern) {
    PathMatcher m = delegate.getPathMatcher(syntaxAndPattern);
    return p -> m.matches(CrashPath.unwrap(p));
  }

  @Override public UserPrincipalLookupService getUserPrincipalLookupService() { return delegate.getUserPrincipalLookupService(); }

  @Override
  public WatchService newWatchService() {
    throw new UnsupportedOperationException("the crash-simulating file system has no watch service");
  }
}
