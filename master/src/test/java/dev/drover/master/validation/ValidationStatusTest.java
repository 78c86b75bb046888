package dev.drover.master.validation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.rpc.BadRequest;
import dev.drover.testing.InProcessGrpc;
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
    StatusRuntimeException e = ValidationStatus.invalidArgument("Pod \"default/web\"", violations);
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(e.getStatus().getDescription())
        .startsWith("Pod \"default/web\" is invalid: ")
        .contains("metadata.name: Required value")
        .contains("spec.containers[0].image: Required value");
    // The details travel in the standard trailer, decodable by any gRPC client.
    com.google.rpc.Status status =
        StatusProto.fromStatusAndTrailers(e.getStatus(), e.getTrailers());
    assertThat(status).isNotNull();
    BadRequest badRequest = status.getDetails(0).unpack(BadRequest.class);
    assertThat(badRequest.getFieldViolationsList())
        .extracting(BadRequest.FieldViolation::getField)
        .containsExactly("metadata.name", "spec.containers[0].image");
    assertThat(ValidationStatus.violations(e)).isEqualTo(violations);
  }

  @Test
  void manyOrHugeViolationsStayWithinTheTrailerLimit() {
    List<FieldViolation> many = new java.util.ArrayList<>();
    many.add(
        new FieldViolation(
            "metadata.labels[" + "k".repeat(100_000) + "]",
            "Invalid value: " + "v".repeat(100_000)));
    many.add(new FieldViolation("metadata.labels[\u00e9%\u00e9]", "\u00e9".repeat(300)));
    for (int i = 0; i < 10_000; i++) {
      many.add(new FieldViolation("spec.containers[" + i + "].image", "Required value"));
    }
    StatusRuntimeException e = ValidationStatus.invalidArgument("Pod \"default/web\"", many);
    com.google.rpc.Status status = StatusProto.fromThrowable(e);
    assertThat(status).isNotNull();
    // gRPC clients accept 8 KiB of metadata by default; message and details must fit in it.
    int messageOnTheWire = ValidationStatus.encodedLength(status.getMessage());
    int detailsOnTheWire = (status.getSerializedSize() + 2) / 3 * 4;
    assertThat(messageOnTheWire + detailsOnTheWire).isLessThan(7 * 1024);
    List<FieldViolation> shown = ValidationStatus.violations(e);
    assertThat(shown.get(0).field()).startsWith("metadata.labels[kkk").endsWith("...");
    assertThat(shown.get(0).field().length()).isEqualTo(ValidationStatus.MAX_PART_CHARS);
    FieldViolation last = shown.get(shown.size() - 1);
    assertThat(last.field()).isEqualTo("(object)");
    assertThat(last.description())
        .isEqualTo("and " + (many.size() - shown.size() + 1) + " more violations not shown");
    assertThat(status.getMessage()).endsWith(last.description());
  }

  /** Through a real gRPC call with the default 8 KiB metadata limit of clients. */
  @Test
  void clientsReceiveTheViolations() throws Exception {
    List<FieldViolation> many = new java.util.ArrayList<>();
    for (int i = 0; i < 5_000; i++) {
      many.add(new FieldViolation("spec.containers[" + i + "].image", "Required value"));
    }
    try (InProcessGrpc grpc =
        InProcessGrpc.start(
            new io.grpc.health.v1.HealthGrpc.HealthImplBase() {
              @Override
              public void check(
                  io.grpc.health.v1.HealthCheckRequest request,
                  io.grpc.stub.StreamObserver<io.grpc.health.v1.HealthCheckResponse> out) {
                out.onError(ValidationStatus.invalidArgument("Pod \"default/web\"", many));
              }
            })) {
      io.grpc.ManagedChannel channel = grpc.channelWithMetadataLimit(8 * 1024);
      assertThatThrownBy(
              () ->
                  io.grpc.health.v1.HealthGrpc.newBlockingStub(channel)
                      .withDeadlineAfter(30, java.util.concurrent.TimeUnit.SECONDS)
                      .check(io.grpc.health.v1.HealthCheckRequest.getDefaultInstance()))
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> {
                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                List<FieldViolation> received = ValidationStatus.violations(e);
                assertThat(received).hasSizeGreaterThan(10);
                assertThat(received.get(0)).isEqualTo(many.get(0));
                assertThat(received.get(received.size() - 1).description())
                    .endsWith("more violations not shown");
              });
    }
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
    List<FieldViolation> violations =
        new Validator()
            .validate(
                Fixtures.with(
                    Fixtures.pod(), b -> b.getPodBuilder().getMetadataBuilder().setName("")),
                Operation.CREATE,
                null);
    assertThat(ValidationStatus.violations(ValidationStatus.invalidArgument("Pod", violations)))
        .isEqualTo(violations);
  }
}
