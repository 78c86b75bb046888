package dev.drover.client;

import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.Status;
import java.util.concurrent.TimeUnit;

/**
 * Reads a master's "retry later" answer: RESOURCE_EXHAUSTED with the {@value #TRAILER} trailer,
 * which the master's limiter sends when it refuses a call before any handler has seen it (the
 * per-client rate and the cap on calls in flight). Such a call was never applied, so any call, a
 * create included, may be sent again once the wait has passed, as long as the call's deadline
 * leaves room.
 */
final class Pushback {
  /** The trailer gRPC uses for "retry after this many milliseconds" (gRFC A6). */
  static final String TRAILER = "grpc-retry-pushback-ms";

  private static final Metadata.Key<String> KEY =
      Metadata.Key.of(TRAILER, Metadata.ASCII_STRING_MARSHALLER);

  private Pushback() {}

  /**
   * The milliseconds to wait before sending the refused call again, or -1 when it must not be sent
   * again: another failure, no (or a malformed) pushback trailer, or a wait that would outlast
   * {@code deadline}.
   */
  static long waitMillis(Throwable failure, Deadline deadline) {
    Status status = Status.fromThrowable(failure);
    if (status.getCode() != Status.Code.RESOURCE_EXHAUSTED) {
      return -1;
    }
    Metadata trailers = Status.trailersFromThrowable(failure);
    String value = trailers == null ? null : trailers.get(KEY);
    if (value == null) {
      // RESOURCE_EXHAUSTED without the trailer may come from a handler (or the client's own
      // message limit): nothing says the call was refused unapplied.
      return -1;
    }
    long wait;
    try {
      wait = Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
    if (wait < 0) {
      return -1;
    }
    // At least a millisecond, so that a zero hint cannot turn into a busy loop.
    wait = Math.max(1, wait);
    return deadline.timeRemaining(TimeUnit.MILLISECONDS) > wait ? wait : -1;
  }
}
