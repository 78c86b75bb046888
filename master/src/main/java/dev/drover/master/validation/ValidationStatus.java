package dev.drover.master.validation;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.BadRequest;
import com.google.rpc.Code;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns validation results into the gRPC error the API returns, and back: INVALID_ARGUMENT whose
 * details carry a {@code google.rpc.BadRequest} with one field violation per problem, and whose
 * message repeats them in text for clients that cannot read details.
 */
public final class ValidationStatus {

  private ValidationStatus() {}

  /**
   * Longest text kept of one field path or description: both can echo user input (a label key, an
   * image reference) of any length.
   */
  static final int MAX_PART_CHARS = 256;

  /**
   * Budgets, in bytes on the wire, for the message (sent percent-encoded as grpc-message) and for
   * the violations in the details (sent base64-encoded, together with the message, as
   * grpc-status-details-bin). gRPC clients refuse metadata over 8 KiB by default, which would turn
   * a precise error into an opaque one: 1.5 KiB + 4/3 x (1.5 KiB + 2.5 KiB) stays under.
   */
  static final int MAX_MESSAGE_BYTES = 1536;

  static final int MAX_DETAIL_BYTES = 2560;

  /**
   * The INVALID_ARGUMENT error for {@code violations}. When they are too many for the trailers, the
   * first ones are kept and a last entry with an empty field says how many more there were.
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
    StringBuilder message = new StringBuilder(clip(subject)).append(" is invalid: ");
    int detailBytes = 0;
    int shown = 0;
    for (FieldViolation violation : violations) {
      BadRequest.FieldViolation fv =
          BadRequest.FieldViolation.newBuilder()
              .setField(clip(violation.field()))
              .setDescription(clip(violation.description()))
              .build();
      String text =
          (fv.getField().isEmpty() ? "(object)" : fv.getField()) + ": " + fv.getDescription();
      int size = fv.getSerializedSize() + 4;
      // Room is kept for the closing "and N more" entry.
      if (detailBytes + size > MAX_DETAIL_BYTES - 64
          || encodedLength(message) + encodedLength(text) + 2 > MAX_MESSAGE_BYTES - 64) {
        break;
      }
      badRequest.addFieldViolations(fv);
      message.append(shown == 0 ? "" : "; ").append(text);
      detailBytes += size;
      shown++;
    }
    int hidden = violations.size() - shown;
    if (hidden > 0) {
      String more = "and " + hidden + " more violation" + (hidden == 1 ? "" : "s") + " not shown";
      badRequest.addFieldViolations(
          BadRequest.FieldViolation.newBuilder().setField("(object)").setDescription(more));
      message.append(shown == 0 ? "" : "; ").append(more);
    }
    com.google.rpc.Status status =
        com.google.rpc.Status.newBuilder()
            .setCode(Code.INVALID_ARGUMENT_VALUE)
            .setMessage(message.toString())
            .addDetails(Any.pack(badRequest.build()))
            .build();
    return StatusProto.toStatusRuntimeException(status);
  }

  /** Length of {@code text} once gRPC percent-encodes it for the grpc-message trailer. */
  static int encodedLength(CharSequence text) {
    int length = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c >= ' ' && c < '~' && c != '%') {
        length++;
      } else {
        // Up to 3 UTF-8 bytes per char (surrogate halves count 2 x 3), each written as %XX.
        length += 9;
      }
    }
    return length;
  }

  private static String clip(String text) {
    return text.length() <= MAX_PART_CHARS ? text : text.substring(0, MAX_PART_CHARS - 3) + "...";
  }

  /** The field violations carried by {@code error}'s BadRequest details; empty when it has none. */
  public static List<FieldViolation> violations(Throwable error) {
    List<FieldViolation> result = new ArrayList<>();
    com.google.rpc.Status status = StatusProto.fromThrowable(error);
    if (status == null) {
      return result;
    }
    for (Any detail : status.getDetailsList()) {
      if (detail.is(BadRequest.class)) {
        try {
          for (BadRequest.FieldViolation fv :
              detail.unpack(BadRequest.class).getFieldViolationsList()) {
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
