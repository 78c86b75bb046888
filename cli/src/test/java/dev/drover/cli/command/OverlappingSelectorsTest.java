package dev.drover.cli.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.drover.api.ApiObjects;
import dev.drover.api.v1.ConfigMap;
import dev.drover.api.v1.OwnerReference;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodPhase;
import dev.drover.api.v1.ReplicaSet;
import dev.drover.api.v1.WatchEvent;
import dev.drover.api.v1.WatchEventType;
import dev.drover.client.DroverClient;
import dev.drover.embed.DroverTestCluster;
import dev.drover.testing.TestObjects;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 21's overlapping selectors, applied together with {@code drover apply --wait} to a real
 * master and node agent (simulated containers): a Deployment and a ReplicaSet with the same
 * selector, the set labelled as its pods (as the Kubernetes documentation's frontend ReplicaSet
 * is). As upstream, the Deployment adopts the orphan set (its own labels match the selector, it has
 * no controller; a set without labels would not be adopted) and then owns its scaling; a set
 * another object controls is never adopted or scaled. Watches of every ReplicaSet and pod prove
 * there is no churn: no set is scaled down and back up, a Running pod is only ever removed from a
 * set its Deployment scaled to zero for good, and once settled nothing changes. {@code --wait}
 * reports each object in words that hold.
 */
class OverlappingSelectorsTest {
  private static final String NS = "default";

  @RegisterExtension DroverTestCluster cluster = DroverTestCluster.simulated();

  @TempDir Path home;

  private DroverClient client;
  private final Map<String, List<Integer>> replicasHistory = new ConcurrentHashMap<>();
  private final Map<String, String> podOwner = new ConcurrentHashMap<>();
  private final Set<String> running = ConcurrentHashMap.newKeySet();
  private final Set<String> runningThenRemoved = ConcurrentHashMap.newKeySet();
  private final List<AutoCloseable> watches = new ArrayList<>();

  @BeforeEach
  void watchEverything() {
    client = cluster.newClient();
    watches.add(client.replicaSets().watch(NS, 0, this::onReplicaSet));
    watches.add(client.pods().watch(NS, 0, this::onPod));
  }

  @AfterEach
  void stopWatching() throws Exception {
    for (AutoCloseable w : watches) {
      w.close();
    }
    client.close();
  }

  private void onReplicaSet(WatchEvent e) {
    if (e.getType() == WatchEventType.WATCH_EVENT_TYPE_BOOKMARK) {
      return;
    }
    ReplicaSet rs = e.getObject().getReplicaSet();
    List<Integer> history =
        replicasHistory.computeIfAbsent(rs.getMetadata().getName(), n -> new ArrayList<>());
    synchronized (history) {
      int replicas = rs.getSpec().hasReplicas() ? rs.getSpec().getReplicas() : 1;
      if (history.isEmpty() || history.get(history.size() - 1) != replicas) {
        history.add(replicas);
      }
    }
  }

  private void onPod(WatchEvent e) {
    if (e.getType() == WatchEventType.WATCH_EVENT_TYPE_BOOKMARK) {
      return;
    }
    Pod pod = e.getObject().getPod();
    String uid = pod.getMetadata().getUid();
    ApiObjects.controllerOf(pod.getMetadata()).ifPresent(ref -> podOwner.put(uid, ref.getName()));
    if (pod.getStatus().getPhase() == PodPhase.POD_PHASE_RUNNING) {
      running.add(uid);
    }
    boolean removed =
        e.getType() == WatchEventType.WATCH_EVENT_TYPE_DELETED
            || pod.getMetadata().hasDeletionTime();
    if (removed && running.contains(uid)) {
      runningThenRemoved.add(uid);
    }
  }

  private ClusterCli.Run drover(String... args) {
    return new ClusterCli(cluster, home).run(args);
  }

  private static String template(String app) {
    return """
          template:
            metadata: {labels: {app: %s}}
            spec: {containers: [{name: main, image: 127.0.0.1:5000/busybox:1}]}
        """
        .formatted(app);
  }

