package io.htmlgraph.atomic.testing;

import java.util.List;

/**
 * What a {@link CrashSimulator} run found: how many crash points and states it explored, and the
 * states the checker rejected.
 */
public final class CrashReport {
  /** The most violations kept in full; the rest are only counted. */
  static final int KEPT_VIOLATIONS = 100;

  /**
   * One state the checker rejected.
   *
   * @param crashPoint the index of the crash point
   * @param state where the crash fell and which unsynced changes survived it
   * @param failure what the checker said (the message of what it threw)
   */
  public record Violation(int crashPoint, String state, String failure) {
    @Override
    public String toString() {
      return "crash point " + crashPoint + ": " + failure + "\n    state: " + state;
    }
  }

  private final List<String> operations;
  private final int crashPoints;
  private final long statesEnumerated;
  private final int statesChecked;
  private final boolean sampled;
  private final boolean timedOut;
  private final int violationCount;
  private final List<Violation> violations;

  CrashReport(List<String> operations, int crashPoints, long statesEnumerated, int statesChecked, boolean sampled,
      boolean timedOut, int violationCount, List<Violation> violations) {
    this.operations = List.copyOf(operations);
    this.crashPoints = crashPoints;
    this.statesEnumerated = statesEnumerated;
    this.statesChecked = statesChecked;
    this.sampled = sampled;
    this.timedOut = timedOut;
    this.violationCount = violationCount;
    this.violations = List.copyOf(violations);
  }

  /** @return the operations the workload did, in order, as recorded */
  public List<String> operations() {
    return operations;
  }

  /** @return the crash points explored: one before the first operation, one after each, and inside large writes */
  public int crashPoints() {
    return crashPoints;
  }

  /** @return the states enumerated over all crash points, before equal ones were merged */
  public long statesEnumerated() {
    return statesEnumerated;
  }

  /** @return the distinct states handed to the checker (equal trees with equal marks are checked once) */
  public int statesChecked() {
    return statesChecked;
  }

  /** @return whether some crash point had more states than the cap, so that a seeded sample was checked */
  public boolean sampled() {
    return sampled;
  }

  /** @return whether the time limit ended the exploration before every state was checked */
  public boolean timedOut() {
    return timedOut;
  }

  /** @return how many states the checker rejected */
  public int violationCount() {
    return violationCount;
  }

  /** @return the first rejected states (at most 100), in the order found */
  public List<Violation> violations() {
    return violations;
  }

  /** @return whether the checker accepted every state */
  public boolean passed() {
    return violationCount == 0;
  }

  /**
   * Fails a test that found violations.
   *
   * @throws AssertionError listing the first violations and the operations recorded, or if the time
   *     limit left states unchecked
   */
  public void assertNoViolations() {
    if (violationCount == 0 && !timedOut) {
      return;
    }
    StringBuilder sb = new StringBuilder(summary()).append('\n');
    violations.stream().limit(5).forEach(v -> sb.append("  ").append(v).append('\n'));
    sb.append("operations:\n");
    for (int i = 0; i < operations.size(); i++) {
      sb.append("  ").append(i + 1).append(". ").append(operations.get(i)).append('\n');
    }
    throw new AssertionError(sb.toString());
  }

  /** @return one line: operations, crash points, states, violations */
  public String summary() {
    return operations.size() + " operations, " + crashPoints + " crash points, " + statesEnumerated
        + " states enumerated" + (sampled ? " (sampled)" : "") + ", " + statesChecked + " distinct states checked, "
        + violationCount + " violations" + (timedOut ? " (time limit reached: incomplete)" : "");
  }

  @Override
  public String toString() {
    return summary();
  }
}
