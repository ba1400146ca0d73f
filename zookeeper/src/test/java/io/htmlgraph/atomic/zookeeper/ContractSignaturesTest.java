package io.htmlgraph.atomic.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;

import io.htmlgraph.atomic.Locker;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.function.BiFunction;
import org.apache.curator.framework.CuratorFramework;
import org.junit.jupiter.api.Test;

/** DESIGN.md, "Contract, second part": {@code ZooKeeperLocker.create(CuratorFramework, String)}. */
class ContractSignaturesTest {
  @Test
  void createTakesTheCallersClientAndAPath() throws Exception {
    BiFunction<CuratorFramework, String, ZooKeeperLocker> create = ZooKeeperLocker::create;
    Locker asLocker = (ZooKeeperLocker) null;
    assertThat(create).isNotNull();
    assertThat(asLocker).isNull();
    assertThat(Modifier.isFinal(ZooKeeperLocker.class.getModifiers())).isTrue();
    assertThat(Locker.class).isAssignableFrom(ZooKeeperLocker.class);
    Method m = ZooKeeperLocker.class.getMethod("create", CuratorFramework.class, String.class);
    assertThat(Modifier.isStatic(m.getModifiers())).isTrue();
    assertThat(m.getExceptionTypes()).isEmpty();
  }
}
