package io.htmlgraph.atomic;

import java.util.Objects;

/**
 * How a {@link DirectoryLocker} treats its directory. Immutable; build with {@link #builder()}.
 *
 * <table>
 *   <caption>Options and defaults</caption>
 *   <tr><th>option</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@link Builder#networkFileSystems(NetworkFileSystems) networkFileSystems}</td>
 *       <td>{@link NetworkFileSystems#WARN}</td>
 *       <td>what to do when the directory is on NFS, SMB/CIFS, sshfs, 9p and the like</td></tr>
 * </table>
 */
public final class LockOptions {
  /** What a locker does with a directory on a network file system. */
  public enum NetworkFileSystems {
    /** Log a warning once per directory (System.Logger {@code io.htmlgraph.atomic}) and lock anyway. */
    WARN,
    /** Throw {@link NetworkFileSystemException} from the constructor; nothing is created. */
    REFUSE
  }

  private static final LockOptions DEFAULTS = new Builder().build();

  private final NetworkFileSystems networkFileSystems;

  private LockOptions(Builder b) {
    this.networkFileSystems = b.networkFileSystems;
  }

  /** @return warn about network file systems */
  public static LockOptions defaults() {
    return DEFAULTS;
  }

  /** @return a builder holding the defaults */
  public static Builder builder() {
    return new Builder();
  }

  /** @return what a locker does with a directory on a network file system */
  public NetworkFileSystems networkFileSystems() {
    return networkFileSystems;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LockOptions other && networkFileSystems == other.networkFileSystems;
  }

  @Override
  public int hashCode() {
    return networkFileSystems.hashCode();
  }

  @Override
  public String toString() {
    return "LockOptions[networkFileSystems=" + networkFileSystems + "]";
  }

  /** Builds {@link LockOptions}. */
  public static final class Builder {
    private NetworkFileSystems networkFileSystems = NetworkFileSystems.WARN;

    private Builder() {}

    /**
     * @param policy warn (default) or refuse
     * @return this builder
     * @throws NullPointerException if {@code policy} is null
     */
    public Builder networkFileSystems(NetworkFileSystems policy) {
      this.networkFileSystems = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /** @return the options */
    public LockOptions build() {
      return new LockOptions(this);
    }
  }
}
