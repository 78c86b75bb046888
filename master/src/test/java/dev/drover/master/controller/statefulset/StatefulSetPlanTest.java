package dev.drover.master.controller.statefulset;

import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.api.ApiObjects;
import dev.drover.api.v1.PersistentVolumeAccessMode;
import dev.drover.api.v1.PersistentVolumeClaim;
import dev.drover.api.v1.PersistentVolumeClaimSpec;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodManagementPolicyType;
import dev.drover.api.v1.PodPhase;
import dev.drover.api.v1.ResourceRequirements;
import dev.drover.api.v1.RollingUpdateStatefulSetStrategy;
import dev.drover.api.v1.StatefulSet;
import dev.drover.api.v1.StatefulSetSpec;
import dev.drover.api.v1.StatefulSetStatus;
import dev.drover.api.v1.StatefulSetUpdateStrategy;
import dev.drover.api.v1.StatefulSetUpdateStrategyType;
import dev.drover.api.v1.Volume;
import dev.drover.testing.TestObjects;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The stateful set decisions: ordered and parallel management, scale-down, rolling update. */
class StatefulSetPlanTest {
  private static final String REV = "web-new";
  private static final String OLD = "web-old";

  private static StatefulSet.Builder set(int replicas, PodManagementPolicyType policy) {
    Map<String, String> labels = Map.of("app", "web");
    return StatefulSet.newBuilder()
        .setMetadata(TestObjects.meta("web").toBuilder().setUid("set-uid"))
        .setSpec(
            StatefulSetSpec.newBuilder()
                .setReplicas(replicas)
                .setSelector(TestObjects.selector(labels))
                .setServiceName("nginx")
                .setPodManagementPolicy(policy)
                .setTemplate(TestObjects.template(labels, TestObjects.IMAGE))
                .addVolumeClaimTemplates(
                    PersistentVolumeClaim.newBuilder()
                        .setMetadata(TestObjects.meta("www"))
                        .setSpec(
                            PersistentVolumeClaimSpec.newBuilder()
                                .addAccessModes(
                                    PersistentVolumeAccessMode
                                        .PERSISTENT_VOLUME_ACCESS_MODE_READ_WRITE_ONCE)
                                .setResources(
                                    ResourceRequirements.newBuilder()
                                        .putRequests("storage", "1Gi")))));
  }

  private static StatefulSet ordered(int replicas) {
    return set(replicas, PodManagementPolicyType.POD_MANAGEMENT_POLICY_TYPE_ORDERED_READY).build();
  }

  private static StatefulSet parallel(int replicas) {
    return set(replicas, PodManagementPolicyType.POD_MANAGEMENT_POLICY_TYPE_PARALLEL).build();
  }

  /** Pod {@code ordinal} of the set at {@code revision}, Running and ready. */
  private static Pod ready(StatefulSet set, int ordinal, String revision) {
    Pod pod = StatefulIdentity.newPod(set, ordinal, revision);
    return pod.toBuilder()
        .setStatus(
            TestObjects.runningPod(pod.getMetadata().getName(), "n1", 0).getStatus().toBuilder())
        .build();
  }

  private static Pod pending(StatefulSet set, int ordinal) {
    Pod pod = StatefulIdentity.newPod(set, ordinal, REV);
    return pod.toBuilder()
        .setStatus(pod.getStatus().toBuilder().setPhase(PodPhase.POD_PHASE_PENDING))
        .build();
  }

  private static Pod terminating(Pod pod) {
    return pod.toBuilder()
        .setMetadata(
            pod.getMetadata().toBuilder().setDeletionTime(ApiObjects.timestamp(Instant.EPOCH)))
        .build();
  }

  private static List<String> names(List<Pod> pods) {
    return pods.stream().map(p -> p.getMetadata().getName()).toList();
  }

