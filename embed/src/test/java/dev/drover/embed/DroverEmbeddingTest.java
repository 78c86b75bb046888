package dev.drover.embed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.drover.api.v1.ConfigMap;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodPhase;
import dev.drover.client.DroverClient;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedding API: {@code Drover.master()} with and without an agent, and its handles. */
class DroverEmbeddingTest {

  private static final String DEPLOYMENT =
      """
      apiVersion: apps/v1
      kind: Deployment
      metadata: {name: web, namespace: default}
      spec:
        replicas: 2
        selector: {matchLabels: {app: web}}
        template:
          metadata: {labels: {app: web}}
          spec:
            containers:
            - {name: web, image: busybox:1.36}
      """;

  @Test
  void masterWithAgentRunsADeploymentAndClosesEverything() throws Exception {
    String endpoint;
    try (DroverMaster cluster = Drover.master().withAgent(a -> a.nodeName("n1")).start()) {
      endpoint = cluster.endpoint();
      assertThat(cluster.agent()).hasValueSatisfying(a -> assertThat(a.nodeName()).isEqualTo("n1"));
      cluster.awaitNodeReady("n1", Duration.ofSeconds(60));
      assertThat(cluster.startupPhases())
          .anyMatch(p -> p.startsWith("store "))
          .anyMatch(p -> p.startsWith("master "))
          .anyMatch(p -> p.startsWith("agent "));
      try (DroverClient client = cluster.newClient()) {
        var manifest = new dev.drover.client.manifest.ManifestParser().parse("d.yaml", DEPLOYMENT);
        client.create(manifest.objects().get(0).object());
        await()
            .atMost(Duration.ofSeconds(60))
            .untilAsserted(
                () -> {
                  List<Pod> pods = client.pods().list("default", "app=web");
                  assertThat(pods)
                      .hasSize(2)
                      .allSatisfy(
                          p -> {
                            assertThat(p.getSpec().getNodeName()).isEqualTo("n1");
                            assertThat(p.getStatus().getPhase())
                                .isEqualTo(PodPhase.POD_PHASE_RUNNING);
                          });
                });
      }
    }
    // Closed means closed: nothing answers on the endpoint any more.
    try (DroverClient client =
        DroverClient.builder().endpoint(endpoint).deadline(Duration.ofSeconds(2)).build()) {
      assertThatThrownBy(() -> client.get(Kind.KIND_NODE, "", "n1"))
          .isInstanceOf(StatusRuntimeException.class);
    }
  }

  @Test
  void aDataDirKeepsTheStateAcrossRestarts(@TempDir Path dir) throws Exception {
    ConfigMap settings =
        ConfigMap.newBuilder()
            .setMetadata(ObjectMeta.newBuilder().setName("settings").setNamespace("default"))
            .putData("colour", "blue")
            .build();
    try (DroverMaster first = Drover.master().dataDir(dir).start();
        DroverClient client = first.newClient()) {
      assertThat(first.agent()).isEmpty();
      client.configMaps().create(settings);
    }
    try (DroverMaster second = Drover.master().dataDir(dir).start();
        DroverClient client = second.newClient()) {
      assertThat(client.configMaps().get("default", "settings").getDataMap())
          .containsEntry("colour", "blue");
    }
  }

  @Test
  void aSeparateAgentJoinsAnEmbeddedMaster(@TempDir Path dir) throws Exception {
    try (DroverMaster master = Drover.master().start();
        DroverAgent agent =
            Drover.agent().master(master.endpoint()).nodeName("extra").dataDir(dir).start()) {
      master.awaitNodeReady(agent.nodeName(), Duration.ofSeconds(60));
      try (DroverClient client = master.newClient()) {
        assertThat(client.nodes().list("", ""))
            .extracting(n -> n.getMetadata().getName())
            .containsExactly("extra");
      }
    }
  }

  @Test
  void badSettingsAreRejectedBeforeAnythingStarts() {
    assertThatThrownBy(() -> Drover.master().apiPort(70000))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("apiPort");
    assertThatThrownBy(() -> Drover.agent().start())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("master endpoint");
    assertThatThrownBy(() -> Drover.master().withAgent(a -> a.master("127.0.0.1:1")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("joins this master");
  }
}
