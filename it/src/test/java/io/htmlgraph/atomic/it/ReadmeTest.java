package io.htmlgraph.atomic.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.htmlgraph.atomic.cli.Main;
import io.htmlgraph.atomic.json.AtomicJson;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * README.md against what the build has: its commands exist with the options it shows, its test
 * command is the one CI runs, its figures are those of docs/benchmarks.md, its counts and versions are
 * the build's, and its Java examples are the code that it/consumer compiles and runs.
 */
class ReadmeTest {
  private static final Path ROOT = Path.of(System.getProperty("project.root", "..")).toAbsolutePath().normalize();
  private static final Pattern FENCE = Pattern.compile("(?ms)^```(\\w*)\\n(.*?)^```");

  private static String read(String path) throws IOException {
    return Files.readString(ROOT.resolve(path));
  }

  private static String readme() throws IOException {
    return read("README.md");
  }

  /** The text of the README section {@code ## title}, up to the next {@code ## } heading. */
  private static String section(String title) throws IOException {
    String r = readme();
    int start = r.indexOf("\n## " + title + "\n");
    assertThat(start).as("README has a section '## %s'", title).isNotNegative();
    int end = r.indexOf("\n## ", start + 1);
    return r.substring(start, end < 0 ? r.length() : end);
  }

  /** The fenced blocks of a language in a text, in order. */
  private static List<String> blocks(String text, String language) {
    List<String> out = new ArrayList<>();
    Matcher m = FENCE.matcher(text);
    while (m.find()) {
      if (m.group(1).equals(language)) {
        out.add(m.group(2));
      }
    }
    return out;
  }

  @Test
  void theTestCommandIsTheOneCiRuns() throws IOException {
    String readmeCommand = blocks(section("Two commands"), "sh").get(0).lines()
        .filter(l -> l.startsWith("mvn "))
        .map(l -> l.replaceFirst("\\s*#.*$", ""))
        .findFirst().orElseThrow(() -> new AssertionError("no mvn command under '## Two commands'"));
    List<String> ciCommands = read(".ci/run").lines().filter(l -> l.startsWith("mvn ")).toList();
    assertThat(ciCommands).as("the commands of .ci/run").isNotEmpty();
    // the last one runs the tests (those before it only print versions)
    assertThat(ciCommands.get(ciCommands.size() - 1)).as(".ci/run runs exactly README's test command")
        .isEqualTo(readmeCommand);
  }

  @Test
  void everyAtomicCommandOfTheReadmeExistsWithItsOptions() throws IOException {
    CommandLine cli = Main.commandLine(InputStream.nullInputStream(), new PrintWriter(new StringWriter()),
        new PrintWriter(new StringWriter()));
    String launcher = read("atomic");
    List<String> commands = atomicCommands(readme());
    assertThat(commands).as("commands found in README.md").hasSizeGreaterThan(15);
    List<String> problems = new ArrayList<>();
    for (String command : commands) {
      List<String> words = new ArrayList<>(Arrays.asList(command.trim().split("\\s+")));
      String first = words.isEmpty() ? "" : words.remove(0);
      if (first.isEmpty()) {
        continue;
      }
      if (first.startsWith("--")) {
        // an option of the launcher itself (--rebuild) or of the top-level command (--version)
        boolean ok = launcher.contains("\"${1:-}\" = " + first) || cli.getCommandSpec().findOption(first) != null;
        if (!ok) {
          problems.add("atomic " + command + ": neither the launcher nor the command knows " + first);
        }
        continue;
      }
      CommandLine sub = cli.getSubcommands().get(first);
      if (sub == null) {
        problems.add("atomic " + command + ": no subcommand '" + first + "' (the command has "
            + cli.getSubcommands().keySet() + ")");
        continue;
      }
      for (String w : words) {
        if (w.equals("--")) {
          break; // what follows is the command that `lock` runs
        }
        String option = w.replaceAll("^\\[+", "").replaceAll("[]=].*$", "");
        if (option.startsWith("--") && sub.getCommandSpec().findOption(option) == null) {
          problems.add("atomic " + command + ": '" + first + "' has no option " + option);
        }
      }
    }
    assertThat(problems).isEmpty();
  }