  @Test
  void orderedCreatesOnePodAtATimeAndWaitsForItToBeReady() {
    StatefulSet set = ordered(3);
    assertThat(StatefulSetPlan.of(set, REV, List.of()).create()).containsExactly(0);
    assertThat(StatefulSetPlan.of(set, REV, List.of(pending(set, 0))).create()).isEmpty();
    assertThat(StatefulSetPlan.of(set, REV, List.of(ready(set, 0, REV))).create())
        .containsExactly(1);
  }

  @Test
  void parallelCreatesEveryMissingPodAtOnce() {
    StatefulSet set = parallel(3);
    assertThat(StatefulSetPlan.of(set, REV, List.of(pending(set, 1))).create())
        .containsExactly(0, 2);
  }

  @Test
  void aDeletedPodComesBackUnderItsNameOnlyOnceTheOldOneIsGone() {
    StatefulSet set = ordered(3);
    Pod zero = ready(set, 0, REV);
    Pod two = ready(set, 2, REV);
    StatefulSetPlan waiting =
        StatefulSetPlan.of(set, REV, List.of(zero, terminating(ready(set, 1, REV)), two));
    assertThat(waiting.create()).isEmpty();
    assertThat(waiting.delete()).isEmpty();
    assertThat(StatefulSetPlan.of(set, REV, List.of(zero, two)).create()).containsExactly(1);
  }

  @Test
  void aFinishedPodIsDeletedToBeCreatedAgain() {
    StatefulSet set = ordered(2);
    Pod failed = ready(set, 0, REV);
    failed =
        failed.toBuilder()
            .setStatus(failed.getStatus().toBuilder().setPhase(PodPhase.POD_PHASE_FAILED))
            .build();
    StatefulSetPlan plan = StatefulSetPlan.of(set, REV, List.of(failed, ready(set, 1, REV)));
    assertThat(names(plan.delete())).containsExactly("web-0");
    assertThat(plan.create()).isEmpty();
  }

  @Test
  void orderedScaleDownRemovesTheHighestOrdinalFirstOneAtATime() {
    StatefulSet set = ordered(1);
    List<Pod> pods = List.of(ready(set, 0, REV), ready(set, 1, REV), ready(set, 2, REV));
    assertThat(names(StatefulSetPlan.of(set, REV, pods).delete())).containsExactly("web-2");
    List<Pod> stillTerminating =
        List.of(ready(set, 0, REV), ready(set, 1, REV), terminating(ready(set, 2, REV)));
    assertThat(StatefulSetPlan.of(set, REV, stillTerminating).delete()).isEmpty();
  }

  @Test
  void orderedScaleDownWaitsWhileAWantedPodIsNotReady() {
    StatefulSet set = ordered(1);
    assertThat(StatefulSetPlan.of(set, REV, List.of(pending(set, 0), ready(set, 1, REV))).delete())
        .isEmpty();
  }

  @Test
  void parallelScaleDownRemovesEveryCondemnedPod() {
    StatefulSet set = parallel(1);
    List<Pod> pods = List.of(pending(set, 0), ready(set, 1, REV), ready(set, 2, REV));
    assertThat(names(StatefulSetPlan.of(set, REV, pods).delete()))
        .containsExactly("web-2", "web-1");
  }

  @Test
  void rollingUpdateReplacesTheHighestOldOrdinalDownToThePartition() {
    StatefulSet.Builder builder =
        set(3, PodManagementPolicyType.POD_MANAGEMENT_POLICY_TYPE_ORDERED_READY);
    builder
        .getSpecBuilder()
        .setUpdateStrategy(
            StatefulSetUpdateStrategy.newBuilder()
                .setType(
                    StatefulSetUpdateStrategyType.STATEFUL_SET_UPDATE_STRATEGY_TYPE_ROLLING_UPDATE)
                .setRollingUpdate(RollingUpdateStatefulSetStrategy.newBuilder().setPartition(1)));
    StatefulSet set = builder.build();
    List<Pod> allOld = List.of(ready(set, 0, OLD), ready(set, 1, OLD), ready(set, 2, OLD));
    assertThat(names(StatefulSetPlan.of(set, REV, allOld).delete())).containsExactly("web-2");
    List<Pod> twoDone = List.of(ready(set, 0, OLD), ready(set, 1, OLD), ready(set, 2, REV));
    assertThat(names(StatefulSetPlan.of(set, REV, twoDone).delete())).containsExactly("web-1");
    List<Pod> atPartition = List.of(ready(set, 0, OLD), ready(set, 1, REV), ready(set, 2, REV));
    assertThat(StatefulSetPlan.of(set, REV, atPartition).delete()).isEmpty();
  }

