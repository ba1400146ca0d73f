package io.htmlgraph.atomic.examples;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Runs the registry once: {@code java -cp ... io.htmlgraph.atomic.examples.SessionRegistryDemo [dir]}
 * registers two sessions of this process, sends a heartbeat, archives one, and prints the index and
 * the files. Run it from several shells at once on one directory: every session ends up in the index.
 */
public final class SessionRegistryDemo {
  private SessionRegistryDemo() {}

  /**
   * @param args the registry directory (default: a new temp directory)
   * @throws Exception on any failure
   */
  public static void main(String[] args) throws Exception {
    Path dir = args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("sessions-");
    SessionRegistry registry = SessionRegistry.open(dir);
    String me = "demo-" + ProcessHandle.current().pid();
    registry.register(me + "-a");
    registry.register(me + "-b");
    registry.heartbeat(me + "-a");
    registry.archive(me + "-b");
    System.out.println("registry " + dir);
    System.out.println("active:   " + registry.list().stream().map(Session::id).toList());
    System.out.println("archived: " + registry.listArchived().stream().map(Session::id).toList());
    System.out.println("index.json:");
    System.out.print(Files.readString(dir.resolve("index.json")));
    System.out.println("active/" + me + "-a.json:");
    System.out.print(Files.readString(dir.resolve("active/" + me + "-a.json")));
  }
}
