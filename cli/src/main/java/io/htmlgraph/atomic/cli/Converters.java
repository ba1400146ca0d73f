package io.htmlgraph.atomic.cli;

import io.htmlgraph.atomic.Durability;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Parsers of the option values: durations, durability levels, file modes. */
final class Converters {
  private Converters() {}

  private static final Pattern DURATION = Pattern.compile("(\\d{1,12})(ms|s|m|h|d)?");

  /**
   * The longest duration an option takes: what a {@code long} of nanoseconds holds (about 292 years),
   * the unit of the monotonic clock that timeouts run on. Longer ones overflowed inside the library
   * ({@code sweep --older-than 999999999999d} answered "Instant exceeds minimum or maximum instant",
   * {@code read --delay} "long overflow").
   */
  static final Duration LONGEST = Duration.ofNanos(Long.MAX_VALUE);

  /**
   * {@code 100ms}, {@code 5s}, {@code 2m}, {@code 24h}, {@code 1d}; a bare number is seconds; at most
   * {@link #LONGEST}.
   */
  static final class DurationConverter implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      Matcher m = DURATION.matcher(value.trim());
      if (!m.matches()) {
        throw new TypeConversionException("'" + value + "' is not a duration (examples: 100ms, 5s, 2m, 24h, 1d)");
      }
      long n = Long.parseLong(m.group(1)); // at most 12 digits: no unit below overflows a Duration
      String unit = m.group(2) == null ? "s" : m.group(2);
      Duration d = switch (unit) {
        case "ms" -> Duration.ofMillis(n);
        case "s" -> Duration.ofSeconds(n);
        case "m" -> Duration.ofMinutes(n);
        case "h" -> Duration.ofHours(n);
        default -> Duration.ofDays(n);
      };
      if (d.compareTo(LONGEST) > 0) {
        throw new TypeConversionException("'" + value + "' is too long a duration (at most "
            + LONGEST.toDays() + "d, about 292 years)");
      }
      return d;
    }
  }

  /**
   * A path, which must not be empty: an empty argument would mean the current directory to
   * {@code Path.of} and reach the library as "an empty path" without naming the argument. Replaces
   * picocli's own converter, whose message for a path with a NUL named a Java exception.
   */
  static final class PathConverter implements ITypeConverter<Path> {
    @Override
    public Path convert(String value) {
      if (value.isEmpty()) {
        throw new TypeConversionException("an empty string is not a path");
      }
      try {
        return Path.of(value);
      } catch (InvalidPathException e) {
        throw new TypeConversionException("'" + value.replace("\0", "\\0") + "' is not a path: " + e.getReason());
      }
    }
  }

  /** Prints a duration the way the options take it. */
  static String format(Duration d) {
    long ms = d.toMillis();
    if (ms % 3_600_000 == 0 && ms > 0) {
      return ms / 3_600_000 + "h";
    }
    if (ms % 60_000 == 0 && ms > 0) {
      return ms / 60_000 + "m";
    }
    if (ms % 1000 == 0) {
      return ms / 1000 + "s";
    }
    return ms + "ms";
  }

  /** {@code none}, {@code file} or {@code full}, in any case. */
  static final class DurabilityConverter implements ITypeConverter<Durability> {
    @Override
    public Durability convert(String value) {
      try {
        return Durability.valueOf(value.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException("'" + value + "' is not a durability level (none, file or full)");
      }
    }
  }

  /** The candidates shown in the usage message of {@code --durability}. */
  static final class DurabilityNames implements Iterable<String> {
    @Override
    public java.util.Iterator<String> iterator() {
      return java.util.List.of("none", "file", "full").iterator();
    }
  }

  /** A file mode such as {@code 0644} or {@code 600}: octal, permission bits only. */
  record FileMode(Set<PosixFilePermission> permissions, int bits) {}

  static final class FileModeConverter implements ITypeConverter<FileMode> {
    private static final PosixFilePermission[] BITS = {
      PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
      PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
      PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ,
    };

    @Override
    public FileMode convert(String value) {
      String v = value.trim();
      if (!isOctalMode(v)) {
        throw new TypeConversionException("'" + value + "' is not an octal file mode from 000 to 0777 (example: 0644)");
      }
      int bits = Integer.parseInt(v, 8);
      Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
      for (int i = 0; i < BITS.length; i++) {
        if ((bits & (1 << i)) != 0) {
          set.add(BITS[i]);
        }
      }
      return new FileMode(set, bits);
    }

    /**
     * {@code 0?[0-7]{1,3}}, checked by hand: a regex would load and initialise java.util.regex on the
     * start-up path of {@code atomic write --mode}.
     */
    private static boolean isOctalMode(String v) {
      int n = v.length();
      if (n < 1 || n > 4 || (n == 4 && v.charAt(0) != '0')) {
        return false;
      }
      for (int i = 0; i < n; i++) {
        char c = v.charAt(i);
        if (c < '0' || c > '7') {
          return false;
        }
      }
      return true;
    }
  }
}
