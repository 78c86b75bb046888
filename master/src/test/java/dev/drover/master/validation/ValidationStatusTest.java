package dev.drover.master.validation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.rpc.BadRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Checks the INVALID_ARGUMENT error carrying BadRequest field violations. */
class ValidationStatusTest {

  @Test
  void carriesEveryViolationInDetailsAndMessage() throws Exception {
    List<FieldViolation> violations =
        List.of(
            new FieldViolation("metadata.name", "Required value"),
            new FieldViolation("spec.containers[0].image", "Required value"));
    StatusRuntimeException e =
        ValidationStatus.invalidArgument("Pod \"default/web\"", violations);
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(e.getStatus().getDescription())
        .startsWith("Pod \"default/web\" is invalid: ")
        .contains("metadata.name: Required value")
        .contains("spec.containers[0].image: Required value");
    // The details travel in the standard trailer, decodable by any gRPC client.
    com.google.rpc.Status status = StatusProto.fromStatusAndTrailers(e.getStatus(),
        e.getTrailers());
    assertThat(status).isNotNull();
    BadRequest badRequest = status.getDetails(0).unpack(BadRequest.class);
    assertThat(badRequest.getFieldViolationsList())
        .extracting(BadRequest.FieldViolation::getField)
        .containsExactly("metadata.name", "spec.containers[0].image");
    assertThat(ValidationStatus.violations(e)).isEqualTo(violations);
  }

  @Test
  void emptyListsAndForeignErrors() {
    assertThatThrownBy(() -> ValidationStatus.invalidArgument("x", List.of()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(ValidationStatus.violations(Status.NOT_FOUND.asRuntimeException())).isEmpty();
    assertThat(ValidationStatus.violations(new IllegalStateException())).isEmpty();
  }

  @Test
  void validatorOutputConvertsDirectly() {
    List<FieldViolation> violations = new Validator().validate(
        Fixtures.with(Fixtures.pod(), b -> b.getPodBuilder().getMetadataBuilder().setName("")),
        Operation.CREATE, null);
    assertThat(ValidationStatus.violations(ValidationStatus.invalidArgument("Pod", violations)))
        .isEqualTo(violations);
  }
}
