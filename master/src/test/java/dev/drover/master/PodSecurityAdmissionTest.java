package dev.drover.master;

import static dev.drover.master.Fixtures.violatedFields;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.drover.api.v1.Capabilities;
import dev.drover.api.v1.Container;
import dev.drover.api.v1.Deployment;
import dev.drover.api.v1.HostPathVolumeSource;
import dev.drover.api.v1.Namespace;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.SecurityContext;
import dev.drover.api.v1.Volume;
import dev.drover.api.v1.VolumeMount;
import dev.drover.client.DroverClient;
import dev.drover.master.validation.PodSecurity;
import dev.drover.store.KvStores;
import dev.drover.testing.TestObjects;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Admission by the namespace's pod security policy, through the API: the hostPath-"/" pod
 * with hostNetwork is refused in the default namespace with the fields named as in the manifest,
 * and admitted where the policy allows it.
 */
class PodSecurityAdmissionTest {
  private Master master;
  private DroverClient client;

  @BeforeEach
  void setUp() {
    master = Master.builder().apiPort(0).store(KvStores::inMemory, true).start();
    client = DroverClient.builder().endpoint(master.apiAddress()).build();
  }

  @AfterEach
  void tearDown() {
    client.close();
    master.close();
  }

  /** The pod of issue 15: the host's root filesystem and network. */
  private static Pod rootOfTheHost(String ns) {
    Container.Builder c =
        TestObjects.container("c", TestObjects.IMAGE)
            .addVolumeMounts(VolumeMount.newBuilder().setName("host").setMountPath("/host"));
    return TestObjects.pod(ns, "root")
        .setSpec(
            TestObjects.podSpec(c)
                .setHostNetwork(true)
                .addVolumes(
                    Volume.newBuilder()
                        .setName("host")
                        .setHostPath(HostPathVolumeSource.newBuilder().setPath("/"))))
        .build();
  }

  private static Container.Builder privilegedContainer() {
    return TestObjects.container("c", TestObjects.IMAGE)
        .setSecurityContext(SecurityContext.newBuilder().setPrivileged(true));
  }

  private static Pod privileged(String ns, String name) {
    return TestObjects.pod(ns, name, privilegedContainer()).build();
  }

  @Test
  void hostPathAndHostNetworkAreRefusedInTheDefaultNamespaceWithTheFieldsNamed() {
    StatusRuntimeException e =
        catchThrowableOfType(
            StatusRuntimeException.class, () -> client.pods().create(rootOfTheHost("default")));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(violatedFields(e)).containsExactly("spec.hostNetwork", "spec.volumes[0].hostPath");
    assertThat(e.getStatus().getDescription()).contains(PodSecurity.ALLOW_PRIVILEGED);

    StatusRuntimeException p =
        catchThrowableOfType(
            StatusRuntimeException.class, () -> client.pods().create(privileged("default", "p")));
    assertThat(violatedFields(p)).containsExactly("spec.containers[0].securityContext.privileged");
  }

  @Test
  void templatesAreCheckedAndCapabilitiesBeyondTheBaselineAreRefused() {
    Deployment.Builder d = TestObjects.deployment("default", "web", 1, privilegedContainer());
    StatusRuntimeException e =
        catchThrowableOfType(
            StatusRuntimeException.class, () -> client.deployments().create(d.build()));
    assertThat(violatedFields(e))
        .containsExactly("spec.template.spec.containers[0].securityContext.privileged");

    Container.Builder adds =
        TestObjects.container("c", TestObjects.IMAGE)
            .setSecurityContext(
                SecurityContext.newBuilder()
                    .setCapabilities(
                        Capabilities.newBuilder()
                            .addAdd("NET_BIND_SERVICE")
                            .addAdd("SYS_ADMIN")
                            .addDrop("NOT_A_CAP")));
    StatusRuntimeException c =
        catchThrowableOfType(
            StatusRuntimeException.class,
            () -> client.pods().create(TestObjects.pod("default", "caps", adds).build()));
    assertThat(violatedFields(c))
        .containsExactlyInAnyOrder(
            "spec.containers[0].securityContext.capabilities.add[1]",
            "spec.containers[0].securityContext.capabilities.drop[0]");
  }

  @Test
  void theNamespacePolicyAndSystemNamespacesAllowThem() {
    client
        .namespaces()
        .create(
            Namespace.newBuilder()
                .setMetadata(
                    ObjectMeta.newBuilder()
                        .setName("infra")
                        .putAnnotations(PodSecurity.ALLOW_PRIVILEGED, "true"))
                .build());
    client
        .namespaces()
        .create(
            Namespace.newBuilder()
                .setMetadata(ObjectMeta.newBuilder().setName("kube-system"))
                .build());
    assertThat(client.pods().create(rootOfTheHost("infra")).getMetadata().getUid()).isNotEmpty();
    assertThat(client.pods().create(privileged("kube-system", "p")).getMetadata().getUid())
        .isNotEmpty();
    assertThat(client.pods().create(privileged("drover-system", "p")).getMetadata().getUid())
        .isNotEmpty();
  }
}
