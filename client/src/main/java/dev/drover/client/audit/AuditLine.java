package dev.drover.client.audit;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;

/**
 * Builds one audit line: a JSON object whose fields are appended in order (strings escaped, null
 * kept as JSON null), so that every writer of an audit log (the masters' calls and ports, the
 * agents' port) spells the fields the same way.
 */
public final class AuditLine {
  private static final JsonFormat.Printer JSON = JsonFormat.printer();

  private final StringBuilder b = new StringBuilder(256).append('{');

  /** Appends {@code "key":"value"} ({@code null} when value is null). */
  public AuditLine field(String key, String value) {
    b.append('"').append(key).append("\":");
    if (value == null) {
      b.append("null");
    } else {
      quote(b, value);
    }
    b.append(',');
    return this;
  }

  /** Appends {@code "key":number}. */
  public AuditLine number(String key, long value) {
    b.append('"').append(key).append("\":").append(value).append(',');
    return this;
  }

  /** The line, without its newline. */
  @Override
  public String toString() {
    if (b.length() == 1) {
      return "{}";
    }
    return b.substring(0, b.length() - 1) + "}";
  }

  /** Appends {@code s} as a JSON string. */
  public static void quote(StringBuilder b, String s) {
    try {
      b.append(JSON.print(Value.newBuilder().setStringValue(s)));
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("a string value always prints", e);
    }
  }
}
