package io.htmlgraph.atomic.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.htmlgraph.atomic.Locker;
import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** DESIGN.md, "Contract, second part": {@code SessionRegistry.open(Path dir, Locker)}. */
class ContractSignaturesTest {
  interface Open { SessionRegistry apply(Path dir, Locker locker) throws IOException; }

  @Test
  void openWithAnyLocker() throws Exception {
    Open open = SessionRegistry::open;
    assertThat(open).isNotNull();
    Method m = SessionRegistry.class.getMethod("open", Path.class, Locker.class);
    assertThat(Modifier.isStatic(m.getModifiers())).isTrue();
    assertThat(m.getReturnType()).isEqualTo(SessionRegistry.class);
    assertThat(m.getExceptionTypes()).containsExactly(IOException.class);
  }
}
