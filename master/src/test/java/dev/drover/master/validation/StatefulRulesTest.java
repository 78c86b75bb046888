package dev.drover.master.validation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.api.PersistentVolumes;
import dev.drover.api.v1.HostPathVolumeSource;
import dev.drover.api.v1.LocalVolumeSource;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.PersistentVolume;
import dev.drover.api.v1.PersistentVolumeAccessMode;
import dev.drover.api.v1.PersistentVolumeClaim;
import dev.drover.api.v1.PersistentVolumeClaimSpec;
import dev.drover.api.v1.PersistentVolumeReclaimPolicy;
import dev.drover.api.v1.PersistentVolumeSpec;
import dev.drover.api.v1.PodManagementPolicyType;
import dev.drover.api.v1.ResourceRequirements;
import dev.drover.api.v1.ServiceSpec;
import dev.drover.api.v1.StatefulSet;
import dev.drover.api.v1.StatefulSetSpec;
import dev.drover.api.v1.StatefulSetUpdateStrategyType;
import dev.drover.api.v1.VolumeMount;
import dev.drover.testing.TestObjects;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Defaults and rules of StatefulSets, PersistentVolumes, PersistentVolumeClaims and headless
 * services.
 */
class StatefulRulesTest {
  private static final Validator VALIDATOR = new Validator();
  private static final Defaulter DEFAULTER = new Defaulter();
  private static final PersistentVolumeAccessMode RWO =
      PersistentVolumeAccessMode.PERSISTENT_VOLUME_ACCESS_MODE_READ_WRITE_ONCE;

  private static PersistentVolumeClaimSpec.Builder claimSpec(String size) {
    return PersistentVolumeClaimSpec.newBuilder()
        .addAccessModes(RWO)
        .setResources(ResourceRequirements.newBuilder().putRequests("storage", size));
  }

  private static Object statefulSet(Consumer<StatefulSetSpec.Builder> change) {
    Map<String, String> labels = Map.of("app", "web");
    StatefulSetSpec.Builder spec =
        StatefulSetSpec.newBuilder()
            .setSelector(TestObjects.selector(labels))
            .setServiceName("nginx")
            .setTemplate(
                TestObjects.template(
                    labels,
                    TestObjects.container("main", TestObjects.IMAGE)
                        .addVolumeMounts(
                            VolumeMount.newBuilder().setName("www").setMountPath("/data"))))
            .addVolumeClaimTemplates(
                PersistentVolumeClaim.newBuilder()
                    .setMetadata(TestObjects.meta("www").toBuilder().clearNamespace())
                    .setSpec(claimSpec("1Gi")));
    change.accept(spec);
    return DEFAULTER.withDefaults(
        TestObjects.wrap(
            StatefulSet.newBuilder().setMetadata(TestObjects.meta("web")).setSpec(spec)));
  }

  private static List<String> fields(Object object) {
    return VALIDATOR.validate(object, Operation.CREATE, null).stream()
        .map(FieldViolation::field)
        .toList();
  }

  @Test
  void aStatefulSetIsDefaultedAndMayMountItsClaimTemplates() {
    Object set = statefulSet(s -> {});
    assertThat(fields(set)).isEmpty();
    StatefulSetSpec spec = set.getStatefulSet().getSpec();
    assertThat(spec.getReplicas()).isEqualTo(1);
    assertThat(spec.getPodManagementPolicy())
        .isEqualTo(PodManagementPolicyType.POD_MANAGEMENT_POLICY_TYPE_ORDERED_READY);
    assertThat(spec.getUpdateStrategy().getType())
        .isEqualTo(StatefulSetUpdateStrategyType.STATEFUL_SET_UPDATE_STRATEGY_TYPE_ROLLING_UPDATE);
    assertThat(spec.getUpdateStrategy().getRollingUpdate().getPartition()).isZero();
    assertThat(spec.getVolumeClaimTemplates(0).getSpec().getStorageClassName())
        .isEqualTo(PersistentVolumes.DEFAULT_STORAGE_CLASS);
  }

  @Test
  void badStatefulSetsNameTheirFields() {
    assertThat(fields(statefulSet(s -> s.setReplicas(-1)))).contains("spec.replicas");
    assertThat(fields(statefulSet(s -> s.setServiceName("Nginx")))).contains("spec.service_name");
    assertThat(
            fields(
                statefulSet(
                    s -> s.getUpdateStrategyBuilder().getRollingUpdateBuilder().setPartition(-2))))
        .contains("spec.update_strategy.rolling_update.partition");
    assertThat(
            fields(
                statefulSet(
                    s -> s.getVolumeClaimTemplatesBuilder(0).getSpecBuilder().clearAccessModes())))
        .contains("spec.volume_claim_templates[0].spec.access_modes");
    assertThat(fields(statefulSet(s -> s.addVolumeClaimTemplates(s.getVolumeClaimTemplates(0)))))
        .contains("spec.volume_claim_templates[1].metadata.name");
    assertThat(fields(statefulSet(s -> s.clearVolumeClaimTemplates())))
        .contains("spec.template.spec.containers[0].volume_mounts[0].name");
  }

