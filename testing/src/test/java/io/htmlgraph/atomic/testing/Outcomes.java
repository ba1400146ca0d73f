package io.htmlgraph.atomic.testing;

import java.util.EnumSet;
import java.util.Set;

/** The outcomes a simulation found for one file, before and after the workload's call returned. */
final class Outcomes {
  final Set<Outcome> before = EnumSet.noneOf(Outcome.class);
  final Set<Outcome> after = EnumSet.noneOf(Outcome.class);

  synchronized void add(CrashState state, String mark, Outcome o) {
    (state.passed(mark) ? after : before).add(o);
  }

  @Override
  public String toString() {
    return "before the call returned " + before + ", after " + after;
  }
}
