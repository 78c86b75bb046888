package dev.drover.master.http;

import com.google.rpc.BadRequest;
import com.google.rpc.BadRequest.FieldViolation;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a failed call into the HTTP status and the Kubernetes {@code Status} body the gateway
 * answers with. The status follows the gRPC code (INVALID_ARGUMENT 400 with one cause per field
 * violation, NOT_FOUND 404, ALREADY_EXISTS and ABORTED 409, OUT_OF_RANGE/Expired 410,
 * FAILED_PRECONDITION 422, RESOURCE_EXHAUSTED 429, UNAVAILABLE 503, ...), so an HTTP client sees
 * the same failure a gRPC client would.
 */
final class HttpErrors {
  private HttpErrors() {}

  /** An error the gateway itself raises, before any call (bad path, bad body). */
  static final class HttpError extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final int code;
    final transient List<FieldViolation> causes;

    HttpError(int code, String message) {
      this(code, message, List.of());
    }

    HttpError(int code, String message, List<FieldViolation> causes) {
      super(message);
      this.code = code;
      this.causes = causes;
    }
  }

  /** 400 for one named field. */
  static HttpError badField(String field, String why) {
    return new HttpError(
        400,
        field + ": " + why,
        List.of(FieldViolation.newBuilder().setField(field).setDescription(why).build()));
  }

  /** The HTTP status for a gRPC code. */
  static int httpStatus(Status.Code code) {
    return switch (code) {
      case OK -> 200;
      case INVALID_ARGUMENT -> 400;
      case UNAUTHENTICATED -> 401;
      case PERMISSION_DENIED -> 403;
      case NOT_FOUND -> 404;
      case ALREADY_EXISTS, ABORTED -> 409;
      case OUT_OF_RANGE -> 410;
      case FAILED_PRECONDITION -> 422;
      case RESOURCE_EXHAUSTED -> 429;
      case CANCELLED -> 499;
      case UNIMPLEMENTED -> 501;
      case UNAVAILABLE -> 503;
      case DEADLINE_EXCEEDED -> 504;
      default -> 500;
    };
  }

  /** The Kubernetes reason word for an HTTP status. */
  private static String reason(int code) {
    return switch (code) {
      case 400 -> "BadRequest";
      case 401 -> "Unauthorized";
      case 403 -> "Forbidden";
      case 404 -> "NotFound";
      case 405 -> "MethodNotAllowed";
      case 409 -> "Conflict";
      case 410 -> "Expired";
      case 415 -> "UnsupportedMediaType";
      case 422 -> "Invalid";
      case 429 -> "TooManyRequests";
      case 503 -> "ServiceUnavailable";
      case 504 -> "Timeout";
      default -> "InternalError";
    };
  }

  /** The HTTP status of any failure. */
  static int codeOf(Throwable failure) {
    if (failure instanceof HttpError error) {
      return error.code;
    }
    return httpStatus(Status.fromThrowable(failure).getCode());
  }

  /** The Kubernetes {@code Status} body of any failure. */
  static Map<String, Object> body(Throwable failure) {
    if (failure instanceof HttpError error) {
      return status(error.code, error.getMessage(), error.causes);
    }
    Status status = Status.fromThrowable(failure);
    String message =
        status.getDescription() != null ? status.getDescription() : status.getCode().toString();
    List<FieldViolation> causes = List.of();
    if (failure instanceof StatusRuntimeException sre) {
      com.google.rpc.Status details = StatusProto.fromThrowable(sre);
      if (details != null) {
        for (com.google.protobuf.Any any : details.getDetailsList()) {
          if (any.is(BadRequest.class)) {
            try {
              causes = any.unpack(BadRequest.class).getFieldViolationsList();
            } catch (com.google.protobuf.InvalidProtocolBufferException e) {
              // A detail that does not parse adds nothing; the message still says it all.
            }
          }
        }
      }
    }
    return status(httpStatus(status.getCode()), message, causes);
  }

  /** A Kubernetes {@code Status} object. */
  static Map<String, Object> status(int code, String message, List<FieldViolation> causes) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("apiVersion", "v1");
    body.put("kind", "Status");
    body.put("metadata", Map.of());
    body.put("status", code < 400 ? "Success" : "Failure");
    body.put("message", message);
    body.put("reason", reason(code));
    if (!causes.isEmpty()) {
      List<Object> list = new ArrayList<>();
      for (FieldViolation violation : causes) {
        Map<String, Object> cause = new LinkedHashMap<>();
        cause.put("reason", "FieldValueInvalid");
        cause.put("field", violation.getField());
        cause.put("message", violation.getDescription());
        list.add(cause);
      }
      body.put("details", Map.of("causes", list));
    }
    body.put("code", code);
    return body;
  }
}