  @Test
  void onDeleteNeverReplacesPodsByItself() {
    StatefulSet.Builder builder =
        set(2, PodManagementPolicyType.POD_MANAGEMENT_POLICY_TYPE_ORDERED_READY);
    builder
        .getSpecBuilder()
        .getUpdateStrategyBuilder()
        .setType(StatefulSetUpdateStrategyType.STATEFUL_SET_UPDATE_STRATEGY_TYPE_ON_DELETE);
    StatefulSet set = builder.build();
    assertThat(
            StatefulSetPlan.of(set, REV, List.of(ready(set, 0, OLD), ready(set, 1, OLD))).delete())
        .isEmpty();
  }

  @Test
  void podsHaveStableNamesHostnamesAndOneClaimPerTemplate() {
    StatefulSet set = ordered(3);
    Pod pod = StatefulIdentity.newPod(set, 2, REV);
    assertThat(pod.getMetadata().getName()).isEqualTo("web-2");
    assertThat(pod.getSpec().getHostname()).isEqualTo("web-2");
    assertThat(pod.getSpec().getSubdomain()).isEqualTo("nginx");
    assertThat(pod.getMetadata().getLabelsMap())
        .containsEntry(StatefulIdentity.REVISION_LABEL, REV)
        .containsEntry(StatefulIdentity.POD_INDEX_LABEL, "2");
    assertThat(pod.getSpec().getVolumesList())
        .extracting(Volume::getName, v -> v.getPersistentVolumeClaim().getClaimName())
        .containsExactly(org.assertj.core.groups.Tuple.tuple("www", "www-web-2"));
    List<PersistentVolumeClaim> claims = StatefulIdentity.claims(set, 2);
    assertThat(claims).extracting(c -> c.getMetadata().getName()).containsExactly("www-web-2");
    assertThat(claims.get(0).getMetadata().getLabelsMap()).containsEntry("app", "web");
    assertThat(claims.get(0).getMetadata().getOwnerReferencesList()).isEmpty();
    assertThat(StatefulIdentity.ordinalOf(set, pod)).hasValue(2);
    assertThat(StatefulIdentity.ordinalOf(set, StatefulIdentity.newPod(ordered(1), 0, REV)))
        .hasValue(0);
  }

  @Test
  void statusMovesTheCurrentRevisionOnceEveryPodIsUpdated() {
    StatefulSet set =
        ordered(2).toBuilder()
            .setStatus(StatefulSetStatus.newBuilder().setCurrentRevision(OLD))
            .build();
    List<Pod> half = new ArrayList<>(List.of(ready(set, 0, OLD), ready(set, 1, REV)));
    StatefulSetStatus midway = StatefulSetController.status(set, REV, half, Instant.EPOCH);
    assertThat(midway.getCurrentRevision()).isEqualTo(OLD);
    assertThat(midway.getCurrentReplicas()).isEqualTo(1);
    assertThat(midway.getUpdatedReplicas()).isEqualTo(1);
    assertThat(midway.getReadyReplicas()).isEqualTo(2);
    StatefulSetStatus done =
        StatefulSetController.status(
            set, REV, List.of(ready(set, 0, REV), ready(set, 1, REV)), Instant.EPOCH);
    assertThat(done.getCurrentRevision()).isEqualTo(REV);
    assertThat(done.getCurrentReplicas()).isEqualTo(2);
  }
}
