package io.htmlgraph.atomic.internal;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;

/**
 * Directories only this process's user can enter ({@code 0700}), made beside temps for the moments
 * when a file must not be reachable by anyone else (see {@link PendingFile}). Writers of this JVM that
 * need one in the same directory at the same time share it (a group commit stages hundreds of files at
 * once; {@code mkdir} and {@code rmdir} cost about 80 us each on a disk mounted with {@code discard});
 * the last to leave removes it. Each user names its files in it with fresh random names.
 *
 * <p>A crash while one exists leaves an empty directory, or one holding a partial copy, named like a
 * temp ({@code .tmp-*.tmp}); it is as private as when it was made.
 */
final class PrivateDirs {
  private static final int MAX_NAME_ATTEMPTS = 100;
  private static final FileAttribute<?> OWNER_ONLY = PosixFilePermissions.asFileAttribute(EnumSet.of(
      PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE));

  private static final class Entry {
    final Path path;
    int users = 1;

    Entry(Path path) {
      this.path = path;
    }
  }

  private static final Map<Path, Entry> DIRS = new HashMap<>();

  private PrivateDirs() {}

  /** @return a private directory in {@code dir}; give it back with {@link #release} */
  static Path acquire(Path dir) throws IOException {
    Path key = dir.toAbsolutePath();
    synchronized (DIRS) {
      Entry e = DIRS.get(key);
      if (e != null) {
        e.users++;
        return e.path;
      }
    }
    Path made = create(dir); // outside the lock: a mkdir can take a while
    synchronized (DIRS) {
      Entry e = DIRS.get(key);
      if (e == null) {
        DIRS.put(key, new Entry(made));
        return made;
      }
      e.users++;
    }
    // another writer made one meanwhile: use it, drop ours
    remove(made);
    return acquire(dir);
  }

  /** Gives {@code priv} back; the last user removes it. */
  static void release(Path dir, Path priv) {
    Path key = dir.toAbsolutePath();
    synchronized (DIRS) {
      Entry e = DIRS.get(key);
      if (e == null || !e.path.equals(priv)) {
        return;
      }
      if (--e.users > 0) {
        return;
      }
      DIRS.remove(key);
    }
    remove(priv);
  }

  private static Path create(Path dir) throws IOException {
    for (int attempt = 1; ; attempt++) {
      try {
        return Files.createDirectory(dir.resolve(TempNames.next(TempNames.WRITER_PREFIX)), OWNER_ONLY);
      } catch (FileAlreadyExistsException taken) {
        if (attempt >= MAX_NAME_ATTEMPTS) {
          throw taken;
        }
      }
    }
  }

  private static void remove(Path priv) {
    try {
      Files.deleteIfExists(priv);
    } catch (IOException e) {
      Log.get().log(Level.WARNING, "removing the private directory {0} failed: {1}", priv, e.toString());
    }
  }
}
