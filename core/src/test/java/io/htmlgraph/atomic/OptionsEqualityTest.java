package io.htmlgraph.atomic;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * {@link WriteOptions} and {@link LockOptions} are values: options built alike are equal (so they can
 * be compared, cached and used as map keys), and options that differ in any one option are not.
 */
class OptionsEqualityTest {
  @Test
  void writeOptionsBuiltAlikeAreEqualWithEqualHashCodes() {
    WriteOptions a = WriteOptions.builder().durability(Durability.FILE).tempDir(Path.of("/tmp"))
        .charset(StandardCharsets.ISO_8859_1).permissions(EnumSet.of(PosixFilePermission.OWNER_READ))
        .symlinks(SymlinkPolicy.REPLACE_LINK).noClobber().build();
    WriteOptions b = WriteOptions.builder().noClobber(true).symlinks(SymlinkPolicy.REPLACE_LINK)
        .permissions(new HashSet<>(Set.of(PosixFilePermission.OWNER_READ))).charset(StandardCharsets.ISO_8859_1)
        .tempDir(Path.of("/tmp")).durability(Durability.FILE).build();
    assertThat(a).isEqualTo(b).hasSameHashCodeAs(b).hasToString(b.toString()).isNotSameAs(b);
    assertThat(a.toBuilder().build()).isEqualTo(a);
    assertThat(WriteOptions.builder().build()).isEqualTo(WriteOptions.defaults())
        .hasSameHashCodeAs(WriteOptions.defaults());
    assertThat(Set.of(a)).contains(b);
  }

  @Test
  void writeOptionsThatDifferInAnyOneOptionAreNotEqual() {
    WriteOptions base = WriteOptions.defaults();
    List<UnaryOperator<WriteOptions.Builder>> changes = List.of(
        b -> b.durability(Durability.NONE),
        b -> b.tempDir(Path.of("/tmp")),
        b -> b.charset(StandardCharsets.UTF_16),
        b -> b.permissions(Set.of()),
        b -> b.symlinks(SymlinkPolicy.REPLACE_LINK),
        b -> b.noClobber());
    for (UnaryOperator<WriteOptions.Builder> change : changes) {
      WriteOptions changed = change.apply(base.toBuilder()).build();
      assertThat(changed).as(changed.toString()).isNotEqualTo(base);
      assertThat(base).as(changed.toString()).isNotEqualTo(changed);
    }
    // no permissions given (keep the replaced file's) is not the same as exactly none
    assertThat(WriteOptions.builder().permissions(null).build())
        .isNotEqualTo(WriteOptions.builder().permissions(Set.of()).build());
    assertThat(base).isNotEqualTo(null).isNotEqualTo("WriteOptions");
  }

  @Test
  void lockOptionsAreEqualWhenTheirPolicyIs() {
    LockOptions warn = LockOptions.builder().build();
    LockOptions refuse = LockOptions.builder().networkFileSystems(LockOptions.NetworkFileSystems.REFUSE).build();
    assertThat(warn).isEqualTo(LockOptions.defaults()).hasSameHashCodeAs(LockOptions.defaults());
    assertThat(refuse).isEqualTo(LockOptions.builder().networkFileSystems(LockOptions.NetworkFileSystems.REFUSE).build())
        .hasSameHashCodeAs(LockOptions.builder().networkFileSystems(LockOptions.NetworkFileSystems.REFUSE).build());
    assertThat(refuse).isNotEqualTo(warn).isNotEqualTo(null);
    assertThat(refuse).hasToString("LockOptions[networkFileSystems=REFUSE]");
  }
}
