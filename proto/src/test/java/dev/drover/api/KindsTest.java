package dev.drover.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import dev.drover.api.v1.ConfigMap;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodSpec;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Checks the facts about every kind and the generic object access. */
class KindsTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "KIND_NAMESPACE, NAMESPACE, false, Namespace, v1, namespaces, namespace, ns",
    "KIND_NODE, NODE, false, Node, v1, nodes, node, no",
    "KIND_POD, POD, true, Pod, v1, pods, pod, po",
    "KIND_DEPLOYMENT, DEPLOYMENT, true, Deployment, apps/v1, deployments, deployment, deploy",
    "KIND_REPLICA_SET, REPLICA_SET, true, ReplicaSet, apps/v1, replicasets, replicaset, rs",
    "KIND_DAEMON_SET, DAEMON_SET, true, DaemonSet, apps/v1, daemonsets, daemonset, ds",
    "KIND_JOB, JOB, true, Job, batch/v1, jobs, job, ''",
    "KIND_SERVICE, SERVICE, true, Service, v1, services, service, svc",
    "KIND_ENDPOINTS, ENDPOINTS, true, Endpoints, v1, endpoints, endpoints, ep",
    "KIND_EVENT, EVENT, true, Event, v1, events, event, ev",
    "KIND_SECRET, SECRET, true, Secret, v1, secrets, secret, ''",
    "KIND_CONFIG_MAP, CONFIG_MAP, true, ConfigMap, v1, configmaps, configmap, cm",
    "KIND_LEASE, LEASE, true, Lease, coordination.k8s.io/v1, leases, lease, ''",
    "KIND_STATEFUL_SET, STATEFUL_SET, true, StatefulSet, apps/v1, statefulsets, statefulset, sts",
    "KIND_PERSISTENT_VOLUME, PERSISTENT_VOLUME, false, PersistentVolume, v1, persistentvolumes,"
        + " persistentvolume, pv",
    "KIND_PERSISTENT_VOLUME_CLAIM, PERSISTENT_VOLUME_CLAIM, true, PersistentVolumeClaim, v1,"
        + " persistentvolumeclaims, persistentvolumeclaim, pvc",
  })
  void factsPerKind(
      Kind kind,
      dev.drover.api.v1.Object.KindCase objectCase,
      boolean namespaced,
      String kindName,
      String apiVersion,
      String plural,
      String singular,
      String shortName) {
    Kinds.Info info = Kinds.info(kind);
    assertThat(info.objectCase()).isEqualTo(objectCase);
    assertThat(Kinds.objectCase(kind)).isEqualTo(objectCase);
    assertThat(info.namespaced()).isEqualTo(namespaced);
    assertThat(Kinds.isNamespaced(kind)).isEqualTo(namespaced);
    assertThat(info.kindName()).isEqualTo(kindName);
    assertThat(info.apiVersion()).isEqualTo(apiVersion);
    assertThat(info.plural()).isEqualTo(plural);
    assertThat(info.singular()).isEqualTo(singular);
    assertThat(info.shortNames()).isEqualTo(shortName.isEmpty() ? List.of() : List.of(shortName));
    assertThat(Kinds.fromCliName(plural)).contains(kind);
    assertThat(Kinds.fromCliName(singular)).contains(kind);
    assertThat(Kinds.fromCliName(kindName)).contains(kind);
    assertThat(Kinds.fromCliName(plural.toUpperCase())).contains(kind);
    if (!shortName.isEmpty()) {
      assertThat(Kinds.fromCliName(shortName)).contains(kind);
    }
    assertThat(Kinds.fromManifest(apiVersion, kindName)).contains(kind);
    assertThat(Kinds.fromManifest("wrong/v1", kindName)).isEmpty();
  }

  @Test
  void everyKindIsCovered() {
    assertThat(Kinds.all()).hasSize(Kind.values().length - 2);
    assertThat(Kinds.all()).doesNotContain(Kind.KIND_UNSPECIFIED, Kind.UNRECOGNIZED);
    assertThatThrownBy(() -> Kinds.info(Kind.KIND_UNSPECIFIED))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void cliNamesWithGroupsAndUnknownNames() {
    assertThat(Kinds.fromCliName("deployments.apps")).contains(Kind.KIND_DEPLOYMENT);
    assertThat(Kinds.fromCliName("jobs.batch")).contains(Kind.KIND_JOB);
    assertThat(Kinds.fromCliName("leases.coordination.k8s.io")).contains(Kind.KIND_LEASE);
    assertThat(Kinds.fromCliName("deployments.batch")).isEmpty();
    assertThat(Kinds.fromCliName("widgets")).isEmpty();
    assertThat(Kinds.fromManifest("v1", "Widget")).isEmpty();
  }

  /** For every kind: wrap, unwrap and metadata access agree with the typed messages. */
  @Test
  void genericAccessWorksForEveryKind() {
    for (Kind kind : Kinds.all()) {
      FieldDescriptor field =
          dev.drover.api.v1.Object.getDescriptor().findFieldByNumber(kind.getNumber());
      ObjectMeta meta = ObjectMeta.newBuilder().setName("x-" + kind.getNumber()).build();
      Message.Builder builder = dev.drover.api.v1.Object.newBuilder().newBuilderForField(field);
      builder.setField(builder.getDescriptorForType().findFieldByName("metadata"), meta);
      Message typed = builder.build();

      dev.drover.api.v1.Object wrapped = Kinds.wrap(typed);
      assertThat(Kinds.kindOf(wrapped)).as("kind of %s", kind).isEqualTo(kind);
      assertThat(wrapped.getKindCase()).isEqualTo(Kinds.objectCase(kind));
      assertThat(Kinds.kindOfMessage(typed)).contains(kind);
      assertThat(Kinds.unwrap(wrapped)).isEqualTo(typed);
      assertThat(ApiObjects.meta(wrapped)).isEqualTo(meta);

      ObjectMeta other = meta.toBuilder().setNamespace("ns").putLabels("a", "b").build();
      dev.drover.api.v1.Object replaced = ApiObjects.withMeta(wrapped, other);
      assertThat(ApiObjects.meta(replaced)).isEqualTo(other);
      assertThat(Kinds.kindOf(replaced)).isEqualTo(kind);
    }
  }

  @Test
  void typedUnwrapChecksTheType() {
    dev.drover.api.v1.Object object =
        Kinds.wrap(Pod.newBuilder().setSpec(PodSpec.newBuilder().setNodeName("n")).build());
    assertThat(Kinds.unwrap(object, Pod.class).getSpec().getNodeName()).isEqualTo("n");
    assertThatThrownBy(() -> Kinds.unwrap(object, ConfigMap.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("holds a Pod, not a ConfigMap");
    assertThatThrownBy(() -> Kinds.kindOf(dev.drover.api.v1.Object.getDefaultInstance()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Kinds.wrap(ObjectMeta.getDefaultInstance()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("drover.v1.ObjectMeta is not an object kind");
    assertThat(ApiObjects.meta(object)).isEqualTo(ObjectMeta.getDefaultInstance());
  }

  @Test
  void keysAndPrefixes() {
    assertThat(Kinds.key(Kind.KIND_POD, "default", "web")).isEqualTo("/registry/pods/default/web");
    assertThat(Kinds.key(Kind.KIND_NODE, "", "n1")).isEqualTo("/registry/nodes/n1");
    assertThat(Kinds.key(Kind.KIND_CONFIG_MAP, "a", "b")).isEqualTo("/registry/configmaps/a/b");
    assertThat(Kinds.prefix(Kind.KIND_POD, "default")).isEqualTo("/registry/pods/default/");
    assertThat(Kinds.prefix(Kind.KIND_POD, "")).isEqualTo("/registry/pods/");
    assertThat(Kinds.prefix(Kind.KIND_POD)).isEqualTo("/registry/pods/");
    assertThat(Kinds.prefix(Kind.KIND_NAMESPACE, "ignored")).isEqualTo("/registry/namespaces/");
    assertThat(Kinds.key(Kind.KIND_POD, "default", "web"))
        .startsWith(Kinds.prefix(Kind.KIND_POD, "default"));
    // A namespace's prefix must not also cover a namespace whose name extends it.
    assertThat(Kinds.key(Kind.KIND_POD, "default2", "web"))
        .doesNotStartWith(Kinds.prefix(Kind.KIND_POD, "default"));
    dev.drover.api.v1.Object pod =
        Kinds.wrap(
            Pod.newBuilder()
                .setMetadata(ObjectMeta.newBuilder().setNamespace("ns").setName("p"))
                .build());
    assertThat(Kinds.key(pod)).isEqualTo("/registry/pods/ns/p");
    assertThatThrownBy(() -> Kinds.key(Kind.KIND_POD, "", "web"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("namespaced");
    assertThatThrownBy(() -> Kinds.key(Kind.KIND_NODE, "default", "n1"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cluster-scoped");
    assertThatThrownBy(() -> Kinds.key(Kind.KIND_POD, "default", ""))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
