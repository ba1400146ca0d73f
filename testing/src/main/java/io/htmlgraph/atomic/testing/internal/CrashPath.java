package io.htmlgraph.atomic.testing.internal;

import java.io.IOException;
import java.net.URI;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.ProviderMismatchException;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.Objects;

/** A path of the crash-simulating file system: a real path, seen through the recording provider. */
final class CrashPath implements Path {
  private final CrashFileSystem fs;
  final Path delegate;

  CrashPath(CrashFileSystem fs, Path delegate) {
    this.fs = fs;
    this.delegate = Objects.requireNonNull(delegate);
  }

  /** @return the real path behind {@code p}, which must belong to the simulated file system */
  static Path unwrap(Path p) {
    Objects.requireNonNull(p);
    if (p instanceof CrashPath cp) {
      return cp.delegate;
    }
    throw new ProviderMismatchException("not a path of the crash-simulating file system: " + p);
  }

  private Path wrap(Path p) {
    return p == null ? null : new CrashPath(fs, p);
  }

  @Override public CrashFileSystem getFileSystem() { return fs; }
  @Override public boolean isAbsolute() { return delegate.isAbsolute(); }
  @Override public Path getRoot() { return wrap(delegate.getRoot()); }
  @Override public Path getFileName() { return wrap(delegate.getFileName()); }
  @Override public Path getParent() { return wrap(delegate.getParent()); }
  @Override public int getNameCount() { return delegate.getNameCount(); }
  @Override public Path getName(int index) { return wrap(delegate.getName(index)); }
  @Override public Path subpath(int beginIndex, int endIndex) { return wrap(delegate.subpath(beginIndex, endIndex)); }
  @Override public boolean startsWith(Path other) { return other instanceof CrashPath cp && delegate.startsWith(cp.delegate); }
  @Override public boolean endsWith(Path other) { return other instanceof CrashPath cp && delegate.endsWith(cp.delegate); }
  @Override public Path normalize() { return wrap(delegate.normalize()); }
  @Override public Path resolve(Path other) { return wrap(delegate.resolve(unwrap(other))); }
  @Override public Path relativize(Path other) { return wrap(delegate.relativize(unwrap(other))); }
  @Override public URI toUri() { return delegate.toUri(); }
  @Override public Path toAbsolutePath() { return wrap(delegate.toAbsolutePath()); }
  @Override public Path toRealPath(LinkOption... options) throws IOException { return wrap(delegate.toRealPath(options)); }

  @Override
  public WatchKey register(WatchService watcher, WatchEvent.Kind<?>[] events, WatchEvent.Modifier... modifiers) {
    throw new UnsupportedOperationException("the crash-simulating file system has no watch service");
  }

  @Override public int compareTo(Path other) { return delegate.compareTo(unwrap(other)); }
  @Override public boolean equals(Object o) { return o instanceof CrashPath cp && cp.fs == fs && cp.delegate.equals(delegate); }
  @Override public int hashCode() { return delegate.hashCode(); }
  @Override public String toString() { return delegate.toString(); }
}
