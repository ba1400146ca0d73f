package io.htmlgraph.atomic;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The fixed names of DESIGN.md, "Contract, second part" (core): external tests compile against them.
 * The method references below fail to compile if a parameter or return type changes, or if a method
 * declares a checked exception the contract does not; {@link #throwsClausesAndModifiersAreTheContracts}
 * checks what the compiler does not (a missing {@code throws}, static, final).
 */
class ContractSignaturesTest {
  interface Call0<T, R> { R apply(T t) throws IOException; }
  interface Call1<T, A, R> { R apply(T t, A a) throws IOException; }
  interface Call2<T, A, B, R> { R apply(T t, A a, B b) throws IOException; }
  interface Call3<T, A, B, C, R> { R apply(T t, A a, B b, C c) throws IOException; }
  interface Void0<T> { void apply(T t) throws IOException; }

  @Test
  void everySignatureCompiles() {
    Call1<Locker, Duration, HeldLock> exclusive = Locker::lockExclusive;
    Call1<Locker, Duration, HeldLock> shared = Locker::lockShared;
    Call0<Locker, Optional<LockOwner>> owner = Locker::owner;
    java.util.function.Function<HeldLock, LockMode> mode = HeldLock::mode;
    java.util.function.Predicate<HeldLock> isHeld = HeldLock::isHeld;
    java.util.function.ToLongFunction<HeldLock> token = HeldLock::fencingToken;
    java.util.function.Consumer<HeldLock> close = HeldLock::close;
    // the covariant returns of the directory locker
    Call1<DirectoryLocker, Duration, DirectoryLock> dirExclusive = DirectoryLocker::lockExclusive;
    Call1<DirectoryLocker, Duration, DirectoryLock> dirShared = DirectoryLocker::lockShared;
    Locker asLocker = (DirectoryLocker) null;
    HeldLock asHeld = (DirectoryLock) null;

    Call0<Path, FileTransaction> begin = FileTransaction::begin;
    Call2<Path, Locker, Duration, FileTransaction> beginWith = FileTransaction::begin;
    Call2<FileTransaction, Path, byte[], FileTransaction> writeBytes = FileTransaction::write;
    Call2<FileTransaction, Path, String, FileTransaction> writeText = FileTransaction::write;
    Call3<FileTransaction, Path, FileVersion, byte[], FileTransaction> writeIf = FileTransaction::writeIf;
    Call1<FileTransaction, Path, FileTransaction> delete = FileTransaction::delete;
    Void0<FileTransaction> commit = FileTransaction::commit;
    Void0<FileTransaction> txClose = FileTransaction::close;
    Call0<Path, Boolean> recover = FileTransaction::recover;
    Call1<Path, IOFunction<Path, String>, String> read = FileTransaction::read;
    AutoCloseable txIsCloseable = (FileTransaction) null;

    Call0<Path, FileVersion> versionOf = FileVersion::of;
    java.util.function.Supplier<FileVersion> absent = FileVersion::absent;
    java.util.function.Predicate<FileVersion> isAbsent = FileVersion::isAbsent;
    IOException conflict = new VersionConflictException(Path.of("f"), FileVersion.absent(), FileVersion.absent());
    java.util.function.Function<VersionConflictException, Path> file = VersionConflictException::file;
    java.util.function.Function<VersionConflictException, FileVersion> expected = VersionConflictException::expected;
    java.util.function.Function<VersionConflictException, FileVersion> actual = VersionConflictException::actual;
    IOFunction<Path, Path> fn = p -> p;

    Call2<Path, FileVersion, byte[], Void> writeIfTarget = (t, v, d) -> {
      AtomicFileWriter.atomicWriteIf(t, v, d);
      return null;
    };
    Call3<Path, FileVersion, byte[], WriteOptions, Void> writeIfOptions = (t, v, d, o) -> {
      AtomicFileWriter.atomicWriteIf(t, v, d, o);
      return null;
    };

    assertThat(List.of(exclusive, shared, owner, mode, isHeld, token, close, dirExclusive, dirShared,
        begin, beginWith, writeBytes, writeText, writeIf, delete, commit, txClose, recover, read,
        versionOf, absent, isAbsent, conflict, file, expected, actual, fn, writeIfTarget, writeIfOptions))
        .doesNotContainNull();
    assertThat(asLocker).isNull();
    assertThat(asHeld).isNull();
    assertThat(txIsCloseable).isNull();
  }

  /** A caller may catch IOException around close(): it must be declared, as the contract does. */
  @Test
  void transactionCloseDeclaresIOException() throws Exception {
    assertThat(FileTransaction.class.getMethod("close").getExceptionTypes()).containsExactly(IOException.class);
  }

  @Test
  void throwsClausesAndModifiersAreTheContracts() throws Exception {
    assertThat(Modifier.isFinal(FileTransaction.class.getModifiers())).isTrue();
    assertThat(Modifier.isFinal(FileVersion.class.getModifiers())).isTrue();
    assertThat(Modifier.isFinal(VersionConflictException.class.getModifiers())).isFalse();
    assertThat(IOFunction.class.isAnnotationPresent(FunctionalInterface.class)).isTrue();

    assertThrowsIO(Locker.class.getMethod("lockExclusive", Duration.class), false);
    assertThrowsIO(Locker.class.getMethod("lockShared", Duration.class), false);
    assertThrowsIO(Locker.class.getMethod("owner"), false);
    assertThat(HeldLock.class.getMethod("close").getExceptionTypes()).isEmpty();
    assertThrowsIO(FileTransaction.class.getMethod("begin", Path.class), true);
    assertThrowsIO(FileTransaction.class.getMethod("begin", Path.class, Locker.class, Duration.class), true);
    assertThrowsIO(FileTransaction.class.getMethod("write", Path.class, byte[].class), false);
    assertThrowsIO(FileTransaction.class.getMethod("write", Path.class, String.class), false);
    assertThrowsIO(FileTransaction.class.getMethod("writeIf", Path.class, FileVersion.class, byte[].class), false);
    assertThrowsIO(FileTransaction.class.getMethod("delete", Path.class), false);
    assertThrowsIO(FileTransaction.class.getMethod("commit"), false);
    assertThrowsIO(FileTransaction.class.getMethod("recover", Path.class), true);
    assertThrowsIO(FileTransaction.class.getMethod("read", Path.class, IOFunction.class), true);
    assertThrowsIO(FileVersion.class.getMethod("of", Path.class), true);
    assertThat(Modifier.isStatic(FileVersion.class.getMethod("absent").getModifiers())).isTrue();
    assertThrowsIO(AtomicFileWriter.class.getMethod("atomicWriteIf", Path.class, FileVersion.class, byte[].class), true);
    assertThrowsIO(AtomicFileWriter.class.getMethod("atomicWriteIf", Path.class, FileVersion.class, byte[].class,
        WriteOptions.class), true);
    assertThat(FileTransaction.class.getMethod("recover", Path.class).getReturnType()).isEqualTo(boolean.class);
  }

  private static void assertThrowsIO(Method m, boolean isStatic) {
    assertThat(m.getExceptionTypes()).as(m.toString()).containsExactly(IOException.class);
    assertThat(Modifier.isStatic(m.getModifiers())).as(m + " static").isEqualTo(isStatic);
    assertThat(Modifier.isPublic(m.getModifiers())).as(m + " public").isTrue();
  }
}