  /**
   * What follows {@code ./atomic} anywhere in code, or {@code atomic} at the start of an inline code
   * span, up to the end of the span or line, a {@code ;}, {@code &&} or a pipe.
   */
  static List<String> atomicCommands(String markdown) {
    List<String> out = new ArrayList<>();
    Matcher code = FENCE.matcher(markdown);
    StringBuilder prose = new StringBuilder();
    int last = 0;
    while (code.find()) {
      prose.append(markdown, last, code.start());
      for (String line : code.group(2).split("\n")) {
        launcherCalls(line, out);
      }
      last = code.end();
    }
    prose.append(markdown.substring(last));
    Matcher span = Pattern.compile("`([^`\\n]+)`").matcher(prose);
    while (span.find()) {
      String s = span.group(1);
      if (s.startsWith("atomic ")) {
        out.add(cut(s.substring("atomic ".length())));
      } else {
        launcherCalls(s, out);
      }
    }
    return out;
  }

  private static void launcherCalls(String text, List<String> out) {
    Matcher m = Pattern.compile("\\./atomic(?=\\s|$)").matcher(text);
    while (m.find()) {
      out.add(cut(text.substring(m.end())));
    }
  }

  /** The command's own words: up to a separator of the shell, a comment or an unescaped table bar. */
  private static String cut(String s) {
    return s.split("(?<!\\\\)\\||;|&&|\\s#")[0].replace("\\|", "|");
  }

  @Test
  void performanceFiguresAreThoseOfDocsBenchmarks() throws IOException {
    String benchmarks = read("docs/benchmarks.md");
    List<String> figures = new ArrayList<>();
    Matcher m = Pattern.compile("\\d[\\d,]*(?:\\.\\d+)?(?:×| ms| s\\b| MB/s)").matcher(
        section("Performance").lines().filter(l -> l.startsWith("| ")).reduce("", (a, b) -> a + b + "\n"));
    while (m.find()) {
      figures.add(m.group());
    }
    assertThat(figures).as("figures of README's performance table").hasSizeGreaterThan(15);
    // as docs/benchmarks.md gives it: with its unit, or alone in a table cell under a header that has it
    assertThat(figures).as("each figure of README's performance table, as docs/benchmarks.md (bench/run) gives it")
        .allMatch(f -> benchmarks.contains(f) || benchmarks.contains("| " + f.replaceAll("[^\\d.,]", "") + " |"));
  }

  @Test
  void theGoldenFileCountIsTheOneStated() throws IOException {
    Matcher m = Pattern.compile("pin this \\((\\d+) files, one test each\\)").matcher(section("JSON files (`htmlgraph-atomic-json`)"));
    assertThat(m.find()).as("README states how many golden files there are").isTrue();
    Path golden = ROOT.resolve("json/src/test/resources/io/htmlgraph/atomic/json/golden");
    long files;
    try (Stream<Path> expected = Files.list(golden.resolve("expected")); Stream<Path> random = Files.list(golden.resolve("random"))) {
      files = Stream.concat(expected, random).filter(p -> p.toString().endsWith(".json")).count();
    }
    assertThat(Long.parseLong(m.group(1))).isEqualTo(files);
  }

  @Test
  void theJsonLimitsAreThoseOfAtomicJson() throws IOException {
    String json = section("JSON files (`htmlgraph-atomic-json`)").replaceAll("\\s+", " ");
    assertThat(json).contains("(nesting " + AtomicJson.MAX_NESTING_DEPTH
        + ", numbers of " + String.format(Locale.ROOT, "%,d", AtomicJson.MAX_NUMBER_DIGITS)
        + " digits, names of " + String.format(Locale.ROOT, "%,d", AtomicJson.MAX_NAME_BYTES)
        + " UTF-8 bytes, strings of " + AtomicJson.MAX_STRING_LENGTH / 1_000_000 + " M chars)");
    assertThat(AtomicJson.MAX_STRING_LENGTH % 1_000_000).as("a whole number of millions, as README gives it").isZero();
  }

  @Test
  void theJavaAndMavenVersionsAreTheOnesTheBuildEnforces() throws IOException {
    Matcher m = Pattern.compile("Java (\\d+) and Maven ([\\d.]+) or newer").matcher(section("Two commands"));
    assertThat(m.find()).as("README states the Java and Maven versions").isTrue();
    String pom = read("pom.xml").replaceAll("\\s+", "");
    assertThat(pom)
        .contains("<requireJavaVersion><version>[" + m.group(1) + ",)</version>")
        .contains("<requireMavenVersion><version>[" + m.group(2) + ",)</version>")
        .contains("<maven.compiler.release>" + m.group(1) + "</maven.compiler.release>");
  }

