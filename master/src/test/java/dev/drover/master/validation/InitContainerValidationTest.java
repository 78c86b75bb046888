package dev.drover.master.validation;

import static dev.drover.master.validation.Fixtures.with;
import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.api.v1.Container;
import dev.drover.api.v1.DownwardAPIVolumeFile;
import dev.drover.api.v1.DownwardAPIVolumeSource;
import dev.drover.api.v1.EnvVar;
import dev.drover.api.v1.EnvVarSource;
import dev.drover.api.v1.ExecAction;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.ObjectFieldSelector;
import dev.drover.api.v1.PodSpec;
import dev.drover.api.v1.Probe;
import dev.drover.api.v1.ResourceFieldSelector;
import dev.drover.api.v1.RestartPolicy;
import dev.drover.api.v1.Volume;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Validation of init containers (sidecars' restartPolicy) and of the downward API in env and
 * volumes: good specs pass; each wrong combination is refused with the field as the manifest spells
 * it and a message saying what is allowed.
 */
class InitContainerValidationTest {

  private static final Validator VALIDATOR = new Validator();

  private static List<FieldViolation> validate(Consumer<PodSpec.Builder> change) {
    Object pod =
        with(
            Fixtures.pod(),
            b -> {
              // Env indexes in the expected paths count from the first variable added here.
              b.getPodBuilder().getSpecBuilder().getContainersBuilder(0).clearEnv();
              change.accept(b.getPodBuilder().getSpecBuilder());
            });
    return VALIDATOR.validate(pod, Operation.CREATE, null);
  }

  private static Container.Builder init(String name) {
    return Container.newBuilder().setName(name).setImage("busybox:1");
  }

  private static EnvVar fieldEnv(String name, String path) {
    return EnvVar.newBuilder()
        .setName(name)
        .setValueFrom(
            EnvVarSource.newBuilder()
                .setFieldRef(ObjectFieldSelector.newBuilder().setFieldPath(path)))
        .build();
  }

  private static EnvVar resourceEnv(String name, String container, String resource, String div) {
    return EnvVar.newBuilder()
        .setName(name)
        .setValueFrom(
            EnvVarSource.newBuilder()
                .setResourceFieldRef(
                    ResourceFieldSelector.newBuilder()
                        .setContainerName(container)
                        .setResource(resource)
                        .setDivisor(div)))
        .build();
  }

  @Test
  void sidecarsAndEveryDocumentedFieldPathAreAccepted() {
    assertThat(
            validate(
                s -> {
                  s.addInitContainers(init("setup"));
                  s.addInitContainers(
                      init("proxy")
                          .setRestartPolicy(RestartPolicy.RESTART_POLICY_ALWAYS)
                          .setStartupProbe(
                              Probe.newBuilder()
                                  .setExec(ExecAction.newBuilder().addCommand("true"))));
                  Container.Builder c = s.getContainersBuilder(0);
                  for (String path :
                      List.of(
                          "metadata.name",
                          "metadata.namespace",
                          "metadata.uid",
                          "metadata.labels['app']",
                          "metadata.annotations['example.com/x']",
                          "spec.nodeName",
                          "spec.serviceAccountName",
                          "status.podIP",
                          "status.hostIP")) {
                    c.addEnv(fieldEnv("V" + c.getEnvCount(), path));
                  }
                  c.addEnv(resourceEnv("CPU", "", "limits.cpu", "1m"));
                  c.addEnv(resourceEnv("MEM", "setup", "requests.memory", "1Mi"));
                  s.addVolumes(
                      Volume.newBuilder()
                          .setName("podinfo")
                          .setDownwardApi(
                              DownwardAPIVolumeSource.newBuilder()
                                  .addItems(file("labels", "metadata.labels"))
                                  .addItems(
                                      DownwardAPIVolumeFile.newBuilder()
                                          .setPath("cpu")
                                          .setResourceFieldRef(
                                              ResourceFieldSelector.newBuilder()
                                                  .setContainerName("proxy")
                                                  .setResource("limits.cpu")))));
                }))
        .isEmpty();
  }

  private static DownwardAPIVolumeFile.Builder file(String path, String fieldPath) {
    return DownwardAPIVolumeFile.newBuilder()
        .setPath(path)
        .setFieldRef(ObjectFieldSelector.newBuilder().setFieldPath(fieldPath));
  }

  @Test
  void restartPolicyOnAMainContainerIsForbidden() {
    assertThat(
            validate(
                s ->
                    s.getContainersBuilder(0)
                        .setRestartPolicy(RestartPolicy.RESTART_POLICY_ALWAYS)))
        .containsExactly(
            new FieldViolation(
                "spec.containers[0].restartPolicy",
                "Forbidden: may not be set for non-init containers"));
  }

  @Test
  void initContainerRestartPolicyIsAlwaysOnly() {
    assertThat(
            validate(
                s ->
                    s.addInitContainers(
                        init("setup").setRestartPolicy(RestartPolicy.RESTART_POLICY_ON_FAILURE))))
        .containsExactly(
            new FieldViolation(
                "spec.initContainers[0].restartPolicy",
                "Unsupported value: \"OnFailure\": supported values: \"Always\""));
  }

  @Test
  void probesNeedASidecar() {
    assertThat(
            validate(
                s ->
                    s.addInitContainers(
                        init("setup")
                            .setReadinessProbe(
                                Probe.newBuilder()
                                    .setExec(ExecAction.newBuilder().addCommand("true"))))))
        .containsExactly(
            new FieldViolation(
                "spec.initContainers[0].readinessProbe",
                "Forbidden: may not be set for init containers without restartPolicy=Always"));
  }

  @Test
  void unknownFieldPathsAreRefusedWithTheSupportedOnes() {
    List<FieldViolation> v =
        validate(s -> s.getContainersBuilder(0).addEnv(fieldEnv("X", "spec.hostname")));
    assertThat(v).hasSize(1);
    assertThat(v.get(0).field())
        .isEqualTo("spec.containers[0].env[0].valueFrom.fieldRef.fieldPath");
    assertThat(v.get(0).description())
        .startsWith("Unsupported value: \"spec.hostname\": supported values: \"metadata.name\"")
        .contains("\"status.podIP\"");
    // A whole label map is a volume's, not an env var's; status fields are env's, not a volume's.
    assertThat(
            fields(
                validate(
                    s -> {
                      s.getContainersBuilder(0).addEnv(fieldEnv("L", "metadata.labels"));
                      s.addVolumes(
                          Volume.newBuilder()
                              .setName("podinfo")
                              .setDownwardApi(
                                  DownwardAPIVolumeSource.newBuilder()
                                      .addItems(file("ip", "status.podIP"))
                                      .addItems(file("../up", "metadata.name"))
                                      .addItems(DownwardAPIVolumeFile.newBuilder().setPath("x"))));
                    })))
        .containsExactlyInAnyOrder(
            "spec.containers[0].env[0].valueFrom.fieldRef.fieldPath",
            "spec.volumes[1].downwardAPI.items[0].fieldRef.fieldPath",
            "spec.volumes[1].downwardAPI.items[1].path",
            "spec.volumes[1].downwardAPI.items[2]");
  }

  @Test
  void resourceFieldRefsNameARealContainerAndResource() {
    assertThat(
            validate(
                s -> {
                  s.getContainersBuilder(0)
                      .addEnv(resourceEnv("A", "nope", "limits.cpu", ""))
                      .addEnv(resourceEnv("B", "", "limits.gpu", ""))
                      .addEnv(resourceEnv("C", "", "limits.memory", "0"));
                  s.addVolumes(
                      Volume.newBuilder()
                          .setName("podinfo")
                          .setDownwardApi(
                              DownwardAPIVolumeSource.newBuilder()
                                  .addItems(
                                      DownwardAPIVolumeFile.newBuilder()
                                          .setPath("mem")
                                          .setResourceFieldRef(
                                              ResourceFieldSelector.newBuilder()
                                                  .setResource("limits.memory")))));
                }))
        .containsExactlyInAnyOrder(
            new FieldViolation(
                "spec.containers[0].env[0].valueFrom.resourceFieldRef.containerName",
                "Invalid value: \"nope\": must be the name of a container in the pod"),
            new FieldViolation(
                "spec.containers[0].env[1].valueFrom.resourceFieldRef.resource",
                "Unsupported value: \"limits.gpu\": supported values: \"limits.cpu\","
                    + " \"limits.memory\", \"requests.cpu\", \"requests.memory\""),
            new FieldViolation(
                "spec.containers[0].env[2].valueFrom.resourceFieldRef.divisor",
                "Invalid value: \"0\": must be greater than zero"),
            new FieldViolation(
                "spec.volumes[1].downwardAPI.items[0].resourceFieldRef.containerName",
                "Required value"));
  }

  private static List<String> fields(List<FieldViolation> v) {
    return v.stream().map(FieldViolation::field).toList();
  }
}
