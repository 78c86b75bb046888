package dev.drover.embed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.drover.agent.runtime.RuntimeKind;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodPhase;
import dev.drover.client.DroverClient;
import dev.drover.client.manifest.ManifestException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link DroverTestCluster} as a user's test class would use it, on the simulated runtime. */
class DroverTestClusterTest {

  @RegisterExtension static DroverTestCluster cluster = DroverTestCluster.simulated();

  @Test
  void givesARunningClusterWithOneReadyNode() {
    try (DroverClient client = cluster.newClient()) {
      assertThat(client.nodes().list("", ""))
          .extracting(n -> n.getMetadata().getName())
          .containsExactly(DroverTestCluster.NODE);
    }
    assertThat(cluster.runtime()).isEqualTo(RuntimeKind.SIMULATED);
    assertThat(cluster.endpoint()).startsWith("127.0.0.1:");
  }

  @Test
  void appliesManifestsAndRunsTheirPods() throws Exception {
    List<Object> applied =
        cluster.apply(
            """
        apiVersion: v1
        kind: Pod
        metadata: {name: hello, labels: {app: hello}}
        spec:
          containers:
          - {name: hello, image: busybox:1.36, command: [echo, hi]}
        """);
    assertThat(applied).hasSize(1);
    assertThat(applied.get(0).getPod().getMetadata().getNamespace()).isEqualTo("default");
    try (DroverClient client = cluster.newClient()) {
      await()
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(
              () -> {
                Pod pod = client.pods().get("default", "hello");
                assertThat(pod.getStatus().getPhase())
                    .isIn(PodPhase.POD_PHASE_RUNNING, PodPhase.POD_PHASE_SUCCEEDED);
              });
    }
  }

  @Test
  void aBadManifestAppliesNothing() {
    assertThatThrownBy(
            () ->
                cluster.apply(
                    """
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: broken}
        dta: {a: b}
        """))
        .isInstanceOf(ManifestException.class)
        .hasMessageContaining("dta");
    try (DroverClient client = cluster.newClient()) {
      assertThat(client.configMaps().list("default", "")).isEmpty();
    }
  }
}
