package io.htmlgraph.atomic;

import io.htmlgraph.atomic.internal.PathArguments;
import io.htmlgraph.atomic.internal.PendingFile;
import io.htmlgraph.atomic.internal.SafeFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;

/**
 * Fencing for locks that can be lost: before publishing under a {@link HeldLock}, refuse when the hold
 * is gone or when a newer holder has already published, and record this holder's token.
 *
 * <p>Why: a lock in a coordination service (ZooKeeper) is lost when its session expires, and a holder
 * paused for longer than that (a GC pause, a stopped VM) wakes up believing it still holds it while a
 * second holder has taken the lock and published. Checking {@link HeldLock#isHeld()} catches the case
 * where the loss was noticed; the token catches the rest: every exclusive grant carries a larger
 * {@link HeldLock#fencingToken()}, each publisher records its token in a small file beside the data,
 * and a publisher whose token is smaller than the one recorded is refused (Kleppmann, "How to do
 * distributed locking", 2016).
 *
 * <p>Limits: a file system cannot compare and write in one step, so the check and the publish that
 * follows are two steps; a stale holder that passes the check a moment before the newer holder
 * records its token can still publish once. The fence narrows the window from the length of a pause
 * to that of a rename; it does not close it. Locks that cannot be lost ({@link DirectoryLocker}, token
 * 0) need no fence and cost nothing here.
 */
public final class Fencing {
  /** The largest fence file read: a token is a decimal number. */
  private static final int MAX_BYTES = 64;
  private static final WriteOptions RECORD = WriteOptions.builder().symlinks(SymlinkPolicy.REPLACE_LINK).build();

  private Fencing() {}

  /**
   * Checks that {@code lock} may publish, and records its token in {@code fenceFile}.
   *
   * @param lock the hold under which the caller is about to publish
   * @param fenceFile where the tokens of the data's publishers are recorded (created if missing;
   *     written atomically and durably, never through a link)
   * @throws LockLostException if the hold is no longer held, or {@code fenceFile} records a token newer
   *     than this hold's: the caller must publish nothing
   * @throws IOException if the fence file cannot be read or written, or does not hold a token
   */
  public static void checkAndRecord(HeldLock lock, Path fenceFile) throws IOException {
    Objects.requireNonNull(lock, "lock");
    PathArguments.checkFile(fenceFile, "fenceFile");
    if (!lock.isHeld()) {
      throw new LockLostException("the " + lock.mode().name().toLowerCase(java.util.Locale.ROOT)
          + " lock is no longer held (" + lock + "); nothing was published");
    }
    long token = lock.fencingToken();
    if (token == 0) {
      return;
    }
    long recorded = recorded(fenceFile);
    if (recorded > token) {
      throw new LockLostException("a newer holder of the lock has published (fencing token " + recorded
          + " recorded in " + fenceFile + ", this holder's is " + token + "); nothing was published");
    }
    if (recorded < token) {
      PendingFile f = PendingFile.open(fenceFile, RECORD);
      try {
        f.write(ByteBuffer.wrap((token + "\n").getBytes(StandardCharsets.US_ASCII)));
        f.commit();
      } catch (Throwable t) {
        f.abort(t);
        throw t;
      }
    }
  }

  /**
   * @param fenceFile a fence file
   * @return the token it records, 0 if it is missing
   * @throws IOException if it cannot be read or holds no token
   */
  public static long recorded(Path fenceFile) throws IOException {
    BasicFileAttributes a;
    try {
      a = Files.readAttributes(fenceFile, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException none) {
      return 0;
    }
    if (!a.isRegularFile()) {
      throw new FileSystemException(fenceFile.toString(), null, "fence file is not a regular file");
    }
    byte[] buf = new byte[MAX_BYTES];
    int n = 0;
    // O_RDWR where someone else could swap the name for a FIFO since the lstat (an O_RDONLY open of one
    // blocks until a writer comes), and the handle checked
    try (InputStream in = Channels.newInputStream(SafeFiles.openForRead(fenceFile))) {
      for (int r; n < buf.length && (r = in.read(buf, n, buf.length - n)) > 0; ) {
        n += r;
      }
    }
    String text = new String(buf, 0, n, StandardCharsets.US_ASCII).trim();
    try {
      return Long.parseLong(text);
    } catch (NumberFormatException e) {
      throw new FileSystemException(fenceFile.toString(), null, "fence file holds no fencing token");
    }
  }
}