  @Test
  void aDeploymentAndAReplicaSetWithTheSameSelectorAppliedTogetherSettleWithoutChurn()
      throws Exception {
    Path manifest = home.resolve("overlap.yaml");
    Files.writeString(
        manifest,
        """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web}
        spec:
          replicas: 2
          selector: {matchLabels: {app: web}}
        """
            + template("web")
            + """
            ---
            apiVersion: apps/v1
            kind: ReplicaSet
            metadata: {name: web-rs, labels: {app: web}}
            spec:
              replicas: 2
              selector: {matchLabels: {app: web}}
            """
            + template("web"));

    ClusterCli.Run apply = drover("apply", "-f", manifest.toString(), "--wait", "--timeout", "90s");
    assertThat(apply.code()).as(apply.out() + apply.err()).isZero();
    assertThat(apply.out())
        .contains("deployment.apps/web is ready")
        .contains("replicaset.apps/web-rs is ready");
    // A set the Deployment scales is never called a bare "0/0 ready".
    assertThat(apply.out().lines().filter(l -> l.contains("0/0")))
        .allMatch(l -> l.contains("scaled by its owner deployment/web"));

    // Adopted as upstream adopts: an orphan whose labels match the Deployment's selector.
    ReplicaSet adopted = client.replicaSets().get(NS, "web-rs");
    assertThat(ApiObjects.controllerOf(adopted.getMetadata()))
        .as(state())
        .map(OwnerReference::getName)
        .contains("web");

    String deploymentUid = client.deployments().get(NS, "web").getMetadata().getUid();
    awaitSettled(
        () -> {
          List<ReplicaSet> owned =
              client.replicaSets().list(NS, "").stream()
                  .filter(rs -> ApiObjects.isControlledBy(rs.getMetadata(), deploymentUid))
                  .toList();
          return owned.stream().mapToInt(rs -> rs.getSpec().getReplicas()).sum() == 2
              && activePods("app=web").size() == 2;
        });
    assertNoChurn();
    // Pods that ran and were removed belong only to a set the Deployment scaled down to zero.
    for (String uid : runningThenRemoved) {
      String set = podOwner.get(uid);
      assertThat(client.replicaSets().get(NS, set).getSpec().getReplicas())
          .as("replicas of %s, whose running pod %s was removed", set, uid)
          .isZero();
    }
  }

  /**
   * The churn issue 21 saw: a ReplicaSet of the same selector arriving beside a running Deployment
   * was adopted, counted as a change of scale, and the Deployment scaled its own healthy set down
   * and back up, killing a Running pod. Now the adopted set is an old one, scaled down for good,
   * and the Deployment's own set and pods stay as they are.
   */
  @Test
  void aReplicaSetAppliedBesideARunningDeploymentNeverMakesItScaleItsOwnSetDown() throws Exception {
    Path deployment = home.resolve("deployment.yaml");
    Files.writeString(
        deployment,
        """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web}
        spec:
          replicas: 2
          selector: {matchLabels: {app: web}}
        """
            + template("web"));
    ClusterCli.Run first =
        drover("apply", "-f", deployment.toString(), "--wait", "--timeout", "90s");
    assertThat(first.code()).as(first.out() + first.err()).isZero();
    List<String> ownPods =
        activePods("app=web").stream().map(p -> p.getMetadata().getUid()).toList();
    assertThat(ownPods).hasSize(2);

    Path replicaSet = home.resolve("replicaset.yaml");
    Files.writeString(
        replicaSet,
        """
        apiVersion: apps/v1
        kind: ReplicaSet
        metadata: {name: web-rs, labels: {app: web}}
        spec:
          replicas: 2
          selector: {matchLabels: {app: web}}
        """
            + template("web"));
    ClusterCli.Run second =
        drover("apply", "-f", replicaSet.toString(), "--wait", "--timeout", "90s");
    assertThat(second.code()).as(second.out() + second.err()).isZero();

    awaitSettled(
        () ->
            client.replicaSets().get(NS, "web-rs").getSpec().getReplicas() == 0
                && activePods("app=web").size() == 2);
    assertNoChurn();
    assertThat(activePods("app=web"))
        .extracting(p -> p.getMetadata().getUid())
        .containsExactlyInAnyOrderElementsOf(ownPods);
    assertThat(runningThenRemoved).noneMatch(ownPods::contains);
  }

