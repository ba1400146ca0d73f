package io.htmlgraph.atomic;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * How an atomic write behaves. Immutable; build with {@link #builder()}, start from
 * {@link #defaults()}.
 *
 * <table>
 *   <caption>Options and defaults</caption>
 *   <tr><th>option</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@link Builder#durability(Durability) durability}</td><td>{@link Durability#FULL}</td>
 *       <td>what survives a power cut once the commit returns</td></tr>
 *   <tr><td>{@link Builder#tempDir(Path) tempDir}</td><td>the target's directory</td>
 *       <td>where the content is written first; on another file system the content is copied beside
 *       the target before the rename, so the result is still atomic</td></tr>
 *   <tr><td>{@link Builder#charset(Charset) charset}</td><td>UTF-8</td>
 *       <td>encoding of text writes; unmappable or malformed characters fail the write</td></tr>
 *   <tr><td>{@link Builder#permissions(Set) permissions}</td><td>keep</td>
 *       <td>a replaced file keeps its mode, owner, group, POSIX ACL and extended attributes (as far as
 *       the process may set them: setuid and setgid only for root); a new file gets the mode an
 *       ordinary creation gives under the umask; or exactly the permissions given</td></tr>
 *   <tr><td>{@link Builder#symlinks(SymlinkPolicy) symlinks}</td><td>{@link SymlinkPolicy#FOLLOW}</td>
 *       <td>write through a link (keeping it; another user's link in a sticky directory is refused)
 *       or replace the link</td></tr>
 *   <tr><td>{@link Builder#noClobber() noClobber}</td><td>off</td>
 *       <td>create only if the target does not exist, atomically</td></tr>
 * </table>
 */
public final class WriteOptions {
  private static final WriteOptions DEFAULTS = new Builder().build();

  private final Durability durability;
  private final Path tempDir;
  private final Charset charset;
  private final Set<PosixFilePermission> permissions;
  private final SymlinkPolicy symlinks;
  private final boolean noClobber;

  private WriteOptions(Builder b) {
    this.durability = b.durability;
    this.tempDir = b.tempDir;
    this.charset = b.charset;
    this.permissions = b.permissions == null ? null : Set.copyOf(b.permissions);
    this.symlinks = b.symlinks;
    this.noClobber = b.noClobber;
  }

  /** @return full durability, temp beside the target, UTF-8, metadata kept, links followed, replace */
  public static WriteOptions defaults() {
    return DEFAULTS;
  }

  /** @return a builder holding the defaults */
  public static Builder builder() {
    return new Builder();
  }

  /** @return a builder holding these options */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.durability = durability;
    b.tempDir = tempDir;
    b.charset = charset;
    b.permissions = permissions;
    b.symlinks = symlinks;
    b.noClobber = noClobber;
    return b;
  }

  /** @return what survives a power cut once the commit returns */
  public Durability durability() {
    return durability;
  }

  /** @return the directory for the temp file, or empty for the target's own directory */
  public Optional<Path> tempDir() {
    return Optional.ofNullable(tempDir);
  }

  /** @return the encoding of text writes */
  public Charset charset() {
    return charset;
  }

  /** @return the exact permissions of the written file, or empty to keep (or take the umask's) */
  public Optional<Set<PosixFilePermission>> permissions() {
    return Optional.ofNullable(permissions);
  }

  /** @return what happens when the target is a symbolic link */
  public SymlinkPolicy symlinks() {
    return symlinks;
  }

  /** @return whether the write fails when the target exists */
  public boolean noClobber() {
    return noClobber;
  }

  /**
   * Options are equal when every option is: the same durability, charset, permissions (as a set),
   * symlink policy and no-clobber, and temp directories whose paths are equal ({@link Path#equals}: the
   * same text, not the same directory reached another way).
   */
  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof WriteOptions)) {
      return false;
    }
    WriteOptions w = (WriteOptions) o;
    return durability == w.durability && Objects.equals(tempDir, w.tempDir) && charset.equals(w.charset)
        && Objects.equals(permissions, w.permissions) && symlinks == w.symlinks && noClobber == w.noClobber;
  }

  @Override
  public int hashCode() {
    return Objects.hash(durability, tempDir, charset, permissions, symlinks, noClobber);
  }

  @Override
  public String toString() {
    return "WriteOptions[durability=" + durability + ", tempDir=" + tempDir + ", charset=" + charset
        + ", permissions=" + permissions + ", symlinks=" + symlinks + ", noClobber=" + noClobber + "]";
  }

  /** Builds {@link WriteOptions}. Not thread-safe; the options it builds are. */
  public static final class Builder {
    private Durability durability = Durability.FULL;
    private Path tempDir;
    private Charset charset = StandardCharsets.UTF_8;
    private Set<PosixFilePermission> permissions;
    private SymlinkPolicy symlinks = SymlinkPolicy.FOLLOW;
    private boolean noClobber;

    private Builder() {}

    /**
     * @param durability what survives a power cut once the commit returns
     * @return this builder
     */
    public Builder durability(Durability durability) {
      this.durability = Objects.requireNonNull(durability, "durability");
      return this;
    }

    /**
     * Writes the content in {@code tempDir} first (created if missing). On the target's file system the
     * temp is renamed onto the target; on another one it is copied into a temp beside the target,
     * synced as the durability asks, and that one is renamed: never a non-atomic copy onto the target.
     *
     * @param tempDir the directory, or {@code null} for the target's own directory
     * @return this builder
     * @throws IllegalArgumentException if the path is empty
     */
    public Builder tempDir(Path tempDir) {
      if (tempDir != null && tempDir.toString().isEmpty()) {
        throw new IllegalArgumentException("tempDir is an empty path");
      }
      this.tempDir = tempDir;
      return this;
    }

    /**
     * @param charset the encoding of text writes
     * @return this builder
     */
    public Builder charset(Charset charset) {
      this.charset = Objects.requireNonNull(charset, "charset");
      return this;
    }

    /**
     * Gives the written file exactly these permissions, whatever the umask and whatever the replaced
     * file had. Owner, group, ACL entries and extended attributes of a replaced file are still kept (an
     * ACL's mask follows the group permissions given, as with {@code chmod}).
     *
     * @param permissions the permissions, or {@code null} to keep the replaced file's mode (or take
     *     the umask's for a new file)
     * @return this builder
     */
    public Builder permissions(Set<PosixFilePermission> permissions) {
      if (permissions != null) {
        for (PosixFilePermission p : permissions) {
          Objects.requireNonNull(p, "permissions contains null");
        }
        this.permissions = permissions.isEmpty() ? EnumSet.noneOf(PosixFilePermission.class) : EnumSet.copyOf(permissions);
      } else {
        this.permissions = null;
      }
      return this;
    }

    /**
     * @param symlinks what happens when the target is a symbolic link
     * @return this builder
     */
    public Builder symlinks(SymlinkPolicy symlinks) {
      this.symlinks = Objects.requireNonNull(symlinks, "symlinks");
      return this;
    }

    /**
     * Creates the target only if it does not exist, atomically: the commit links the temp to the
     * target's name ({@code link(2)}), which fails when the name is taken, even by a writer in another
     * process that got there first. The commit then throws
     * {@link java.nio.file.FileAlreadyExistsException} and removes the temp.
     *
     * @return this builder
     */
    public Builder noClobber() {
      return noClobber(true);
    }

    /**
     * @param noClobber whether the write fails when the target exists
     * @return this builder
     */
    public Builder noClobber(boolean noClobber) {
      this.noClobber = noClobber;
      return this;
    }

    /** @return the options */
    public WriteOptions build() {
      return new WriteOptions(this);
    }
  }
}
