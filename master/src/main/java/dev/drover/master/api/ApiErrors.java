package dev.drover.master.api;

import com.google.protobuf.Any;
import com.google.rpc.BadRequest;
import com.google.rpc.BadRequest.FieldViolation;
import com.google.rpc.Code;
import dev.drover.store.api.KvStoreException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Builds the gRPC errors the API returns (docs/API.md, "Errors") and maps store failures to them,
 * so that every layer of the master fails with the same codes and message style.
 */
public final class ApiErrors {
  private ApiErrors() {}

  /** INVALID_ARGUMENT with a google.rpc.BadRequest listing every violation. */
  public static StatusRuntimeException invalid(List<FieldViolation> violations) {
    String text =
        violations.stream()
            .map(v -> v.getField() + ": " + v.getDescription())
            .collect(Collectors.joining("; "));
    com.google.rpc.Status status =
        com.google.rpc.Status.newBuilder()
            .setCode(Code.INVALID_ARGUMENT_VALUE)
            .setMessage("invalid request: " + text)
            .addDetails(Any.pack(BadRequest.newBuilder().addAllFieldViolations(violations).build()))
            .build();
    return StatusProto.toStatusRuntimeException(status);
  }

  /** INVALID_ARGUMENT for one field. */
  public static StatusRuntimeException invalid(String field, String why) {
    return invalid(List.of(violation(field, why)));
  }

  /** One field violation. */
  public static FieldViolation violation(String field, String why) {
    return FieldViolation.newBuilder().setField(field).setDescription(why).build();
  }

  /** NOT_FOUND. */
  public static StatusRuntimeException notFound(String what) {
    return Status.NOT_FOUND.withDescription(what + " not found").asRuntimeException();
  }

  /** ALREADY_EXISTS. */
  public static StatusRuntimeException alreadyExists(String what) {
    return Status.ALREADY_EXISTS.withDescription(what + " already exists").asRuntimeException();
  }

  /** ABORTED naming the expected and the current version. */
  public static StatusRuntimeException conflict(String what, long expected, long current) {
    return Status.ABORTED
        .withDescription(
            what
                + " is at resource_version "
                + current
                + ", not "
                + expected
                + "; read it again and retry")
        .asRuntimeException();
  }

  /** FAILED_PRECONDITION. */
  public static StatusRuntimeException failedPrecondition(String why) {
    return Status.FAILED_PRECONDITION.withDescription(why).asRuntimeException();
  }

  /** OUT_OF_RANGE with reason Expired (the 410 Gone of Kubernetes). */
  public static StatusRuntimeException expired(String why) {
    return Status.OUT_OF_RANGE
        .withDescription("Expired: " + why + "; list again")
        .asRuntimeException();
  }

  /** UNAVAILABLE. */
  public static StatusRuntimeException unavailable(String why) {
    return Status.UNAVAILABLE.withDescription(why).asRuntimeException();
  }

  /** Maps any failure of a store call to the API's code. */
  public static StatusRuntimeException fromStore(Throwable t) {
    if (t instanceof StatusRuntimeException) {
      return (StatusRuntimeException) t;
    }
    Throwable c = t;
    while (c.getCause() != null
        && !(c instanceof KvStoreException)
        && !(c instanceof StatusRuntimeException)) {
      c = c.getCause();
    }
    if (c instanceof StatusRuntimeException) {
      return (StatusRuntimeException) c;
    }
    KvStoreException e = KvStoreException.of(c);
    Status s;
    switch (e.kind()) {
      case UNAVAILABLE:
        s = Status.UNAVAILABLE;
        break;
      case TIMEOUT:
        s = Status.DEADLINE_EXCEEDED;
        break;
      case COMPACTED:
        return expired(e.getMessage());
      case FUTURE_REVISION:
        s = Status.OUT_OF_RANGE;
        break;
      default:
        s = Status.INTERNAL;
    }
    return s.withDescription("store: " + e.getMessage()).withCause(e).asRuntimeException();
  }
}
