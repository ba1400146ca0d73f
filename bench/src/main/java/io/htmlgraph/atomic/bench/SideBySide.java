package io.htmlgraph.atomic.bench;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Versions of the core side by side in one JVM: each in a class loader of its own, replacing its own
 * file in a directory of its own, alternated round by round (the order reversed every other round),
 * so that the load of a shared machine weighs on every version alike. Prints the median (min–max)
 * ops/s of each and the median (min–max) of the per-round ratios of each to the first. Started by
 * {@code bench/side-by-side}.
 *
 * <p>Arguments: {@code DIR SIZE DURABILITY N ROUNDS FILE_MODE DIR_MODE NAME=CLASSES[@KEY=VALUE]...}:
 * a {@code KEY=VALUE} is a system property set while that version's classes are initialised (so
 * {@code @io.htmlgraph.atomic.jfr=false} gives a version whose Flight Recorder events are off, beside
 * the same classes with them on). {@code -Dside.jfr=initialized} starts the Flight Recorder (a
 * recording started and closed) before the rounds, {@code -Dside.jfr=recording} keeps a recording with
 * the JDK's default settings running through them.
 */
public final class SideBySide {
  private SideBySide() {}

  private record Version(String name, Method write, Object options) {
    void replace(Path target, byte[] content) throws Exception {
      try {
        write.invoke(null, target, content, options);
      } catch (InvocationTargetException e) {
        throw e.getCause() instanceof Exception x ? x : e;
      }
    }
  }

  public static void main(String[] a) throws Exception {
    Path root = Path.of(a[0]);
    int size = Integer.parseInt(a[1]);
    String durability = a[2];
    int n = Integer.parseInt(a[3]);
    int rounds = Integer.parseInt(a[4]);
    String fileMode = a[5];
    String dirMode = a[6];
    List<Version> versions = new ArrayList<>();
    for (int i = 7; i < a.length; i++) {
      String[] spec = a[i].split("@", 2);
      String[] kv = spec[0].split("=", 2);
      String[] property = spec.length > 1 ? spec[1].split("=", 2) : null;
      if (property != null) {
        System.setProperty(property[0], property[1]);
      }
      ClassLoader l = new URLClassLoader(new URL[] {Path.of(kv[1]).toUri().toURL()}, ClassLoader.getPlatformClassLoader());
      try {
        Class.forName("io.htmlgraph.atomic.internal.Jfr", true, l); // reads its property now
      } catch (ClassNotFoundException older) {
        // a version without events
      }
      Class<?> writer = l.loadClass("io.htmlgraph.atomic.AtomicFileWriter");
      Class<?> options = l.loadClass("io.htmlgraph.atomic.WriteOptions");
      Class<?> level = l.loadClass("io.htmlgraph.atomic.Durability");
      Object b = options.getMethod("builder").invoke(null);
      b.getClass().getMethod("durability", level).invoke(b, level.getMethod("valueOf", String.class).invoke(null, durability));
      versions.add(new Version(kv[0], writer.getMethod("atomicWrite", Path.class, byte[].class, options),
          b.getClass().getMethod("build").invoke(b)));
      if (property != null) {
        System.clearProperty(property[0]);
      }
    }
    String jfr = System.getProperty("side.jfr", "");
    jdk.jfr.Recording recording = null;
    if (jfr.equals("initialized")) {
      new jdk.jfr.Recording().close();
    } else if (jfr.equals("recording")) {
      recording = new jdk.jfr.Recording(jdk.jfr.Configuration.getConfiguration("default"));
      recording.start();
    }
    byte[] content = new byte[size];
    new Random(1).nextBytes(content);
    Map<String, Path> targets = new LinkedHashMap<>();
    for (Version v : versions) {
      Path d = Files.createTempDirectory(root, v.name());
      Files.setPosixFilePermissions(d, PosixFilePermissions.fromString(dirMode));
      Path f = Files.write(d.resolve("f"), content);
      Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(fileMode));
      targets.put(v.name(), f);
      for (int i = 0; i < Math.max(200, n / 5); i++) {
        v.replace(f, content); // warm-up
      }
    }
    Map<String, List<Double>> ops = new LinkedHashMap<>();
    versions.forEach(v -> ops.put(v.name(), new ArrayList<>()));
    for (int r = 0; r < rounds; r++) {
      List<Version> order = new ArrayList<>(versions);
      if (r % 2 == 1) {
        Collections.reverse(order);
      }
      for (Version v : order) {
        Path f = targets.get(v.name());
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
          v.replace(f, content);
        }
        ops.get(v.name()).add(n / ((System.nanoTime() - t0) / 1e9));
      }
    }
    if (recording != null) {
      recording.close();
    }
    StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%,d B at %s, file %s in directory %s, %d replaces x %d rounds%s:",
        size, durability, fileMode, dirMode, n, rounds, jfr.isEmpty() ? "" : ", Flight Recorder " + jfr));
    for (Version v : versions) {
      Stats s = Stats.of(ops.get(v.name()));
      sb.append(String.format(Locale.ROOT, " %s %,.0f/s (%,.0f-%,.0f);", v.name(), s.median(), s.min(), s.max()));
    }
    String first = versions.get(0).name();
    for (Version v : versions.subList(1, versions.size())) {
      Stats r = Stats.of(Paired.ratios(ops.get(v.name()), ops.get(first)));
      sb.append(String.format(Locale.ROOT, " %s/%s %.2fx (%.2f-%.2f);", v.name(), first, r.median(), r.min(), r.max()));
    }
    System.out.println(sb);
  }
}
