package io.htmlgraph.atomic.json;

import static org.assertj.core.api.Assertions.assertThat;

import io.htmlgraph.atomic.Locker;
import io.htmlgraph.atomic.WriteOptions;
import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import tools.jackson.core.type.TypeReference;

/** DESIGN.md, "Contract, second part": the two {@code AtomicJson.update} overloads that take any {@link Locker}. */
class ContractSignaturesTest {
  interface Update<K> { Object apply(Path p, K type, Locker l, Duration t, WriteOptions o, UnaryOperator<Object> fn)
      throws IOException; }

  @Test
  void updateWithAnyLockerCompilesAndDeclaresIOException() throws Exception {
    Update<Class<Object>> byClass = (p, type, l, t, o, fn) -> AtomicJson.update(p, type, l, t, o, fn);
    Update<TypeReference<Object>> byReference = (p, type, l, t, o, fn) -> AtomicJson.update(p, type, l, t, o, fn);
    TypeReference<Map<String, Integer>> generic = new TypeReference<>() { };
    assertThat(byClass).isNotNull();
    assertThat(byReference).isNotNull();
    assertThat(generic.getType()).isNotNull();

    for (Class<?> kind : new Class<?>[] {Class.class, TypeReference.class}) {
      Method m = AtomicJson.class.getMethod("update", Path.class, kind, Locker.class, Duration.class,
          WriteOptions.class, UnaryOperator.class);
      assertThat(Modifier.isStatic(m.getModifiers())).isTrue();
      assertThat(m.getExceptionTypes()).containsExactly(IOException.class);
    }
  }
}
