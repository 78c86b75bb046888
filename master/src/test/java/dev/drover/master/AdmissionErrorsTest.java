package dev.drover.master;

import static dev.drover.master.Fixtures.violatedFields;
import static dev.drover.testing.TestObjects.container;
import static dev.drover.testing.TestObjects.pod;
import static dev.drover.testing.TestObjects.requests;
import static dev.drover.testing.TestObjects.wrap;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.drover.api.ServiceTypes;
import dev.drover.api.v1.ApplyRequest;
import dev.drover.api.v1.ApplyResult;
import dev.drover.api.v1.ControlServiceGrpc;
import dev.drover.api.v1.CreateRequest;
import dev.drover.api.v1.EnvVar;
import dev.drover.api.v1.EnvVarSource;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.ListRequest;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.SecretKeySelector;
import dev.drover.api.v1.Service;
import dev.drover.api.v1.ServicePort;
import dev.drover.api.v1.ServiceSpec;
import dev.drover.api.v1.ServiceType;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What the API tells a client about an object it refuses or admits with a caveat: violations name
 * fields as manifests spell them and never with an empty path, a dry run is refused where the real
 * request would be, quantities too large to account are refused, and a LoadBalancer Service is
 * served as NodePort with a warning.
 */
class AdmissionErrorsTest {
  private static InProcessMaster master;

  private static ControlServiceGrpc.ControlServiceBlockingStub api() {
    return master.control();
  }

  @BeforeAll
  static void startTheApiAlone() {
    master = new InProcessMaster(b -> b.scheduler(false).controllers(false));
  }

  @AfterAll
  static void stopIt() throws Exception {
    master.close();
  }

  private static StatusRuntimeException refused(Object object) {
    return assertThrows(
        StatusRuntimeException.class,
        () -> api().create(CreateRequest.newBuilder().setObject(object).build()));
  }

  @Test
  void violationsNameFieldsAsTheManifestSpellsThem() {
    var c =
        container("main", "busybox:1")
            .addEnv(
                EnvVar.newBuilder()
                    .setName("A")
                    .setValue("x")
                    .setValueFrom(
                        EnvVarSource.newBuilder()
                            .setSecretKeyRef(
                                SecretKeySelector.newBuilder().setName("s").setKey("k"))));
    StatusRuntimeException e = refused(wrap(pod("default", "env", c)));
    assertThat(violatedFields(e)).containsExactly("spec.containers[0].env[0].valueFrom");
    assertThat(e.getStatus().getDescription())
        .contains("spec.containers[0].env[0].valueFrom: ")
        .doesNotContain("value_from:");
  }

  @Test
  void anOversizedObjectNamesWhereTheViolationIs() {
    Object big =
        wrap(
            pod("default", "big", container("main", "busybox:1"))
                .setMetadata(
                    ObjectMeta.newBuilder()
                        .setName("big")
                        .setNamespace("default")
                        .putAnnotations("note", "x".repeat(1_100_000))));
    StatusRuntimeException e = refused(big);
    assertThat(violatedFields(e)).isNotEmpty().doesNotContain("").contains("metadata");
  }

  @Test
  void aQuantityTooLargeToAccountIsRefusedWithItsField() {
    StatusRuntimeException e =
        refused(
            wrap(
                pod(
                    "default",
                    "huge",
                    container("main", "busybox:1").setResources(requests("1e100", "64Mi")))));
    assertThat(violatedFields(e)).containsExactly("spec.containers[0].resources.requests.cpu");
    assertThat(e.getStatus().getDescription()).contains("1e100").contains("too large");
  }

  @Test
  void dryRunIsRefusedWhereTheRealRequestWouldBe() {
    Object object = wrap(pod("nope-ns", "p", container("main", "busybox:1")));
    for (boolean dryRun : new boolean[] {true, false}) {
      StatusRuntimeException apply =
          assertThrows(
              StatusRuntimeException.class,
              () ->
                  api()
                      .apply(
                          ApplyRequest.newBuilder().addObjects(object).setDryRun(dryRun).build()));
      assertThat(apply.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
      assertThat(apply.getStatus().getDescription()).isEqualTo("Namespace nope-ns not found");
      StatusRuntimeException create =
          assertThrows(
              StatusRuntimeException.class,
              () ->
                  api()
                      .create(
                          CreateRequest.newBuilder().setObject(object).setDryRun(dryRun).build()));
      assertThat(create.getStatus().getDescription()).isEqualTo("Namespace nope-ns not found");
    }
  }

  @Test
  void loadBalancerIsServedAsNodePortWithAWarning() {
    Object lb =
        wrap(
            Service.newBuilder()
                .setMetadata(ObjectMeta.newBuilder().setName("lb").setNamespace("default"))
                .setSpec(
                    ServiceSpec.newBuilder()
                        .setType(ServiceType.SERVICE_TYPE_LOAD_BALANCER)
                        .putSelector("app", "web")
                        .addPorts(ServicePort.newBuilder().setPort(80))));
    ApplyResult result =
        api().apply(ApplyRequest.newBuilder().addObjects(lb).build()).getResults(0);
    assertThat(result.getWarningsList()).containsExactly(ServiceTypes.LOAD_BALANCER_WARNING);
    int nodePort = result.getObject().getService().getSpec().getPorts(0).getNodePort();
    assertThat(nodePort).isBetween(30000, 32767);
    assertThat(
            api()
                .list(
                    ListRequest.newBuilder()
                        .setKind(Kind.KIND_SERVICE)
                        .setNamespace("default")
                        .build())
                .getItemsList())
        .anyMatch(o -> o.getService().getSpec().getPorts(0).getNodePort() == nodePort);
  }
}
