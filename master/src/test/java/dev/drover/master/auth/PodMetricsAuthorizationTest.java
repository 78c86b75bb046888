package dev.drover.master.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.api.v1.PodMetricsRequest;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * ^ * GetPodMetrics (behind {@code drover top}) is authorized as Kubernetes' get on pods/metrics,
 * like Logs: every role that reads the pod's namespace may, a namespace admin of another namespace
 * and a node may not.
 */
class PodMetricsAuthorizationTest {
  private static final String METRICS = "drover.v1.ControlService/GetPodMetrics";

  @Test
  void podMetricsNeedsGetOnThePodsMetrics() {
    List<AuthorizationRequest> asked =
        AuthorizationRequest.of(
            METRICS, PodMetricsRequest.newBuilder().setNamespace("team").setPod("web").build());
    assertThat(asked)
        .singleElement()
        .extracting(AuthorizationRequest::resource)
        .isEqualTo("pods/metrics");
    AuthorizationRequest r = asked.get(0);
    assertThat(r.name()).isEqualTo("web");
    assertThat(r.namespace()).isEqualTo("team");
    assertThat(AuthorizationRequest.verbOf(METRICS)).isEqualTo(AuthorizationRequest.Verb.GET);

    assertThat(AuthorizationRules.deny(new Principal("vera", Role.VIEW, null), r)).isNull();
    assertThat(AuthorizationRules.deny(new Principal("nina", Role.NAMESPACE_ADMIN, "team"), r))
        .isNull();
    assertThat(AuthorizationRules.deny(new Principal("other", Role.NAMESPACE_ADMIN, "other"), r))
        .isNotNull();
    assertThat(AuthorizationRules.deny(new Principal("node-a", Role.NODE, null), r)).isNotNull();
  }
}