  @Test
  void aDeploymentNeverAdoptsOrScalesAReplicaSetAnotherObjectControls() throws Exception {
    ConfigMap keeper =
        client
            .configMaps()
            .create(ConfigMap.newBuilder().setMetadata(TestObjects.meta("keeper")).build());
    Path manifest = home.resolve("owned.yaml");
    Files.writeString(
        manifest,
        """
        apiVersion: apps/v1
        kind: ReplicaSet
        metadata:
          name: kept-rs
          ownerReferences:
          - {kind: ConfigMap, name: keeper, uid: %s, controller: true}
        spec:
          replicas: 2
          selector: {matchLabels: {app: kept}}
        """
                .formatted(keeper.getMetadata().getUid())
            + template("kept")
            + """
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: kept}
            spec:
              replicas: 1
              selector: {matchLabels: {app: kept}}
            """
            + template("kept"));

    ClusterCli.Run apply = drover("apply", "-f", manifest.toString(), "--wait", "--timeout", "90s");
    assertThat(apply.code()).as(apply.out() + apply.err()).isZero();
    assertThat(apply.out())
        .contains("deployment.apps/kept is ready")
        .contains("replicaset.apps/kept-rs is ready");

    awaitSettled(() -> activePods("app=kept").size() == 3);
    ReplicaSet kept = client.replicaSets().get(NS, "kept-rs");
    assertThat(ApiObjects.controllerOf(kept.getMetadata()))
        .map(OwnerReference::getName)
        .contains("keeper");
    assertThat(kept.getSpec().getReplicas()).isEqualTo(2);
    assertThat(replicasHistory.get("kept-rs")).containsExactly(2);
    assertNoChurn();
    assertThat(runningThenRemoved).isEmpty();
  }

  private List<Pod> activePods(String selector) {
    return client.pods().list(NS, selector).stream()
        .filter(p -> !p.getMetadata().hasDeletionTime())
        .filter(p -> p.getStatus().getPhase() == PodPhase.POD_PHASE_RUNNING)
        .toList();
  }

  /**
   * Waits until {@code settled} holds, then checks that for five seconds no pod and no set's scale
   * changes.
   */
  private void awaitSettled(java.util.concurrent.Callable<Boolean> settled) {
    try {
      await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(settled);
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError("never settled:\n" + state(), e);
    }
    String before = snapshot();
    await()
        .during(Duration.ofSeconds(5))
        .atMost(Duration.ofSeconds(10))
        .until(() -> snapshot().equals(before));
  }

  // The pods (uid and phase) and every set's replicas, as one comparable string.
  private String snapshot() {
    String pods =
        client.pods().list(NS, "").stream()
            .map(p -> p.getMetadata().getUid() + ":" + p.getStatus().getPhase())
            .sorted()
            .collect(Collectors.joining(","));
    String sets =
        client.replicaSets().list(NS, "").stream()
            .map(rs -> rs.getMetadata().getName() + "=" + rs.getSpec().getReplicas())
            .sorted()
            .collect(Collectors.joining(","));
    return pods + "|" + sets;
  }

  // What the cluster looks like, for a failure message.
  private String state() {
    return drover("get", "replicasets,pods", "-o", "wide").out()
        + drover("get", "events").out()
        + "replicas over time: "
        + replicasHistory;
  }

  // No set was scaled down and then up again.
  private void assertNoChurn() {
    replicasHistory.forEach(
        (set, history) -> {
          synchronized (history) {
            Optional<Integer> firstDrop =
                java.util.stream.IntStream.range(1, history.size())
                    .filter(i -> history.get(i) < history.get(i - 1))
                    .boxed()
                    .findFirst();
            firstDrop.ifPresent(
                i ->
                    assertThat(history.subList(i, history.size()))
                        .as("replicas of %s over time: %s\n%s", set, history, state())
                        .isSortedAccordingTo((a, b) -> Integer.compare(b, a)));
          }
        });
  }
}
