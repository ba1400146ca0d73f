package io.htmlgraph.atomic.json;

import java.util.Objects;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.exc.StreamWriteException;
import tools.jackson.core.util.JsonGeneratorDelegate;

/**
 * Writes floating-point numbers as Python's {@code repr} ({@link PythonFloats}) and refuses NaN and the
 * infinities, which JSON cannot hold (the Python original writes them as the bare words {@code NaN} and
 * {@code Infinity}, a file no strict parser reads). Decorating the generator catches every path a
 * double takes: boxed fields, maps of {@code Object}, arrays of {@code double} and {@code JsonNode}
 * trees alike.
 */
final class PythonNumbersGenerator extends JsonGeneratorDelegate {
  PythonNumbersGenerator(JsonGenerator delegate) {
    super(delegate, true);
  }

  @Override
  public JsonGenerator writeNumber(double v) {
    if (!Double.isFinite(v)) {
      throw new NonFiniteNumberException(this, v);
    }
    return delegate.writeNumber(PythonFloats.repr(v));
  }

  @Override
  public JsonGenerator writeNumber(float v) {
    if (!Float.isFinite(v)) {
      throw new NonFiniteNumberException(this, v);
    }
    return delegate.writeNumber(PythonFloats.repr(v));
  }

  /** Jackson's own {@code double[]} path writes past {@link #writeNumber(double)}: route it back. */
  @Override
  public JsonGenerator writeArray(double[] array, int offset, int length) {
    Objects.checkFromIndexSize(offset, length, array.length);
    writeStartArray(array, length);
    for (int i = offset, end = offset + length; i < end; i++) {
      writeNumber(array[i]);
    }
    return writeEndArray();
  }

  /** Marks the refusal, so that {@link AtomicJson} can tell it from other failures of the value. */
  static final class NonFiniteNumberException extends StreamWriteException {
    private static final long serialVersionUID = 1L;

    NonFiniteNumberException(JsonGenerator g, double v) {
      super(g, "JSON has no " + v + " (NaN and infinities are not numbers JSON can hold)");
    }
  }
}
