package io.htmlgraph.atomic.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.htmlgraph.atomic.AtomicFileOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code sweep} and {@code tempname}. */
class SweepTempnameTest {
  @TempDir Path dir;

  private Path aged(String name, Duration age) throws Exception {
    Path p = Files.writeString(dir.resolve(name), "x");
    Files.setLastModifiedTime(p, FileTime.from(Instant.now().minus(age)));
    return p;
  }

  @Test
  void removesOldOrphansOnlyAndCountsThem() throws Exception {
    Path old1 = aged(".tmp-1-aaaaaaaa.tmp", Duration.ofHours(30));
    Path old2 = aged(".tmp-2-bbbbbbbb.tmp", Duration.ofHours(25));
    aged(".tmp-3-cccccccc.tmp", Duration.ofHours(1));
    aged("data.txt", Duration.ofDays(9));
    Cli.Result r = Cli.run("sweep", dir.toString());
    assertThat(r.code()).isZero();
    assertThat(r.out().lines()).containsExactlyInAnyOrder(
        "removed " + old1, "removed " + old2, "2 orphaned temp files removed");
    assertThat(Cli.list(dir)).containsExactly(".tmp-3-cccccccc.tmp", "data.txt");
  }

  @Test
  void olderThanSetsTheAge() throws Exception {
    aged(".tmp-3-cccccccc.tmp", Duration.ofHours(1));
    Cli.Result r = Cli.run("sweep", "--older-than", "30m", dir.toString());
    assertThat(r.out()).endsWith("1 orphaned temp file removed" + System.lineSeparator());
    assertThat(Cli.list(dir)).isEmpty();
  }

  @Test
  void dryRunListsAndRemovesNothing() throws Exception {
    Path old = aged(".tmp-1-aaaaaaaa.tmp", Duration.ofHours(30));
    Cli.Result r = Cli.run("sweep", "--dry-run", dir.toString());
    assertThat(r.code()).isZero();
    assertThat(r.out().lines()).containsExactly("would remove " + old, "1 orphaned temp file would be removed");
    assertThat(Cli.list(dir)).containsExactly(".tmp-1-aaaaaaaa.tmp");
  }

  @Test
  void neverRemovesALiveWritersTemp() throws Exception {
    Path target = dir.resolve("f.txt");
    try (AtomicFileOutputStream out = new AtomicFileOutputStream(target)) {
      out.write("in progress".getBytes());
      out.flush();
      Files.setLastModifiedTime(out.tempPath(), FileTime.from(Instant.now().minus(Duration.ofDays(3))));
      Cli.Result r = Cli.run("sweep", "--older-than", "0s", dir.toString());
      assertThat(r.out()).isEqualTo("0 orphaned temp files removed" + System.lineSeparator());
      assertThat(Files.exists(out.tempPath())).isTrue();
      out.commit();
    }
    assertThat(Files.readString(target)).isEqualTo("in progress");
  }

  @Test
  void aMissingDirectoryIsAnError() {
    Cli.Result r = Cli.run("sweep", dir.resolve("nope").toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).isEqualTo("atomic: " + dir.resolve("nope") + ": no such directory" + System.lineSeparator());
    assertThat(Files.exists(dir.resolve("nope"))).isFalse();
  }

  @Test
  void aBadAgeIsBadUsage() {
    Cli.Result r = Cli.run("sweep", "--older-than", "yesterday", dir.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("'yesterday' is not a duration");
  }

  @Test
  void tempnamePrintsAFreshNameWithoutCreatingIt() throws Exception {
    Cli.Result r = Cli.run("tempname", dir.toString());
    assertThat(r.code()).isZero();
    Path p = Path.of(r.out().strip());
    assertThat(p.getParent()).isEqualTo(dir);
    assertThat(p.getFileName().toString()).matches("\\.tmp-\\d+-[a-z0-9]{8}\\.tmp");
    assertThat(Cli.list(dir)).isEmpty();
  }

  @Test
  void tempnameTakesAPrefixAndCreatesTheDirectory() throws Exception {
    Path sub = dir.resolve("sub");
    Cli.Result r = Cli.run("tempname", "--prefix", "job", sub.toString());
    assertThat(r.code()).isZero();
    assertThat(Path.of(r.out().strip()).getFileName().toString()).matches("\\.job-\\d+-[a-z0-9]{8}\\.tmp");
    assertThat(Files.isDirectory(sub)).isTrue();
    assertThat(Cli.list(sub)).isEmpty();
  }

  @Test
  void tempnameRefusesAPrefixWithASlash() throws Exception {
    Path sub = dir.resolve("sub");
    Cli.Result r = Cli.run("tempname", "--prefix", "a/b", sub.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--prefix", "separator");
    assertThat(Files.exists(sub)).isFalse();
  }
}
