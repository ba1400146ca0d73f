package io.htmlgraph.atomic.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.htmlgraph.atomic.Durability;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine.TypeConversionException;

class ConvertersTest {
  @ParameterizedTest
  @CsvSource({"100ms,PT0.1S", "5s,PT5S", "5,PT5S", "2m,PT2M", "24h,PT24H", "1d,PT24H", "0s,PT0S"})
  void durations(String text, String iso) {
    assertThat(new Converters.DurationConverter().convert(text)).isEqualTo(Duration.parse(iso));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "ms", "5x", "-1s", "1.5s", "5 s s"})
  void badDurations(String text) {
    assertThatThrownBy(() -> new Converters.DurationConverter().convert(text))
        .isInstanceOf(TypeConversionException.class).hasMessageContaining("not a duration");
  }

  @ParameterizedTest
  @CsvSource({"none,NONE", "FILE,FILE", "Full,FULL"})
  void durabilities(String text, Durability d) {
    assertThat(new Converters.DurabilityConverter().convert(text)).isEqualTo(d);
  }

  @ParameterizedTest
  @CsvSource({"0644,rw-r--r--", "644,rw-r--r--", "0600,rw-------", "0755,rwxr-xr-x", "0,---------", "0777,rwxrwxrwx"})
  void modes(String text, String perms) {
    assertThat(new Converters.FileModeConverter().convert(text).permissions())
        .isEqualTo(PosixFilePermissions.fromString(perms));
  }

  @ParameterizedTest
  @ValueSource(strings = {"0999", "rw-r--r--", "01777", "", "8", "1777", "00777", " ", "0x1"})
  void badModes(String text) {
    assertThatThrownBy(() -> new Converters.FileModeConverter().convert(text)).isInstanceOf(TypeConversionException.class);
  }

  @ParameterizedTest
  @CsvSource({"100,100ms", "5000,5s", "120000,2m", "86400000,24h"})
  void formats(long ms, String text) {
    assertThat(Converters.format(Duration.ofMillis(ms))).isEqualTo(text);
  }
}
