package io.htmlgraph.atomic.json;

import tools.jackson.core.JsonGenerator;
import tools.jackson.core.PrettyPrinter;
import tools.jackson.core.util.Instantiatable;

/**
 * Lays JSON out as Python's {@code json.dump(..., indent=n)}: every member and element on its own line,
 * indented {@code n} spaces per level ({@code n = 0} still breaks lines), {@code ","} at line ends with
 * no trailing space, {@code ": "} between name and value, and {@code {}} / {@code []} for empty
 * containers. Jackson's default printer differs on each point ({@code " : "}, arrays on one line).
 *
 * <p>Stateful (the nesting depth), so Jackson makes one per generator through {@link #createInstance()}.
 */
final class PythonPrettyPrinter implements PrettyPrinter, Instantiatable<PythonPrettyPrinter> {
  private static final String SPACES = " ".repeat(64);

  private final int indent;
  private int depth;

  PythonPrettyPrinter(int indent) {
    this.indent = indent;
  }

  @Override
  public PythonPrettyPrinter createInstance() {
    return new PythonPrettyPrinter(indent);
  }

  private void newLine(JsonGenerator g) {
    g.writeRaw('\n');
    for (long left = (long) indent * depth; left > 0; left -= SPACES.length()) {
      g.writeRaw(SPACES, 0, (int) Math.min(left, SPACES.length()));
    }
  }

  @Override
  public void writeRootValueSeparator(JsonGenerator g) {
    // one value per file: nothing goes between root values
  }

  @Override
  public void writeStartObject(JsonGenerator g) {
    g.writeRaw('{');
    depth++;
  }

  @Override
  public void beforeObjectEntries(JsonGenerator g) {
    newLine(g);
  }

  @Override
  public void writeObjectNameValueSeparator(JsonGenerator g) {
    g.writeRaw(": ");
  }

  @Override
  public void writeObjectEntrySeparator(JsonGenerator g) {
    g.writeRaw(',');
    newLine(g);
  }

  @Override
  public void writeEndObject(JsonGenerator g, int entries) {
    depth--;
    if (entries > 0) {
      newLine(g);
    }
    g.writeRaw('}');
  }

  @Override
  public void writeStartArray(JsonGenerator g) {
    g.writeRaw('[');
    depth++;
  }

  @Override
  public void beforeArrayValues(JsonGenerator g) {
    newLine(g);
  }

  @Override
  public void writeArrayValueSeparator(JsonGenerator g) {
    g.writeRaw(',');
    newLine(g);
  }

  @Override
  public void writeEndArray(JsonGenerator g, int values) {
    depth--;
    if (values > 0) {
      newLine(g);
    }
    g.writeRaw(']');
  }
}
