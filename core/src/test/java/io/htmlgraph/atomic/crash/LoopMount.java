package io.htmlgraph.atomic.crash;

import io.htmlgraph.atomic.testsupport.Commands;
import io.htmlgraph.atomic.testsupport.DiskImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A small file system in an image file, loop-mounted in a private mount namespace, that a test can cut
 * the power of: {@link PowerSwitch#cut()} shuts it down without flushing its journal, as if the machine had
 * lost power at that instant, and {@link #remount()} replays the journal as the next boot would.
 *
 * <p>The mount lives in a mount namespace of its own ({@code unshare --mount --propagation private}),
 * held by a shell that reads the test JVM's pipe: when the test ends, or the test JVM dies, the shell
 * exits, the namespace goes, the file system is unmounted and its loop device (mounted with autoclear)
 * is freed. Nothing is ever mounted on the host. {@link #close()} also unmounts lazily and detaches
 * the loop device explicitly.
 *
 * <p>The test JVM reads the mounted files through {@code /proc/PID/root} of the holder, which resolves
 * paths in the holder's namespace; child JVMs are started inside it with {@code nsenter}.
 */
final class LoopMount implements AutoCloseable {
  /** What a file system needs: the size of its image, how to mount it. */
  enum Kind {
    /**
     * ext4 with {@code noauto_da_alloc} (stock ext4 flushes a file replaced by rename or truncate,
     * which hides a missing fsync) and {@code commit=1} (a journal commit every second, so that cuts
     * more than a second after a write can catch an unsynced write committed half way).
     */
    EXT4(64L << 20, "loop,noauto_da_alloc,commit=1"),
    /** XFS, whose smallest file system is 300 MB (the image is sparse). */
    XFS(320L << 20, "loop");

    final long imageSize;
    final String mountOptions;

    Kind(long imageSize, String mountOptions) {
      this.imageSize = imageSize;
      this.mountOptions = mountOptions;
    }

    /** @return the type's name for mkfs and mount */
    String type() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private final Kind kind;
  private final Path image;
  private final Path mountPoint;
  private final Process holder;
  private boolean mounted;

  private LoopMount(Kind kind, Path image, Path mountPoint, Process holder) {
    this.kind = kind;
    this.image = image;
    this.mountPoint = mountPoint;
    this.holder = holder;
  }

  /** @return why power cuts on {@code kind} cannot run here, or empty if they can */
  static Optional<String> unavailable(Kind kind) {
    Optional<String> why = DiskImage.unavailable(kind.type());
    if (why.isPresent()) {
      return why.map(w -> "power cuts: " + w);
    }
    for (String tool : List.of("unshare", "nsenter", "xfs_io")) {
      if (!Commands.installed(tool)) {
        return Optional.of(tool + " is not installed (" + (tool.equals("xfs_io") ? "Debian package xfsprogs" : "util-linux") + ")");
      }
    }
    try {
      Commands.Result r = Commands.run("unshare", "--mount", "--propagation", "private", "true");
      if (r.exit() != 0) {
        return Optional.of("cannot make a private mount namespace (unshare --mount): " + r.output());
      }
    } catch (IOException e) {
      return Optional.of("cannot run unshare: " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.of("interrupted");
    }
    return Optional.empty();
  }

  /**
   * Makes a file system of {@code kind} in an image in {@code workDir} and mounts it, privately.
   *
   * @throws IOException if any step fails; whatever was set up is torn down
   */
  static LoopMount create(Kind kind, Path workDir) throws IOException, InterruptedException {
    Path image = workDir.toAbsolutePath().resolve(kind.type() + ".img");
    Path mountPoint = workDir.toAbsolutePath().resolve(kind.type() + "-mnt");
    Files.createDirectories(mountPoint);
    DiskImage.make(image, kind.type(), kind.imageSize);
    // the holder: its namespace lives as long as it reads our pipe
    Process holder = new ProcessBuilder("unshare", "--mount", "--propagation", "private", "--",
        "sh", "-c", "echo ready; read line").redirectError(ProcessBuilder.Redirect.INHERIT).start();
    byte[] ready = holder.getInputStream().readNBytes(6);
    if (!"ready\n".equals(new String(ready, StandardCharsets.US_ASCII))) {
      holder.destroyForcibly();
      throw new IOException("unshare --mount did not start (exit " + holder.waitFor() + ")");
    }
    LoopMount m = new LoopMount(kind, image, mountPoint, holder);
    try {
      m.mount();
    } catch (IOException | RuntimeException e) {
      m.close();
      throw e;
    }
    return m;
  }

  /** @return the command prefix that runs a command inside the private namespace */
  List<String> inNamespace() {
    return List.of("nsenter", "-t", Long.toString(holder.pid()), "-m", "--");
  }

  /** @return {@code name} on the mounted file system, as child JVMs in the namespace see it */
  Path pathInside(String name) {
    return mountPoint.resolve(name);
  }

  /** @return {@code name} on the mounted file system, as this JVM can reach it */
  Path pathFromHere(String name) {
    return Path.of("/proc/" + holder.pid() + "/root" + mountPoint).resolve(name);
  }

  private void mount() throws IOException, InterruptedException {
    runInside("mount", "-o", kind.mountOptions, image.toString(), mountPoint.toString());
    mounted = true;
  }

  /**
   * Readies a power cut: starts {@code xfs_io -x MOUNT} inside the namespace, idle on its stdin, so that
   * {@link PowerSwitch#cut()} costs one pipe write rather than a process start, and the instant of the
   * cut is known to within a fraction of a millisecond.
   */
  PowerSwitch armPowerCut() throws IOException {
    List<String> cmd = new ArrayList<>(inNamespace());
    cmd.addAll(List.of("xfs_io", "-x", mountPoint.toString()));
    return new PowerSwitch(new ProcessBuilder(cmd).redirectErrorStream(true).start());
  }

  /** An armed power cut: see {@link LoopMount#armPowerCut()}. */
  static final class PowerSwitch implements AutoCloseable {
    private final Process xfsIo;

    private PowerSwitch(Process xfsIo) {
      this.xfsIo = xfsIo;
    }

    /**
     * Cuts the power: {@code shutdown} shuts the file system down without flushing its journal (the
     * {@code GOINGDOWN} ioctl 0x8004587D, {@code EXT4_IOC_SHUTDOWN} on ext4, with flag 2,
     * {@code NOLOGFLUSH}, which is what xfs_io's {@code shutdown} passes without {@code -f}). Every
     * later I/O on it fails; what reaches the disk is what a power cut at this instant would leave.
     * Returns once xfs_io has exited.
     *
     * @throws IOException if the shutdown failed
     */
    void cut() throws IOException, InterruptedException {
      xfsIo.getOutputStream().write("shutdown\nquit\n".getBytes(StandardCharsets.US_ASCII));
      xfsIo.getOutputStream().flush();
      String out = new String(xfsIo.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!xfsIo.waitFor(30, TimeUnit.SECONDS)) {
        xfsIo.destroyForcibly();
        throw new IOException("xfs_io shutdown timed out");
      }
      if (xfsIo.exitValue() != 0 || !out.isBlank()) {
        throw new IOException("xfs_io shutdown failed, exit " + xfsIo.exitValue() + ": " + out.strip());
      }
    }

    @Override
    public void close() throws InterruptedException {
      if (xfsIo.isAlive()) {
        xfsIo.destroyForcibly();
        xfsIo.waitFor();
      }
    }
  }

  /** The reboot after a power cut: unmounts and mounts again, which replays the journal. */
  void remount() throws IOException, InterruptedException {
    runInside("umount", mountPoint.toString());
    mounted = false;
    mount();
  }

  private void runInside(String... cmd) throws IOException, InterruptedException {
    List<String> full = new ArrayList<>(inNamespace());
    full.addAll(List.of(cmd));
    Commands.check(full);
  }

  /** Unmounts (lazily), ends the namespace and detaches any loop device still on the image. */
  @Override
  public void close() throws IOException, InterruptedException {
    try {
      if (mounted && holder.isAlive()) {
        try {
          runInside("umount", "-l", mountPoint.toString());
        } catch (IOException e) {
          System.err.println("cleanup: " + e.getMessage());
        }
      }
    } finally {
      mounted = false;
      holder.getOutputStream().close(); // the holder's "read" ends, and the namespace with it
      if (!holder.waitFor(10, TimeUnit.SECONDS)) {
        holder.destroyForcibly();
        holder.waitFor();
      }
      try {
        for (String line : Commands.check("losetup", "-j", image.toString()).split("\n")) {
          int colon = line.indexOf(':');
          if (colon > 0) {
            Commands.check("losetup", "-d", line.substring(0, colon));
          }
        }
      } catch (IOException e) {
        System.err.println("cleanup: " + e.getMessage());
      }
      Files.deleteIfExists(image);
    }
  }
}
