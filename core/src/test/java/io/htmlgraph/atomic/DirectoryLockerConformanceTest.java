package io.htmlgraph.atomic;

import io.htmlgraph.atomic.conformance.LockerConformanceTest;
import io.htmlgraph.atomic.conformance.LockerFactory;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;

/** The rules of every {@link Locker}, kept by {@link DirectoryLocker}. */
class DirectoryLockerConformanceTest extends LockerConformanceTest {
  @TempDir Path dir;

  /** Makes a child JVM's {@code DirectoryLocker}: arguments {@code DIR}. */
  public static final class Factory implements LockerFactory {
    @Override
    public Locker open(List<String> args) throws Exception {
      return new DirectoryLocker(Path.of(args.get(0)));
    }
  }

  @Override
  protected Locker newLocker() throws Exception {
    return new DirectoryLocker(dir);
  }

  @Override
  protected Class<? extends LockerFactory> childFactory() {
    return Factory.class;
  }

  @Override
  protected List<String> childFactoryArgs() {
    return List.of(dir.toString());
  }

  @Override
  protected String lockName() {
    return dir.toString();
  }
}
