package dev.drover.cluster;

import static dev.drover.cluster.Workloads.image;
import static dev.drover.cluster.Workloads.livePods;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.drover.api.v1.ConfigMap;
import dev.drover.api.v1.Deployment;
import dev.drover.api.v1.Event;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.RolloutActionRequest;
import dev.drover.api.v1.RolloutActionType;
import dev.drover.client.DroverClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Deployments on a real cluster: three masters on Ratis, three agents on the simulated runtime (see
 * {@link TestCluster}), driven only through the public API. Each test uses its own namespace on one
 * shared cluster.
 */
class ClusterRolloutTest {
  static final Duration PATIENCE = Workloads.PATIENCE;
  @TempDir static Path dir;
  static TestCluster cluster;
  static DroverClient client;

  @BeforeAll
  static void startCluster() {
    cluster = TestCluster.start(dir, 3);
    // Images named "broken..." never pull: pods of such a revision never become ready.
    cluster.nodes().forEach(n -> cluster.runtime(n).pullable(image -> !image.startsWith("broken")));
    client = cluster.client();
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void rollingUpdateOfTwentyReplicasStaysWithinSurgeAndUnavailability() {
    String ns = "rolling";
    Workloads.deployReady(client, ns, "web", Workloads.deployment("web", 20, "app:1", 3, 2));

    try (PodTimeline timeline = PodTimeline.watch(client, ns, p -> true)) {
      int mark = timeline.mark();
      Workloads.editSpec(client, ns, "web", Workloads.image("app:2"));
      Workloads.awaitRolledOut(client, ns, "web", 20, "app:2");
      await()
          .atMost(PATIENCE)
          .until(
              () ->
                  timeline.last().live() == 20
                      && timeline.last().liveByImage().equals(java.util.Map.of("app:2", 20)));
      Workloads.assertBounds(timeline.since(mark), 20, 3, 2);
    }
  }

  @Test
  void aFailingRevisionRollsBackByItself() {
    String ns = "autorollback";
    Workloads.deployReady(
        client,
        ns,
        "api",
        Workloads.deployment("api", 4, "app:1", 1, 0)
            .setProgressDeadlineSeconds(5)
            .setAutoRollback(true));

    try (PodTimeline timeline = PodTimeline.watch(client, ns, p -> true)) {
      int mark = timeline.mark();
      Workloads.editSpec(client, ns, "api", Workloads.image("broken:2"));
      await()
          .atMost(PATIENCE)
          .untilAsserted(() -> assertThat(events(ns, "api")).contains("RollbackDone"));
      assertThat(
              client
                  .deployments()
                  .get(ns, "api")
                  .getSpec()
                  .getTemplate()
                  .getSpec()
                  .getContainers(0)
                  .getImage())
          .isEqualTo("app:1");
      Workloads.awaitRolledOut(client, ns, "api", 4, "app:1");
      // maxUnavailable 0: the failing revision never cost a ready pod.
      assertThat(timeline.since(mark))
          .allSatisfy(s -> assertThat(s.ready()).isGreaterThanOrEqualTo(4));
      assertThat(timeline.since(mark))
          .anySatisfy(s -> assertThat(s.liveByImage()).containsKey("broken:2"));
    }
  }

  @Test
  void aCanaryWaitsForPromotion() {
    String ns = "canary";
    Workloads.deployReady(
        client,
        ns,
        "shop",
        Workloads.deployment("shop", 6, "app:1", 1, 1)
            .setCanary(dev.drover.api.v1.CanaryStrategy.newBuilder().addSteps(2)));

    Workloads.editSpec(client, ns, "shop", Workloads.image("app:2"));
    await()
        .atMost(PATIENCE)
        .untilAsserted(
            () -> {
              Deployment d = client.deployments().get(ns, "shop");
              assertThat(d.getStatus().getCanary().getWaiting()).isTrue();
              assertThat(byImage(ns, "shop")).containsEntry("app:2", 2L).containsEntry("app:1", 4L);
            });
    // It keeps waiting: nothing else rolls while nobody promotes.
    await()
        .during(Duration.ofSeconds(5))
        .atMost(PATIENCE)
        .untilAsserted(
            () ->
                assertThat(byImage(ns, "shop"))
                    .containsEntry("app:2", 2L)
                    .containsEntry("app:1", 4L));

    client
        .control()
        .rolloutAction(
            RolloutActionRequest.newBuilder()
                .setNamespace(ns)
                .setName("shop")
                .setAction(RolloutActionType.ROLLOUT_ACTION_TYPE_PROMOTE)
                .build());
    Workloads.awaitRolledOut(client, ns, "shop", 6, "app:2");
    assertThat(client.deployments().get(ns, "shop").getStatus().hasCanary()).isFalse();
  }

  @Test
  void aConfigMapChangeRollsTheDeploymentThatUsesIt() {
    String ns = "config";
    Workloads.namespace(client, ns);
    client
        .configMaps()
        .create(
            ConfigMap.newBuilder()
                .setMetadata(ObjectMeta.newBuilder().setNamespace(ns).setName("settings"))
                .putData("mode", "a")
                .build());
    Workloads.create(
        client,
        ns,
        "worker",
        Workloads.envFromConfigMap("MODE", "settings", "mode")
            .apply(Workloads.deployment("worker", 3, "app:1", 1, 0)));
    Workloads.awaitRolledOut(client, ns, "worker", 3, "app:1");
    Set<String> before = names(livePods(client, ns, "worker"));

    ConfigMap cm = client.configMaps().get(ns, "settings");
    client.configMaps().update(cm.toBuilder().putData("mode", "b").build());

    await()
        .atMost(PATIENCE)
        .untilAsserted(
            () -> {
              List<Pod> pods = livePods(client, ns, "worker");
              assertThat(pods)
                  .hasSize(3)
                  .allSatisfy(p -> assertThat(PodTimeline.isReady(p)).isTrue());
              assertThat(names(pods)).doesNotContainAnyElementsOf(before);
            });
    assertThat(client.replicaSets().list(ns, "")).hasSize(2);
    assertThat(client.deployments().get(ns, "worker").getStatus().getCurrentRevision())
        .isEqualTo(2);
  }

  static Set<String> names(List<Pod> pods) {
    return pods.stream().map(p -> p.getMetadata().getName()).collect(Collectors.toSet());
  }

  static java.util.Map<String, Long> byImage(String ns, String app) {
    return livePods(client, ns, app).stream()
        .collect(Collectors.groupingBy(Workloads::image, Collectors.counting()));
  }

  static List<String> events(String ns, String involved) {
    return client.events().list(ns, "").stream()
        .filter(e -> e.getInvolvedObject().getName().equals(involved))
        .map(Event::getReason)
        .toList();
  }
}
