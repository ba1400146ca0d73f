package io.htmlgraph.atomic.cli;

import io.htmlgraph.atomic.AtomicFileWriter;
import io.htmlgraph.atomic.DirectoryLock;
import io.htmlgraph.atomic.DirectoryLocker;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code atomic check [DIR]}: do the library's guarantees hold on this file system? */
@Command(
    name = "check",
    mixinStandardHelpOptions = true,
    header = "Check that the guarantees hold on the file system under DIR.",
    description = {
      "Probes the file system under DIR and prints a verdict table: its type (network file systems are "
          + "warned about: their locks and renames are not to be trusted), whether an atomic rename works, "
          + "whether a directory can be synced, whether a lock taken here excludes a second process, the "
          + "fsync latency (median of 7) and the free space.",
      "Works in a hidden temp directory inside DIR and removes it. Exit 0 when everything the guarantees "
          + "need holds (warnings allowed), 1 when not."
    })
final class CheckCommand implements Callable<Integer> {
  /** File system types whose locks, renames or syncs are not those of a local disk. */
  private static final Set<String> NETWORK = Set.of(
      "nfs", "nfs4", "cifs", "smb", "smb2", "smb3", "smbfs", "ncpfs", "afs", "9p", "ceph", "glusterfs",
      "fuse.glusterfs", "lustre", "gpfs", "fuse.sshfs", "sshfs", "davfs", "fuse.davfs2", "fuse.s3fs",
      "fuse.rclone", "fuse.gcsfuse", "beegfs", "orangefs", "virtiofs", "vboxsf", "fuse.vmhgfs-fuse");
  private static final Set<String> MEMORY = Set.of("tmpfs", "ramfs", "devtmpfs");
  private static final int FSYNCS = 7;
  private static final long LOW_SPACE = 100L << 20;

  enum Status { OK, WARN, FAIL }

  record Result(String check, Status status, String detail) {}

  @Spec CommandSpec spec;

  @Parameters(paramLabel = "DIR", arity = "0..1", defaultValue = ".", description = "The directory to probe. Default: the current one.")
  Path dir;