  @Test
  void theClaimTemplatesAndSelectorOfAStatefulSetAreImmutable() {
    Object old = statefulSet(s -> {});
    Object bigger =
        statefulSet(
            s ->
                s.getVolumeClaimTemplatesBuilder(0)
                    .getSpecBuilder()
                    .getResourcesBuilder()
                    .putRequests("storage", "2Gi"));
    Object scaled = statefulSet(s -> s.setReplicas(3));
    assertThat(VALIDATOR.validate(bigger, Operation.UPDATE, old))
        .extracting(FieldViolation::field)
        .contains("spec.volume_claim_templates");
    assertThat(VALIDATOR.validate(scaled, Operation.UPDATE, old)).isEmpty();
  }

  private static Object claim(PersistentVolumeClaimSpec.Builder spec) {
    return DEFAULTER.withDefaults(
        TestObjects.wrap(
            PersistentVolumeClaim.newBuilder()
                .setMetadata(TestObjects.meta("data"))
                .setSpec(spec)));
  }

  @Test
  void aClaimNeedsAccessModesAndAPositiveSize() {
    assertThat(fields(claim(claimSpec("1Gi")))).isEmpty();
    assertThat(claim(claimSpec("1Gi")).getPersistentVolumeClaim().getSpec().getStorageClassName())
        .isEqualTo("local");
    assertThat(fields(claim(claimSpec("0")))).contains("spec.resources.requests[storage]");
    assertThat(fields(claim(claimSpec("lots")))).contains("spec.resources.requests[storage]");
    assertThat(fields(claim(claimSpec("1Gi").clearAccessModes()))).contains("spec.access_modes");
    assertThat(fields(claim(claimSpec("1Gi").setVolumeMode("Block")))).contains("spec.volume_mode");
  }

  @Test
  void aBoundClaimKeepsItsVolume() {
    Object unbound = claim(claimSpec("1Gi"));
    Object bound = claim(claimSpec("1Gi").setVolumeName("pv-1"));
    Object rebound = claim(claimSpec("1Gi").setVolumeName("pv-2"));
    Object resized = claim(claimSpec("5Gi").setVolumeName("pv-1"));
    assertThat(VALIDATOR.validate(bound, Operation.UPDATE, unbound)).isEmpty();
    assertThat(VALIDATOR.validate(rebound, Operation.UPDATE, bound))
        .extracting(FieldViolation::field)
        .containsExactly("spec.volume_name");
    assertThat(VALIDATOR.validate(resized, Operation.UPDATE, bound))
        .extracting(FieldViolation::field)
        .containsExactly("spec");
  }

  private static Object volume(Consumer<PersistentVolumeSpec.Builder> change) {
    PersistentVolumeSpec.Builder spec =
        PersistentVolumeSpec.newBuilder()
            .putCapacity("storage", "20Gi")
            .addAccessModes(RWO)
            .setStorageClassName("manual")
            .setHostPath(HostPathVolumeSource.newBuilder().setPath("/mnt/data"));
    change.accept(spec);
    return DEFAULTER.withDefaults(
        TestObjects.wrap(
            PersistentVolume.newBuilder()
                .setMetadata(TestObjects.meta("pv-1").toBuilder().clearNamespace())
                .setSpec(spec)));
  }

  @Test
  void aVolumeNeedsASizeAccessModesAndASource() {
    assertThat(fields(volume(s -> {}))).isEmpty();
    assertThat(volume(s -> {}).getPersistentVolume().getSpec().getPersistentVolumeReclaimPolicy())
        .isEqualTo(PersistentVolumeReclaimPolicy.PERSISTENT_VOLUME_RECLAIM_POLICY_RETAIN);
    assertThat(fields(volume(PersistentVolumeSpec.Builder::clearCapacity)))
        .contains("spec.capacity[storage]");
    assertThat(fields(volume(PersistentVolumeSpec.Builder::clearSource))).contains("spec");
    assertThat(fields(volume(s -> s.getHostPathBuilder().setPath("relative"))))
        .contains("spec.host_path.path");
    assertThat(fields(volume(s -> s.setLocal(LocalVolumeSource.newBuilder().setPath("/d")))))
        .contains("spec.node_affinity");
    Object pinned =
        volume(
            s ->
                s.setLocal(LocalVolumeSource.newBuilder().setPath("/d"))
                    .setNodeAffinity(PersistentVolumes.onNode("n1")));
    assertThat(fields(pinned)).isEmpty();
    assertThat(VALIDATOR.validate(volume(s -> {}), Operation.UPDATE, pinned))
        .extracting(FieldViolation::field)
        .contains("spec", "spec.node_affinity");
  }

  @Test
  void aHeadlessServiceNeedsNoPortsAndNothingButNoneIsAClusterIp() {
    Object headless =
        DEFAULTER.withDefaults(
            TestObjects.wrap(
                dev.drover.api.v1.Service.newBuilder()
                    .setMetadata(TestObjects.meta("nginx"))
                    .setSpec(
                        ServiceSpec.newBuilder().setClusterIp("None").putSelector("app", "web"))));
    assertThat(fields(headless)).isEmpty();
    Object withIp =
        headless.toBuilder()
            .setService(
                headless.getService().toBuilder()
                    .setSpec(headless.getService().getSpec().toBuilder().setClusterIp("10.0.0.1")))
            .build();
    assertThat(fields(withIp)).contains("spec.cluster_ip");
  }
}
