package io.htmlgraph.atomic.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The harness runs end to end at minimal sizes and writes a report with a figure in every table. The
 * figures of a smoke run mean nothing; bench/run measures.
 */
class RunAllSmokeTest {
  @TempDir Path work;

  @Test
  void aQuickRunWritesEveryWorkloadsTable() throws Exception {
    String before = System.getProperty("bench.dir");
    System.setProperty("bench.dir", work.resolve("work").toString());
    Path out = work.resolve("report.md");
    try {
      RunAll.main(new String[] {"--quick", "--out", out.toString()});
    } finally {
      if (before == null) {
        System.clearProperty("bench.dir");
      } else {
        System.setProperty("bench.dir", before);
      }
    }
    String md = Files.readString(out);
    assertThat(md).contains("## Machine", "## 1. Atomic replace", "## 2. Streaming", "## 3. 50 small files",
        "## 4. Locks", "## 5. `cleanupOrphanedTempFiles`", "## 6. Validating", "## 7. Several files at once",
        "## How to rerun");
    // a measured figure in each table, never a placeholder where a measurement belongs
    assertThat(md).containsPattern("\\| FULL \\| 100 B \\| [0-9,]+ \\(");
    assertThat(md).containsPattern("\\| library \\| [0-9,]+ \\(");
    assertThat(md).containsPattern("\\| 100 B \\| [0-9,]+ \\(");
    assertThat(md).containsPattern("raw `FileChannel.lock\\(\\)` \\(blocking `fcntl`\\) \\| 20 \\| [0-9.]+ \\|");
    assertThat(md).containsPattern("`ZooKeeperLocker`, [^|]+ \\| 20 \\| [0-9.]+ \\|");
    assertThat(md).containsPattern("\\| sweep \\(removes every old temp\\) \\| [0-9.]+ \\(");
    assertThat(md).containsPattern("\\| `validateAtomicWrite` \\| 64 MiB \\| [0-9,]+ \\(");
    assertThat(md).containsPattern("\\| work directory \\| [0-9,.]+ \\(.*\\| [0-9.]+× \\(");
    assertThat(md).containsPattern("\\| `FileTransaction.read\\(root, fn\\)` \\| [0-9,]+ \\(");
    assertThat(md).doesNotContain("NaN");
    // the harness cleans up after itself
    try (Stream<Path> left = Files.list(work.resolve("work"))) {
      assertThat(left.toList()).isEmpty();
    }
  }
}
