package dev.drover.master.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.drover.api.v1.ExecInput;
import dev.drover.api.v1.ExecRequest;
import dev.drover.api.v1.PortForwardInput;
import dev.drover.api.v1.PortForwardRequest;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Exec and PortForward are authorized on their first message as Kubernetes' create on pods/exec and
 * pods/portforward: view and nodes are refused, edit and the pod's namespace-admin allowed.
 */
class StreamAuthorizationTest {
  private static final String EXEC = "drover.v1.ControlService/Exec";
  private static final String FORWARD = "drover.v1.ControlService/PortForward";

  @Test
  void execAndPortForwardNeedCreateOnThePodsSubresource() {
    List<AuthorizationRequest> exec =
        AuthorizationRequest.of(
            EXEC,
            ExecInput.newBuilder()
                .setStart(
                    ExecRequest.newBuilder().setNamespace("team").setPod("web").addCommand("sh"))
                .build());
    List<AuthorizationRequest> forward =
        AuthorizationRequest.of(
            FORWARD,
            PortForwardInput.newBuilder()
                .setStart(
                    PortForwardRequest.newBuilder().setNamespace("team").setPod("web").setPort(80))
                .build());
    assertThat(exec)
        .singleElement()
        .extracting(AuthorizationRequest::resource)
        .isEqualTo("pods/exec");
    assertThat(forward)
        .singleElement()
        .extracting(AuthorizationRequest::resource)
        .isEqualTo("pods/portforward");

    for (AuthorizationRequest r : List.of(exec.get(0), forward.get(0))) {
      assertThat(AuthorizationRules.deny(new Principal("vera", Role.VIEW, null), r)).isNotNull();
      assertThat(AuthorizationRules.deny(new Principal("other", Role.NAMESPACE_ADMIN, "other"), r))
          .isNotNull();
      assertThat(AuthorizationRules.deny(new Principal("ed", Role.EDIT, null), r)).isNull();
      assertThat(AuthorizationRules.deny(new Principal("nina", Role.NAMESPACE_ADMIN, "team"), r))
          .isNull();
    }
    assertThat(AuthorizationRequest.verbOf(EXEC)).isEqualTo(AuthorizationRequest.Verb.CREATE);
  }

  @Test
  void theBytesAfterTheFirstMessageAskNothingNew() {
    assertThat(
            AuthorizationRequest.of(
                EXEC, ExecInput.newBuilder().setStdin(ByteString.copyFromUtf8("ls\n")).build()))
        .isEmpty();
  }
}
