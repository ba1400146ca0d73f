package io.htmlgraph.atomic.examples;

import java.nio.file.Path;

/**
 * Run by {@link SessionRegistryTest} as a child JVM: {@code DIR NAME N} opens the registry, prints
 * "ready", waits for a line, then registers sessions NAME-0 .. NAME-(N-1) and sends each a heartbeat,
 * and prints "done".
 */
public final class RegisterChild {
  private RegisterChild() {}

  public static void main(String[] args) throws Exception {
    SessionRegistry registry = SessionRegistry.open(Path.of(args[0]));
    System.out.println("ready");
    System.in.read(); // start together with the other children
    for (int i = 0; i < Integer.parseInt(args[2]); i++) {
      registry.register(args[1] + "-" + i);
      registry.heartbeat(args[1] + "-" + i);
    }
    System.out.println("done");
  }
}
