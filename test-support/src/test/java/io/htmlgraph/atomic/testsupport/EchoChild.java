package io.htmlgraph.atomic.testsupport;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * A child for {@link ChildJvmTest}: prints its arguments on one line, then each line it reads, upper
 * case, until its input ends or a line {@code exit N} (then exits with status N).
 */
public final class EchoChild {
  private EchoChild() {}

  public static void main(String[] args) throws Exception {
    System.out.println(String.join(" ", args));
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line; (line = in.readLine()) != null; ) {
      if (line.startsWith("exit ")) {
        System.exit(Integer.parseInt(line.substring(5)));
      }
      System.out.println(line.toUpperCase());
    }
  }
}