  /**
   * The modules whose sources make the launcher rebuild its jar: README's list, the launcher's, and
   * those the jar is built from (cli and the library modules it depends on, through their poms) are
   * the same, so that an edit of any of them counts and README says so.
   */
  @Test
  void theLauncherRebuildsFromTheModulesTheJarIsBuiltFrom() throws IOException {
    Set<String> built = new TreeSet<>();
    moduleClosure("cli", built);
    Matcher launcher = Pattern.compile("\\{([a-z,-]+)}/src/main\\b").matcher(read("atomic"));
    List<Set<String>> loops = new ArrayList<>();
    while (launcher.find()) {
      loops.add(new TreeSet<>(List.of(launcher.group(1).split(","))));
    }
    assertThat(loops).as("the launcher's lists of modules whose src/main it checks").isNotEmpty()
        .allSatisfy(l -> assertThat(l).isEqualTo(built));
    Matcher readme = Pattern.compile("from: a file or directory under (.*?) `src/main`", Pattern.DOTALL)
        .matcher(section("The `atomic` command"));
    assertThat(readme.find()).as("README says which sources the launcher checks").isTrue();
    Set<String> named = new TreeSet<>();
    Matcher dir = Pattern.compile("`([a-z-]+)/`").matcher(readme.group(1));
    while (dir.find()) {
      named.add(dir.group(1));
    }
    assertThat(named).as("the modules README names").isEqualTo(built);
  }

  /** Adds {@code module} and the project's modules its main code depends on, through their poms. */
  private static void moduleClosure(String module, Set<String> out) throws IOException {
    if (!out.add(module)) {
      return;
    }
    Matcher dep = Pattern.compile("(?s)<dependency>(.*?)</dependency>").matcher(read(module + "/pom.xml"));
    while (dep.find()) {
      String d = dep.group(1);
      Matcher artifact = Pattern.compile("<groupId>io\\.htmlgraph</groupId>\\s*<artifactId>htmlgraph-atomic(-[a-z-]+)?</artifactId>")
          .matcher(d);
      if (artifact.find() && !d.contains("<scope>test</scope>")) {
        moduleClosure(artifact.group(1) == null ? "core" : artifact.group(1).substring(1), out);
      }
    }
  }

  /** The lines without the indentation they share, without blank lines around them. */
  private static String dedent(String text) {
    List<String> lines = text.lines().toList();
    int indent = lines.stream().filter(l -> !l.isBlank())
        .mapToInt(l -> l.length() - l.stripLeading().length()).min().orElse(0);
    return String.join("\n", lines.stream().map(l -> l.isBlank() ? "" : l.substring(indent)).toList()).strip();
  }

  @Test
  void theJavaExamplesAreTheCodeTheConsumerProjectRuns() throws IOException {
    String consumer = read("it/consumer/src/main/java/example/consumer/QuickStart.java");
    Map<String, String> copies = new LinkedHashMap<>();
    Matcher region = Pattern.compile("(?ms)^\\s*// BEGIN README\\.md \"([^\"]+)\" (\\d+)\\n(.*?)^\\s*// END README\\.md\\n")
        .matcher(consumer);
    while (region.find()) {
      copies.put(region.group(1) + " " + region.group(2), dedent(region.group(3)));
    }
    Map<String, String> originals = new LinkedHashMap<>();
    for (String title : List.of("Quick start", "JSON files (`htmlgraph-atomic-json`)")) {
      List<String> java = blocks(section(title), "java");
      for (int i = 0; i < java.size(); i++) {
        originals.put(title.replaceFirst(" \\(.*", "") + " " + (i + 1), java.get(i));
      }
    }
    assertThat(copies.keySet()).as("every Java block of README's quick start and JSON sections has its copy")
        .containsExactlyElementsOf(originals.keySet());
    for (Map.Entry<String, String> e : originals.entrySet()) {
      List<String> lines = e.getValue().lines().toList();
      List<String> imports = lines.stream().filter(l -> l.startsWith("import ")).toList();
      String code = String.join("\n", lines.stream().filter(l -> !l.startsWith("import ")).toList()).strip();
      assertThat(code).as("README block %s", e.getKey()).isNotEmpty();
      assertThat(consumer.lines().toList()).as("imports of README block %s", e.getKey()).containsAll(imports);
      assertThat(copies.get(e.getKey())).as("README block %s, copied in it/consumer", e.getKey()).isEqualTo(code);
    }
  }
}
