package dev.drover.store.lin;

import java.util.Objects;

/**
 * One operation on one register (key) as a client saw it: when it was invoked, when it returned (or
 * {@link #UNKNOWN} if the client never learned the outcome), and what it returned. Values are
 * strings; {@code null} is "key absent".
 */
public record RegisterOp(
    int client,
    Type type,
    String value,
    String expected,
    String read,
    boolean casSucceeded,
    long invoke,
    long response) {

  /**
   * Response time of an operation whose outcome is unknown: it may take effect at any later time,
   * or never.
   */
  public static final long UNKNOWN = Long.MAX_VALUE;

  /** The register operations. */
  public enum Type {
    GET,
    PUT,
    CAS
  }

  public static RegisterOp get(int client, String read, long invoke, long response) {
    return new RegisterOp(client, Type.GET, null, null, read, false, invoke, response);
  }

  public static RegisterOp put(int client, String value, long invoke, long response) {
    return new RegisterOp(client, Type.PUT, value, null, null, false, invoke, response);
  }

  public static RegisterOp cas(
      int client, String expected, String value, boolean ok, long invoke, long response) {
    return new RegisterOp(client, Type.CAS, value, expected, null, ok, invoke, response);
  }

  /** Whether the client learned the outcome. */
  public boolean determinate() {
    return response != UNKNOWN;
  }

  /**
   * Applies this operation to register state {@code state}: the new state, or the marker {@link
   * #INCONSISTENT} if the recorded result is impossible from that state.
   */
  public String apply(String state) {
    switch (type) {
      case GET:
        return Objects.equals(state, read) ? state : INCONSISTENT;
      case PUT:
        return value;
      default:
        boolean matches = Objects.equals(state, expected);
        if (!determinate()) {
          return matches ? value : state;
        }
        if (casSucceeded) {
          return matches ? value : INCONSISTENT;
        }
        return matches ? INCONSISTENT : state;
    }
  }

  /** Returned by {@link #apply} when the operation cannot happen in that state. */
  public static final String INCONSISTENT = new String("<inconsistent>");

  @Override
  public String toString() {
    String when = "[" + invoke + ", " + (determinate() ? String.valueOf(response) : "?") + "]";
    switch (type) {
      case GET:
        return "c" + client + " get -> " + read + " " + when;
      case PUT:
        return "c" + client + " put " + value + " " + when;
      default:
        return "c"
            + client
            + " cas "
            + expected
            + " -> "
            + value
            + " = "
            + (determinate() ? casSucceeded : "?")
            + " "
            + when;
    }
  }
}