  @Override
  public Integer call() throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new CliException(dir + (Files.exists(dir) ? ": not a directory" : ": no such directory"));
    }
    List<Result> results = new ArrayList<>();
    results.add(fileSystemType());
    Path probe;
    try {
      probe = Files.createTempDirectory(dir, ".atomic-check-");
    } catch (IOException e) {
      results.add(new Result("create files", Status.FAIL, "cannot create a file here: " + Errors.describe(e)));
      return report(results);
    }
    try {
      results.add(atomicRename(probe));
      results.add(directorySync(probe));
      results.add(lockExcludes(probe));
      results.add(fsyncLatency(probe));
    } finally {
      deleteTree(probe);
    }
    results.add(freeSpace());
    return report(results);
  }

  private int report(List<Result> results) {
    PrintWriter out = spec.commandLine().getOut();
    out.println("atomic check of " + dir.toAbsolutePath().normalize());
    Table t = new Table().row("check", "result", "detail");
    for (Result r : results) {
      t.row(r.check(), r.status().name().toLowerCase(Locale.ROOT), r.detail());
    }
    t.print(out);
    long failed = results.stream().filter(r -> r.status() == Status.FAIL).count();
    long warned = results.stream().filter(r -> r.status() == Status.WARN).count();
    if (failed > 0) {
      out.println("verdict: the guarantees do NOT hold here (" + failed + " failed)");
    } else if (warned > 0) {
      out.println("verdict: the guarantees hold here, with " + warned + (warned == 1 ? " warning" : " warnings"));
    } else {
      out.println("verdict: the guarantees hold here");
    }
    out.flush();
    return failed > 0 ? Main.ERROR : 0;
  }

  private Result fileSystemType() {
    try {
      FileStore store = Files.getFileStore(dir);
      String type = store.type();
      String detail = type + " (" + store.name() + ")";
      if (NETWORK.contains(type.toLowerCase(Locale.ROOT))) {
        return new Result("file system", Status.WARN, detail + ": a network file system; locks and "
            + "durability depend on the server and its clients");
      }
      if (MEMORY.contains(type.toLowerCase(Locale.ROOT))) {
        return new Result("file system", Status.WARN, detail + ": in memory, nothing here survives a reboot");
      }
      return new Result("file system", Status.OK, detail);
    } catch (IOException e) {
      return new Result("file system", Status.WARN, "type unknown: " + Errors.describe(e));
    }
  }

  private Result atomicRename(Path probe) {
    try {
      Path target = probe.resolve("target");
      Path next = probe.resolve("next");
      Files.writeString(target, "old");
      Files.writeString(next, "new");
      Files.move(next, target, StandardCopyOption.ATOMIC_MOVE);
      if (!Files.readString(target).equals("new") || Files.exists(next)) {
        return new Result("atomic rename", Status.FAIL, "rename(2) did not replace the file in one step");
      }
      AtomicFileWriter.atomicWrite(target, "library");
      if (!Files.readString(target).equals("library")) {
        return new Result("atomic rename", Status.FAIL, "an atomic write did not replace the file");
      }
      return new Result("atomic rename", Status.OK, "rename(2) replaces a file in one step");
    } catch (IOException | RuntimeException e) {
      return new Result("atomic rename", Status.FAIL, Errors.describe(e));
    }
  }

  private Result directorySync(Path probe) {
    try (FileChannel ch = FileChannel.open(probe, StandardOpenOption.READ)) {
      ch.force(true);
      return new Result("directory sync", Status.OK, "fsync(2) of a directory works: renames can be made durable");
    } catch (IOException | RuntimeException e) {
      return new Result("directory sync", Status.FAIL, "fsync(2) of a directory failed: " + Errors.describe(e));
    }
  }

  private Result lockExcludes(Path probe) {
    try {
      DirectoryLocker locker = new DirectoryLocker(probe);
      String whileHeld;
      DirectoryLock held = locker.lockExclusive(Duration.ofSeconds(5));
      try {
        whileHeld = probeFromChild(probe);
      } finally {
        held.close();
      }
      if (!whileHeld.equals("excluded")) {
        return new Result("lock", Status.FAIL, "a second process took the lock while this one held it (" + whileHeld + ")");
      }
      String afterRelease = probeFromChild(probe);
      if (!afterRelease.equals("acquired")) {
        return new Result("lock", Status.FAIL, "a second process could not take the lock once released (" + afterRelease + ")");
      }
      return new Result("lock", Status.OK, "excludes a second process while held, and is released");
    } catch (IOException | RuntimeException e) {
      return new Result("lock", Status.FAIL, "locks do not work here: " + Errors.describe(e));
    }
  }

  private static String probeFromChild(Path lockDir) throws IOException {
    Process p = Relaunch.of("probe-lock", lockDir.toString())
        .redirectErrorStream(true)
        .start();
    try {
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return "the probe process did not finish";
      }
      String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      return switch (p.exitValue()) {
        case 0 -> "acquired";
        case LockProbe.EXCLUDED -> "excluded";
        default -> "probe failed: " + said.lines().reduce((a, b) -> b).orElse("exit " + p.exitValue());
      };
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
      return "interrupted";
    }
  }

  private Result fsyncLatency(Path probe) {
    try (FileChannel ch = FileChannel.open(probe.resolve("fsync"), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      byte[] block = new byte[4096];
      long[] nanos = new long[FSYNCS];
      for (int i = 0; i < FSYNCS; i++) {
        Arrays.fill(block, (byte) ('a' + i));
        ByteBuffer b = ByteBuffer.wrap(block);
        while (b.hasRemaining()) {
          ch.write(b, b.position());
        }
        long t0 = System.nanoTime();
        ch.force(true);
        nanos[i] = System.nanoTime() - t0;
      }
      Arrays.sort(nanos);
      double ms = nanos[FSYNCS / 2] / 1e6;
      String detail = String.format(Locale.ROOT, "%.2f ms (median of %d fsyncs of 4 KiB)", ms, FSYNCS);
      if (ms > 100) {
        return new Result("fsync latency", Status.WARN, detail + ": slow, each durable write waits this long");
      }
      return new Result("fsync latency", Status.OK, detail);
    } catch (IOException | RuntimeException e) {
      return new Result("fsync latency", Status.FAIL, "fsync(2) failed: " + Errors.describe(e));
    }
  }

  private Result freeSpace() {
    try {
      long free = Files.getFileStore(dir).getUsableSpace();
      String detail = bytes(free) + " usable";
      if (free < LOW_SPACE) {
        return new Result("free space", Status.WARN, detail + ": low, writes may fail with ENOSPC");
      }
      return new Result("free space", Status.OK, detail);
    } catch (IOException e) {
      return new Result("free space", Status.WARN, "unknown: " + Errors.describe(e));
    }
  }

  static String bytes(long n) {
    String[] units = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    double v = n;
    int u = 0;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return u == 0 ? n + " B" : String.format(Locale.ROOT, "%.1f %s", v, units[u]);
  }

  static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
