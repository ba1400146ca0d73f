package io.htmlgraph.atomic.json;

import java.math.BigDecimal;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.core.util.JsonParserDelegate;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.deser.jdk.NumberDeserializers;
import tools.jackson.databind.module.SimpleModule;

/**
 * Keeps {@link AtomicJson#read} from ever giving a number that {@link AtomicJson#write} refuses: NaN
 * or an infinity.
 *
 * <p>Why: a finite JSON number beyond the range of a double ({@code 1e400}, a 400-digit integer)
 * read as Jackson reads it becomes {@code Infinity}, and a file holding one could be read but not
 * written back: {@code update} of such a file always failed. Jackson's string convention for NaN
 * ({@code "NaN"}, {@code "Infinity"} bound to a {@code double}) did the same. Now:
 * <ul>
 *   <li>read as an untyped value ({@code Object}, {@code Map}, {@code List}, {@code Number},
 *       {@code JsonNode}), such a number becomes a {@link BigDecimal} holding it exactly (written
 *       back, it gives the same number), where an ordinary one stays a {@code Double};
 *   <li>bound to a {@code double}, {@code float}, {@code Double} or {@code Float} (fields, record
 *       components, elements of collections and of {@code double[]}), it is refused: the read fails
 *       with {@link InvalidJsonException} naming the line and column, as for any JSON that does not fit
 *       the type. A {@code BigDecimal} target takes it as it is.
 * </ul>
 * A number too small for a double ({@code 1e-400}) reads as 0.0, as in Python. Not covered: the
 * strings {@code "NaN"} and {@code "Infinity"} as elements of a {@code double[]} or {@code float[]}.
 */
final class FiniteNumbers {
  private FiniteNumbers() {}

  /** @return {@code p}, refusing or widening numbers as the class javadoc says */
  static JsonParser parser(JsonParser p) {
    return new Parser(p);
  }

  /** @return the deserializers of {@code double}, {@code float} and their boxes that refuse NaN and infinities */
  static SimpleModule module() {
    SimpleModule m = new SimpleModule("htmlgraph-atomic-finite-numbers");
    m.addDeserializer(Double.class, new FiniteDouble(Double.class, null));
    m.addDeserializer(Double.TYPE, new FiniteDouble(Double.TYPE, 0.0));
    m.addDeserializer(Float.class, new FiniteFloat(Float.class, null));
    m.addDeserializer(Float.TYPE, new FiniteFloat(Float.TYPE, 0.0f));
    return m;
  }

  private static final class Parser extends JsonParserDelegate {
    Parser(JsonParser d) {
      super(d);
    }

    /** @return whether the current token is a number that, as a double, would be infinite */
    private boolean beyondDouble() {
      JsonToken t = delegate.currentToken();
      if (t == JsonToken.VALUE_NUMBER_INT) {
        return delegate.getNumberType() == NumberType.BIG_INTEGER && Double.isInfinite(delegate.getDoubleValue());
      }
      return t == JsonToken.VALUE_NUMBER_FLOAT && !delegate.isNaN() && Double.isInfinite(delegate.getDoubleValue());
    }

    private boolean floatBeyondDouble() {
      return delegate.currentToken() == JsonToken.VALUE_NUMBER_FLOAT && beyondDouble();
    }

    @Override
    public NumberType getNumberType() {
      return floatBeyondDouble() ? NumberType.BIG_DECIMAL : delegate.getNumberType();
    }

    @Override
    public NumberTypeFP getNumberTypeFP() {
      return floatBeyondDouble() ? NumberTypeFP.BIG_DECIMAL : delegate.getNumberTypeFP();
    }

    @Override
    public Number getNumberValue() {
      return floatBeyondDouble() ? delegate.getDecimalValue() : delegate.getNumberValue();
    }

    @Override
    public Number getNumberValueExact() {
      return floatBeyondDouble() ? delegate.getDecimalValue() : delegate.getNumberValueExact();
    }

    @Override
    public Object getNumberValueDeferred() {
      return floatBeyondDouble() ? delegate.getDecimalValue() : delegate.getNumberValueDeferred();
    }

    @Override
    public double getDoubleValue() {
      double v = delegate.getDoubleValue();
      if (Double.isInfinite(v) && !delegate.isNaN()) {
        throw beyond("a double");
      }
      return v;
    }

    @Override
    public float getFloatValue() {
      float v = delegate.getFloatValue();
      if (Float.isInfinite(v) && !delegate.isNaN()) {
        throw beyond("a float");
      }
      return v;
    }

    @Override
    public double getValueAsDouble() {
      return delegate.currentToken() != null && delegate.currentToken().isNumeric() ? getDoubleValue()
          : delegate.getValueAsDouble();
    }

    @Override
    public double getValueAsDouble(double def) {
      return delegate.currentToken() != null && delegate.currentToken().isNumeric() ? getDoubleValue()
          : delegate.getValueAsDouble(def);
    }

    private StreamReadException beyond(String type) {
      String text = delegate.getString();
      if (text != null && text.length() > 24) {
        text = text.substring(0, 20) + "...";
      }
      return new StreamReadException(this, "the number " + text + " is beyond the range of " + type
          + " (it would read as infinity); read it as a BigDecimal");
    }
  }

  private static final class FiniteDouble extends NumberDeserializers.DoubleDeserializer {
    FiniteDouble(Class<Double> type, Double nullValue) {
      super(type, nullValue);
    }

    @Override
    public Double deserialize(JsonParser p, DeserializationContext ctxt) throws JacksonException {
      Double v = super.deserialize(p, ctxt);
      if (v != null && !Double.isFinite(v)) {
        return (Double) ctxt.reportInputMismatch(this, "%s is not a number AtomicJson writes "
            + "(JSON has no NaN or infinities)", v);
      }
      return v;
    }
  }

  private static final class FiniteFloat extends NumberDeserializers.FloatDeserializer {
    FiniteFloat(Class<Float> type, Float nullValue) {
      super(type, nullValue);
    }

    @Override
    public Float deserialize(JsonParser p, DeserializationContext ctxt) throws JacksonException {
      Float v = super.deserialize(p, ctxt);
      if (v != null && !Float.isFinite(v)) {
        return (Float) ctxt.reportInputMismatch(this, "%s is not a number AtomicJson writes "
            + "(JSON has no NaN or infinities)", v);
      }
      return v;
    }
  }
}
