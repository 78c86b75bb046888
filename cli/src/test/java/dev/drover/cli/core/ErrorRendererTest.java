package dev.drover.cli.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The CLI shows the server's message, in kubectl's words only when it is about the object. */
class ErrorRendererTest {

  private static List<String> render(Status status, Subject subject) {
    return ErrorRenderer.render(
        new ServerCallException(status.asRuntimeException(), List.of(subject)), null);
  }

  @Test
  void aMissingNamespaceIsReportedAsTheServerSaidNotAsTheObject() {
    assertThat(
            render(
                Status.NOT_FOUND.withDescription("Namespace nope-ns not found"),
                new Subject(ResourceType.CONFIG_MAP, "x")))
        .containsExactly("Error from server (NotFound): Namespace nope-ns not found");
  }

  @Test
  void aContainerThatIsNotRunningIsNotCalledAMissingPod() {
    String said = "container \"init\" of pod default/init-test is not running";
    assertThat(
            render(
                Status.NOT_FOUND.withDescription(said), new Subject(ResourceType.POD, "init-test")))
        .containsExactly("Error from server (NotFound): " + said);
  }

  @Test
  void theObjectItselfMissingIsSaidTheKubectlWay() {
    assertThat(
            render(
                Status.NOT_FOUND.withDescription("Pod default/web not found"),
                new Subject(ResourceType.POD, "web")))
        .containsExactly("Error from server (NotFound): pods \"web\" not found");
    assertThat(
            render(
                Status.ALREADY_EXISTS.withDescription("Node n1 already exists"),
                new Subject(ResourceType.NODE, "n1")))
        .containsExactly("Error from server (AlreadyExists): nodes \"n1\" already exists");
  }
}
