package dev.drover.master.controller.deployment;

import static dev.drover.master.controller.Fixtures.makeReady;
import static dev.drover.testing.TestObjects.meta;
import static dev.drover.testing.TestObjects.selector;
import static dev.drover.testing.TestObjects.template;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Message;
import dev.drover.api.ApiObjects;
import dev.drover.api.WellKnown;
import dev.drover.api.v1.CanaryStrategy;
import dev.drover.api.v1.Condition;
import dev.drover.api.v1.ConditionStatus;
import dev.drover.api.v1.ConfigMap;
import dev.drover.api.v1.ConfigMapKeySelector;
import dev.drover.api.v1.Deployment;
import dev.drover.api.v1.DeploymentSpec;
import dev.drover.api.v1.DeploymentStrategy;
import dev.drover.api.v1.DeploymentStrategyType;
import dev.drover.api.v1.EnvVar;
import dev.drover.api.v1.EnvVarSource;
import dev.drover.api.v1.IntOrString;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodTemplateSpec;
import dev.drover.api.v1.ReplicaSet;
import dev.drover.api.v1.RollingUpdateDeployment;
import dev.drover.master.controller.Harness;
import dev.drover.master.controller.Pods;
import dev.drover.master.controller.ResourceHandler;
import dev.drover.master.controller.replicaset.ReplicaSetController;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class DeploymentControllerTest {
  private static final Map<String, String> LABELS = Map.of("app", "web");

  private final Harness h = new Harness();

  DeploymentControllerTest() {
    h.add(new ReplicaSetController(h.context()));
    h.add(new DeploymentController(h.context()));
  }

  private static DeploymentSpec.Builder spec(int replicas, String image) {
    return DeploymentSpec.newBuilder()
        .setReplicas(replicas)
        .setSelector(selector(LABELS))
        .setTemplate(template(LABELS, image));
  }

  private static DeploymentStrategy rolling(int maxSurge, int maxUnavailable) {
    return DeploymentStrategy.newBuilder()
        .setType(DeploymentStrategyType.DEPLOYMENT_STRATEGY_TYPE_ROLLING_UPDATE)
        .setRollingUpdate(
            RollingUpdateDeployment.newBuilder()
                .setMaxSurge(IntOrString.newBuilder().setIntValue(maxSurge))
                .setMaxUnavailable(IntOrString.newBuilder().setIntValue(maxUnavailable)))
        .build();
  }

  private Deployment create(DeploymentSpec.Builder spec) {
    Deployment d =
        h.cluster.create(Deployment.newBuilder().setMetadata(meta("web")).setSpec(spec).build());
    h.settle();
    return d;
  }

  private Deployment deployment() {
    return h.cluster.stored(Kind.KIND_DEPLOYMENT, "default", "web");
  }

  private void edit(UnaryOperator<DeploymentSpec.Builder> change) {
    Deployment d = deployment();
    h.cluster.update(d.toBuilder().setSpec(change.apply(d.getSpec().toBuilder())).build());
    h.settle();
  }

  private void setImage(String image) {
    edit(s -> s.setTemplate(template(LABELS, image)));
  }

  private List<Pod> activePods() {
    return h.cluster.<Pod>stored(Kind.KIND_POD).stream().filter(Pods::isActive).toList();
  }

  private static String image(Pod pod) {
    return pod.getSpec().getContainers(0).getImage();
  }

  private List<ReplicaSet> replicaSets() {
    return h.cluster.<ReplicaSet>stored(Kind.KIND_REPLICA_SET).stream()
        .sorted(Comparator.comparingLong(DeploymentController::revisionOf))
        .toList();
  }

  /** Plays scheduler and agents: makes every pod that is not ready ready, then settles. */
  private void readyAll() {
    for (Pod pod : activePods()) {
      if (!Pods.isReady(pod)) {
        makeReady(h.cluster, h.clock, pod, "n1");
      }
    }
    h.settle();
  }

  private boolean rolledOutTo(String image, int replicas) {
    List<Pod> pods = activePods();
    return pods.size() == replicas
        && pods.stream().allMatch(p -> image(p).equals(image) && Pods.isReady(p));
  }

  private Condition condition(String type) {
    return DeploymentController.condition(deployment().getStatus(), type).orElseThrow();
  }

  @Test
  void initialRolloutCreatesARevisionedReplicaSetAndReportsStatus() {
    create(spec(3, "web:1"));
    List<ReplicaSet> sets = replicaSets();
    assertThat(sets).hasSize(1);
    ReplicaSet rs = sets.get(0);
    String hash = rs.getMetadata().getLabelsOrThrow(WellKnown.POD_TEMPLATE_HASH);
    assertThat(rs.getMetadata().getName()).isEqualTo("web-" + hash);
    assertThat(rs.getMetadata().getAnnotationsOrThrow(WellKnown.REVISION)).isEqualTo("1");
    assertThat(rs.getSpec().getSelector().getMatchLabelsMap())
        .containsEntry(WellKnown.POD_TEMPLATE_HASH, hash);
    assertThat(activePods())
        .hasSize(3)
        .allMatch(p -> p.getMetadata().getLabelsMap().get("pod-template-hash").equals(hash));
    assertThat(condition("Available").getStatus())
        .isEqualTo(ConditionStatus.CONDITION_STATUS_FALSE);

    readyAll();
    Deployment d = deployment();
    assertThat(d.getStatus().getAvailableReplicas()).isEqualTo(3);
    assertThat(d.getStatus().getUpdatedReplicas()).isEqualTo(3);
    assertThat(d.getStatus().getObservedGeneration()).isEqualTo(d.getMetadata().getGeneration());
    assertThat(d.getStatus().getCurrentRevision()).isEqualTo(1);
    assertThat(d.getStatus().getCurrentPodTemplateHash()).isEqualTo(hash);
    assertThat(condition("Available").getStatus()).isEqualTo(ConditionStatus.CONDITION_STATUS_TRUE);
    assertThat(condition("Progressing").getReason()).isEqualTo("NewReplicaSetAvailable");
    assertThat(h.cluster.eventReasons("web")).contains("ScalingReplicaSet");
  }

  /** Watches pods and records violations of the rolling update bounds at every change. */
  private List<String> watchBounds(int replicas, int maxSurge, int maxUnavailable) {
    List<String> violations = new ArrayList<>();
    ResourceHandler check =
        new ResourceHandler() {
          @Override
          public void onAdd(Message o) {
            verify();
          }

          @Override
          public void onUpdate(Message o, Message n) {
            verify();
          }

          @Override
          public void onDelete(Message o) {
            verify();
          }

          private void verify() {
            List<Pod> pods = activePods();
            long available = pods.stream().filter(Pods::isReady).count();
            if (pods.size() > replicas + maxSurge) {
              violations.add("too many pods: " + pods.size());
            }
            if (available < replicas - maxUnavailable) {
              violations.add("too few available: " + available);
            }
          }
        };
    h.cluster.addHandler(Kind.KIND_POD, check);
    return violations;
  }

  private void rollOneByOne(String image, int replicas, Random random) {
    for (int i = 0; i < 500 && !rolledOutTo(image, replicas); i++) {
      List<Pod> notReady = activePods().stream().filter(p -> !Pods.isReady(p)).toList();
      if (notReady.isEmpty()) {
        h.settle();
        continue;
      }
      makeReady(h.cluster, h.clock, notReady.get(random.nextInt(notReady.size())), "n1");
      h.settle();
    }
    assertThat(rolledOutTo(image, replicas)).as("rolled out to " + image).isTrue();
  }

  @Test
  void rollingUpdateNeverExceedsSurgeNorDropsBelowMinimumAvailability() {
    int replicas = 20;
    create(spec(replicas, "web:1").setStrategy(rolling(3, 2)));
    readyAll();
    List<String> violations = watchBounds(replicas, 3, 2);

    setImage("web:2");
    rollOneByOne("web:2", replicas, new Random(7));

    assertThat(violations).isEmpty();
    assertThat(replicaSets()).hasSize(2);
    assertThat(replicaSets().get(0).getSpec().getReplicas()).isZero();
    assertThat(condition("Progressing").getReason()).isEqualTo("NewReplicaSetAvailable");
    assertThat(deployment().getStatus().getCurrentRevision()).isEqualTo(2);
  }

  @Test
  void newPodsCountAsAvailableOnlyAfterMinReadySeconds() {
    create(spec(4, "web:1").setStrategy(rolling(1, 0)).setMinReadySeconds(10));
    readyAll();
    h.advance(Duration.ofSeconds(10));
    setImage("web:2");
    assertThat(activePods()).as("one surge pod, no old pod may go").hasSize(5);
    readyAll();
    h.advance(Duration.ofSeconds(9));
    assertThat(activePods().stream().filter(p -> image(p).equals("web:1")))
        .as("the new pod is ready but not yet available for 10 s")
        .hasSize(4);
    h.advance(Duration.ofSeconds(1));
    assertThat(activePods().stream().filter(p -> image(p).equals("web:1")))
        .as("available after 10 s: one old pod goes")
        .hasSize(3);
    assertThat(deployment().getStatus().getAvailableReplicas()).isEqualTo(4);
  }

  @Test
  void defaultBoundsAreTwentyFivePercent() {
    int replicas = 8;
    create(spec(replicas, "web:1"));
    readyAll();
    List<String> violations = watchBounds(replicas, 2, 2);
    setImage("web:2");
    // 2 old pods may go at once (25% of 8 unavailable) and the new set fills the 2 surge pods.
    assertThat(activePods()).hasSize(10);
    assertThat(activePods().stream().filter(p -> image(p).equals("web:1"))).hasSize(6);
    rollOneByOne("web:2", replicas, new Random(3));
    assertThat(violations).isEmpty();
  }

  @Test
  void recreateRemovesEveryOldPodBeforeCreatingNewOnes() {
    create(
        spec(4, "web:1")
            .setStrategy(
                DeploymentStrategy.newBuilder()
                    .setType(DeploymentStrategyType.DEPLOYMENT_STRATEGY_TYPE_RECREATE)));
    readyAll();
    List<String> mixed = new ArrayList<>();
    h.cluster.addHandler(
        Kind.KIND_POD,
        new ResourceHandler() {
          @Override
          public void onAdd(Message o) {
            if (activePods().stream().anyMatch(p -> image(p).equals("web:1"))) {
              mixed.add("new pod while old pods exist");
            }
          }
        });
    setImage("web:2");
    readyAll();
    assertThat(mixed).isEmpty();
    assertThat(rolledOutTo("web:2", 4)).isTrue();
  }

  @Test
  void scalingMidRolloutIsProportional() {
    create(spec(10, "web:1").setStrategy(rolling(3, 0)));
    readyAll();
    setImage("web:2");
    // The new set got the 3 surge pods; make them ready so that 3 old pods go, then stop.
    activePods().stream()
        .filter(p -> image(p).equals("web:2"))
        .forEach(p -> makeReady(h.cluster, h.clock, p, "n1"));
    h.settle();
    List<ReplicaSet> before = replicaSets();
    int oldBefore = before.get(0).getSpec().getReplicas();
    int newBefore = before.get(1).getSpec().getReplicas();
    assertThat(oldBefore).isBetween(1, 9);
    assertThat(newBefore).isBetween(1, 9);

    edit(s -> s.setReplicas(20));
    List<ReplicaSet> after = replicaSets();
    int oldAfter = after.get(0).getSpec().getReplicas();
    int newAfter = after.get(1).getSpec().getReplicas();
    assertThat(oldAfter + newAfter).isLessThanOrEqualTo(20 + 3);
    assertThat(oldAfter).isGreaterThan(oldBefore);
    assertThat(newAfter).isGreaterThan(newBefore);

    rollOneByOne("web:2", 20, new Random(1));
  }

  @Test
  void pausedDeploymentsDoNotRollUntilResumed() {
    create(spec(3, "web:1"));
    readyAll();
    edit(s -> s.setPaused(true).setTemplate(template(LABELS, "web:2")));
    readyAll();
    assertThat(replicaSets()).hasSize(1);
    assertThat(activePods()).allMatch(p -> image(p).equals("web:1"));
    assertThat(condition("Progressing").getReason()).isEqualTo("DeploymentPaused");
    assertThat(h.cluster.eventReasons("web"))
        .containsOnlyOnce("DeploymentPaused")
        .doesNotContain("DeploymentResumed");

    int seen = h.cluster.eventReasons("web").size();
    edit(s -> s.setReplicas(5));
    assertThat(activePods()).as("scaling works while paused").hasSize(5);
    List<String> reasons = h.cluster.eventReasons("web");
    assertThat(reasons.subList(seen, reasons.size()))
        .as("a scale is recorded, also while paused")
        .contains("ScalingReplicaSet")
        .doesNotContain("DeploymentPaused");

    edit(s -> s.setPaused(false));
    assertThat(h.cluster.eventReasons("web")).containsOnlyOnce("DeploymentResumed");
    rollOneByOne("web:2", 5, new Random(2));
    assertThat(h.cluster.eventReasons("web"))
        .containsOnlyOnce("DeploymentResumed")
        .containsOnlyOnce("DeploymentPaused");
  }

  @Test
  void oldReplicaSetsBeyondTheHistoryLimitAreDeleted() {
    create(spec(2, "web:1").setRevisionHistoryLimit(2));
    readyAll();
    for (int v = 2; v <= 5; v++) {
      setImage("web:" + v);
      readyAll();
      readyAll();
    }
    assertThat(rolledOutTo("web:5", 2)).isTrue();
    assertThat(replicaSets()).hasSize(3);
    assertThat(replicaSets().stream().map(DeploymentController::revisionOf))
        .containsExactly(3L, 4L, 5L);
  }

  @Test
  void rollbackReusesTheOldReplicaSetUnderANewRevision() {
    create(spec(3, "web:1"));
    readyAll();
    String oldName = replicaSets().get(0).getMetadata().getName();
    setImage("web:2");
    readyAll();
    readyAll();
    assertThat(h.cluster.eventReasons("web")).doesNotContain("DeploymentRollback");
    // What the API's Rollback does: write the old revision's template back.
    setImage("web:1");
    readyAll();
    readyAll();
    assertThat(rolledOutTo("web:1", 3)).isTrue();
    assertThat(replicaSets()).hasSize(2);
    ReplicaSet current = replicaSets().get(1);
    assertThat(current.getMetadata().getName()).isEqualTo(oldName);
    assertThat(DeploymentController.revisionOf(current)).isEqualTo(3);
    assertThat(deployment().getStatus().getCurrentRevision()).isEqualTo(3);
    assertThat(h.cluster.eventReasons("web")).contains("DeploymentRollback");
  }

  @Test
  void noProgressWithinTheDeadlineTurnsProgressingFalse() {
    create(spec(2, "web:1").setProgressDeadlineSeconds(30));
    h.advance(Duration.ofSeconds(29));
    assertThat(condition("Progressing").getStatus())
        .isEqualTo(ConditionStatus.CONDITION_STATUS_TRUE);
    h.advance(Duration.ofSeconds(1));
    assertThat(condition("Progressing").getStatus())
        .isEqualTo(ConditionStatus.CONDITION_STATUS_FALSE);
    assertThat(condition("Progressing").getReason()).isEqualTo("ProgressDeadlineExceeded");
    assertThat(h.cluster.eventReasons("web")).contains("ProgressDeadlineExceeded");
    // Progress again once pods become ready.
    readyAll();
    assertThat(condition("Progressing").getStatus())
        .isEqualTo(ConditionStatus.CONDITION_STATUS_TRUE);
  }

  @Test
  void aNewRevisionThatNeverBecomesAvailableIsRolledBackAutomatically() {
    create(
        spec(4, "web:1")
            .setProgressDeadlineSeconds(60)
            .setAutoRollback(true)
            .setStrategy(rolling(1, 1)));
    readyAll();
    setImage("web:bad");
    assertThat(activePods()).anyMatch(p -> image(p).equals("web:bad"));
    // web:bad pods never become ready.
    h.advanceInSteps(Duration.ofSeconds(50), Duration.ofSeconds(10));
    assertThat(h.cluster.eventReasons("web")).doesNotContain("RollbackDone");
    h.advanceInSteps(Duration.ofSeconds(11), Duration.ofSeconds(10));
    readyAll();
    assertThat(deployment().getSpec().getTemplate().getSpec().getContainers(0).getImage())
        .isEqualTo("web:1");
    assertThat(h.cluster.eventReasons("web")).containsOnlyOnce("RollbackDone");
    assertThat(rolledOutTo("web:1", 4)).isTrue();
    assertThat(replicaSets().stream().filter(rs -> rs.getSpec().getReplicas() > 0)).hasSize(1);
  }

  private void setCanary(int... steps) {
    CanaryStrategy.Builder canary = CanaryStrategy.newBuilder();
    for (int s : steps) {
      canary.addSteps(s);
    }
    edit(s -> s.setCanary(canary));
  }

  private long podsWithImage(String image) {
    return activePods().stream().filter(p -> image(p).equals(image)).count();
  }

  @Test
  void aCanaryWaitsForPromotion() {
    create(spec(10, "web:1").setStrategy(rolling(2, 0)));
    readyAll();
    setCanary(2);
    setImage("web:2");
    readyAll();
    readyAll();
    h.advance(Duration.ofHours(1));
    readyAll();
    assertThat(podsWithImage("web:2")).isEqualTo(2);
    assertThat(activePods()).hasSize(10);
    assertThat(deployment().getStatus().getCanary().getWaiting()).isTrue();
    assertThat(condition("Progressing").getReason()).isEqualTo("CanaryPaused");
    assertThat(h.cluster.eventReasons("web")).doesNotContain("CanaryPromoted");

    promote("0");
    assertThat(h.cluster.eventReasons("web")).containsOnlyOnce("CanaryPromoted");
    rollOneByOne("web:2", 10, new Random(5));
    assertThat(deployment().getMetadata().getAnnotationsMap())
        .doesNotContainKey(DeploymentController.PROMOTE_ANNOTATION);
    assertThat(deployment().getStatus().hasCanary()).isFalse();
  }

  private void promote(String value) {
    Deployment d = deployment();
    h.cluster.update(
        d.toBuilder()
            .setMetadata(
                d.getMetadata().toBuilder()
                    .putAnnotations(DeploymentController.PROMOTE_ANNOTATION, value))
            .build());
    h.settle();
  }

  @Test
  void aCanaryPromotedPastEveryStepSkipsTheLaterSteps() {
    create(spec(10, "web:1").setStrategy(rolling(2, 0)));
    readyAll();
    setCanary(2, 5);
    setImage("web:2");
    readyAll();
    readyAll();
    assertThat(podsWithImage("web:2")).isEqualTo(2);
    assertThat(deployment().getStatus().getCanary().getCurrentStep()).isZero();
    assertThat(deployment().getStatus().getCanary().getWaiting()).isTrue();

    promote("all");
    // Past both steps at once: the new revision grows beyond step 1's five pods without a wait.
    rollOneByOne("web:2", 10, new Random(3));
    assertThat(h.cluster.eventReasons("web")).containsOnlyOnce("CanaryPromoted");
    assertThat(deployment().getMetadata().getAnnotationsMap())
        .doesNotContainKey(DeploymentController.PROMOTE_ANNOTATION);
    assertThat(deployment().getStatus().hasCanary()).isFalse();

    // The promotion was used up: the next rollout stops at its first step again.
    setImage("web:3");
    readyAll();
    readyAll();
    h.advance(Duration.ofHours(1));
    readyAll();
    assertThat(podsWithImage("web:3")).isEqualTo(2);
    assertThat(deployment().getStatus().getCanary().getWaiting()).isTrue();
  }

  @Test
  void aCanaryWithAPauseContinuesByItself() {
    create(spec(6, "web:1").setStrategy(rolling(1, 0)));
    readyAll();
    edit(s -> s.setCanary(CanaryStrategy.newBuilder().addSteps(1).addSteps(3).setPauseSeconds(60)));
    setImage("web:2");
    readyAll();
    readyAll();
    assertThat(podsWithImage("web:2")).isEqualTo(1);
    h.advance(Duration.ofSeconds(59));
    readyAll();
    assertThat(podsWithImage("web:2")).isEqualTo(1);
    h.advance(Duration.ofSeconds(1));
    for (int i = 0; i < 5; i++) {
      readyAll();
    }
    assertThat(podsWithImage("web:2")).isEqualTo(3);
    h.advance(Duration.ofSeconds(60));
    rollOneByOne("web:2", 6, new Random(9));
  }

  private static PodTemplateSpec templateUsingConfig() {
    PodTemplateSpec.Builder t = template(LABELS, "web:1").toBuilder();
    t.getSpecBuilder()
        .getContainersBuilder(0)
        .addEnv(
            EnvVar.newBuilder()
                .setName("MODE")
                .setValueFrom(
                    EnvVarSource.newBuilder()
                        .setConfigMapKeyRef(
                            ConfigMapKeySelector.newBuilder().setName("settings").setKey("mode"))));
    return t.build();
  }

  private void changeConfig(String mode) {
    ConfigMap cm = h.cluster.stored(Kind.KIND_CONFIG_MAP, "default", "settings");
    h.cluster.update(cm.toBuilder().putData("mode", mode).build());
    h.settle();
  }

  @Test
  void aConfigMapChangeRollsTheDeployment() {
    h.cluster.create(
        ConfigMap.newBuilder().setMetadata(meta("settings")).putData("mode", "a").build());
    create(spec(2, "web:1").setTemplate(templateUsingConfig()));
    readyAll();
    String first =
        replicaSets()
            .get(0)
            .getSpec()
            .getTemplate()
            .getMetadata()
            .getAnnotationsOrThrow(DeploymentController.CONFIG_HASH);
    changeConfig("b");
    readyAll();
    readyAll();
    assertThat(replicaSets()).hasSize(2);
    String second =
        replicaSets()
            .get(1)
            .getSpec()
            .getTemplate()
            .getMetadata()
            .getAnnotationsOrThrow(DeploymentController.CONFIG_HASH);
    assertThat(second).isNotEqualTo(first);
    assertThat(activePods())
        .hasSize(2)
        .allMatch(
            p ->
                second.equals(
                    p.getMetadata().getAnnotationsOrDefault(DeploymentController.CONFIG_HASH, "")));
    // The user's spec is not rewritten.
    assertThat(deployment().getSpec().getTemplate().getMetadata().getAnnotationsMap()).isEmpty();
  }

  @Test
  void configChangesDoNotRollWhenOptedOut() {
    h.cluster.create(
        ConfigMap.newBuilder().setMetadata(meta("settings")).putData("mode", "a").build());
    create(spec(2, "web:1").setTemplate(templateUsingConfig()).setRestartOnConfigChange(false));
    readyAll();
    changeConfig("b");
    readyAll();
    assertThat(replicaSets()).hasSize(1);
  }

  @Test
  void ownedReplicaSetsAndPodsCarryControllerReferences() {
    Deployment d = create(spec(1, "web:1"));
    ReplicaSet rs = replicaSets().get(0);
    assertThat(ApiObjects.isControlledBy(rs.getMetadata(), d.getMetadata().getUid())).isTrue();
    assertThat(
            ApiObjects.isControlledBy(activePods().get(0).getMetadata(), rs.getMetadata().getUid()))
        .isTrue();
  }

  @Test
  void aReplicaSetThatCannotCreatePodsShowsAsReplicaFailureOnTheDeployment() {
    h.cluster.rejectPodCreates("pods: quota exceeded");
    create(spec(2, "web:1"));

    Condition failure = condition("ReplicaFailure");
    assertThat(failure.getStatus()).isEqualTo(ConditionStatus.CONDITION_STATUS_TRUE);
    assertThat(failure.getReason()).isEqualTo("FailedCreate");
    assertThat(failure.getMessage()).contains("quota exceeded");

    h.cluster.rejectPodCreates(null);
    h.advance(Duration.ofMinutes(5));
    readyAll();
    assertThat(deployment().getStatus().getConditionsList())
        .noneMatch(c -> c.getType().equals("ReplicaFailure"));
    assertThat(activePods()).hasSize(2);
  }
}
