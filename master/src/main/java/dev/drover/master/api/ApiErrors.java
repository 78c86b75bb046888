package dev.drover.master.api;

import com.google.protobuf.Any;
import com.google.rpc.BadRequest;
import com.google.rpc.BadRequest.FieldViolation;
import com.google.rpc.Code;
import dev.drover.master.registry.AlreadyExistsException;
import dev.drover.master.registry.ConflictException;
import dev.drover.master.registry.ForbiddenException;
import dev.drover.master.registry.InvalidObjectException;
import dev.drover.master.registry.NotFoundException;
import dev.drover.master.registry.PreconditionFailedException;
import dev.drover.master.registry.RegistryException;
import dev.drover.master.registry.StoreUnavailableException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Builds the gRPC errors the API returns (docs/API.md, "Errors") and is the one place where the
 * registry's domain failures ({@link RegistryException}) and store failures become gRPC statuses,
 * so that every call fails with the same codes and message style.
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

  /** The status a registry failure stands for; the message is the exception's own. */
  public static StatusRuntimeException of(RegistryException e) {
    String message = e.getMessage();
    if (e instanceof InvalidObjectException) {
      return invalid(((InvalidObjectException) e).violations());
    }
    if (e instanceof NotFoundException) {
      return Status.NOT_FOUND.withDescription(message).asRuntimeException();
    }
    if (e instanceof AlreadyExistsException) {
      return Status.ALREADY_EXISTS.withDescription(message).asRuntimeException();
    }
    if (e instanceof ConflictException) {
      return Status.ABORTED.withDescription(message).asRuntimeException();
    }
    if (e instanceof PreconditionFailedException) {
      return failedPrecondition(message);
    }
    if (e instanceof ForbiddenException) {
      return Status.PERMISSION_DENIED.withDescription(message).asRuntimeException();
    }
    StoreUnavailableException.Reason reason =
        e instanceof StoreUnavailableException
            ? ((StoreUnavailableException) e).reason()
            : StoreUnavailableException.Reason.INTERNAL;
    Status s;
    switch (reason) {
      case UNAVAILABLE:
        s = Status.UNAVAILABLE;
        break;
      case TIMEOUT:
        s = Status.DEADLINE_EXCEEDED;
        break;
      case INTERRUPTED:
        s = Status.CANCELLED;
        break;
      case COMPACTED:
        return expired(message);
      case FUTURE_REVISION:
        s = Status.OUT_OF_RANGE;
        break;
      default:
        s = Status.INTERNAL;
    }
    return s.withDescription(message).withCause(e.getCause()).asRuntimeException();
  }

  /** The status any failure in the API stands for, or null when it is none of the master's own. */
  public static StatusRuntimeException statusOf(Throwable t) {
    if (t instanceof StatusRuntimeException) {
      return (StatusRuntimeException) t;
    }
    if (t instanceof RegistryException) {
      return of((RegistryException) t);
    }
    return null;
  }
}
