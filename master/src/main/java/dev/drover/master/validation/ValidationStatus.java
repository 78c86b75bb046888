package dev.drover.master.validation;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.BadRequest;
import com.google.rpc.Code;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Turns validation results into the gRPC error the API returns, and back: INVALID_ARGUMENT
 * whose details carry a {@code google.rpc.BadRequest} with one field violation per problem, and
 * whose message repeats them in text for clients that cannot read details.
 */
public final class ValidationStatus {

  private ValidationStatus() {}

  /**
   * The INVALID_ARGUMENT error for {@code violations}.
   *
   * @param subject what was invalid, e.g. {@code Pod "default/web"}; starts the message
   * @throws IllegalArgumentException when {@code violations} is empty (nothing to report)
   */
  public static StatusRuntimeException invalidArgument(
      String subject, List<FieldViolation> violations) {
    if (violations.isEmpty()) {
      throw new IllegalArgumentException("no violations to report");
    }
    BadRequest.Builder badRequest = BadRequest.newBuilder();
    for (FieldViolation violation : violations) {
      badRequest.addFieldViolations(
          BadRequest.FieldViolation.newBuilder()
              .setField(violation.field())
              .setDescription(violation.description()));
    }
    String message =
        subject + " is invalid: "
            + violations.stream().map(FieldViolation::toString).collect(Collectors.joining("; "));
    com.google.rpc.Status status =
        com.google.rpc.Status.newBuilder()
            .setCode(Code.INVALID_ARGUMENT_VALUE)
            .setMessage(message)
            .addDetails(Any.pack(badRequest.build()))
            .build();
    return StatusProto.toStatusRuntimeException(status);
  }

  /**
   * The field violations carried by {@code error}'s BadRequest details; empty when it has none.
   */
  public static List<FieldViolation> violations(Throwable error) {
    List<FieldViolation> result = new ArrayList<>();
    com.google.rpc.Status status = StatusProto.fromThrowable(error);
    if (status == null) {
      return result;
    }
    for (Any detail : status.getDetailsList()) {
      if (detail.is(BadRequest.class)) {
        try {
          for (BadRequest.FieldViolation fv : detail.unpack(BadRequest.class)
              .getFieldViolationsList()) {
            result.add(new FieldViolation(fv.getField(), fv.getDescription()));
          }
        } catch (InvalidProtocolBufferException e) {
          // A malformed detail carries nothing usable; the status message still explains.
          return result;
        }
      }
    }
    return result;
  }
}
