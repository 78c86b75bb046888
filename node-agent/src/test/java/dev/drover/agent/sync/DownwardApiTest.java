package dev.drover.agent.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.drover.api.v1.Container;
import dev.drover.api.v1.DownwardAPIVolumeFile;
import dev.drover.api.v1.DownwardAPIVolumeSource;
import dev.drover.api.v1.ObjectFieldSelector;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodSpec;
import dev.drover.api.v1.ResourceFieldSelector;
import dev.drover.api.v1.ResourceRequirements;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The downward API's values: pod fields, resources with divisors and rounding, volume files. */
class DownwardApiTest {

  private static final DownwardApi.Facts FACTS =
      new DownwardApi.Facts("node-1", "10.0.0.5", "192.168.1.2", 4000, 8L << 30);

  private static final Pod POD =
      Pod.newBuilder()
          .setMetadata(
              ObjectMeta.newBuilder()
                  .setName("web-1")
                  .setNamespace("shop")
                  .setUid("uid-1")
                  .putLabels("app", "web")
                  .putLabels("zone", "a")
                  .putAnnotations("build", "42"))
          .setSpec(
              PodSpec.newBuilder()
                  .addContainers(
                      Container.newBuilder()
                          .setName("main")
                          .setResources(
                              ResourceRequirements.newBuilder()
                                  .putRequests("memory", "32Mi")
                                  .putRequests("cpu", "125m")
                                  .putLimits("memory", "64Mi")
                                  .putLimits("cpu", "250m")))
                  .addContainers(Container.newBuilder().setName("bare")))
          .build();

  private static ObjectFieldSelector field(String path) {
    return ObjectFieldSelector.newBuilder().setFieldPath(path).build();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "metadata.name, web-1",
    "metadata.namespace, shop",
    "metadata.uid, uid-1",
    "metadata.labels['app'], web",
    "metadata.labels['missing'], ''",
    "metadata.annotations['build'], 42",
    "spec.nodeName, node-1",
    "spec.serviceAccountName, default",
    "status.podIP, 10.0.0.5",
    "status.hostIP, 192.168.1.2",
  })
  void envFieldsReadThePod(String path, String expected) throws Exception {
    assertThat(DownwardApi.envField(POD, FACTS, field(path), "f")).isEqualTo(expected);
  }

  @Test
  void namedServiceAccountAndHostNetworkAddress() throws Exception {
    Pod pod =
        POD.toBuilder()
            .setSpec(POD.getSpec().toBuilder().setServiceAccountName("robot").setHostNetwork(true))
            .build();
    assertThat(DownwardApi.envField(pod, FACTS, field("spec.serviceAccountName"), "f"))
        .isEqualTo("robot");
    assertThat(DownwardApi.envField(pod, FACTS, field("status.podIP"), "f"))
        .isEqualTo("192.168.1.2");
  }

  @Test
  void unsupportedPathsNameTheField() {
    assertThatThrownBy(() -> DownwardApi.envField(POD, FACTS, field("spec.hostname"), "env[0]"))
        .isInstanceOf(PodInputs.ConfigError.class)
        .hasMessage("env[0].fieldPath: Unsupported value: \"spec.hostname\"");
    assertThatThrownBy(() -> DownwardApi.envField(POD, FACTS, field("metadata.labels"), "e"))
        .hasMessageContaining("only supported in a downwardAPI volume");
    assertThatThrownBy(() -> DownwardApi.volumeField(POD, field("status.podIP"), "v"))
        .isInstanceOf(PodInputs.ConfigError.class);
  }

  @ParameterizedTest(name = "{0} {1} / {2}")
  @CsvSource({
    // The values the Kubernetes documentation's dapi-envars-resourcefieldref pod prints.
    "main, requests.cpu, '', 1",
    "main, limits.cpu, '', 1",
    "main, requests.memory, '', 33554432",
    "main, limits.memory, '', 67108864",
    "main, requests.cpu, 1m, 125",
    "main, limits.memory, 1Mi, 64",
    "main, limits.memory, 1M, 68",
    // No limit: the node's capacity; no request: zero.
    "bare, limits.cpu, '', 4",
    "bare, limits.memory, 1Gi, 8",
    "bare, requests.cpu, '', 0",
    "bare, requests.memory, '', 0",
  })
  void resourcesAreDividedAndRoundedUp(
      String container, String resource, String divisor, String expected) throws Exception {
    ResourceFieldSelector ref =
        ResourceFieldSelector.newBuilder().setResource(resource).setDivisor(divisor).build();
    assertThat(DownwardApi.resource(POD, FACTS, container, ref, "f")).isEqualTo(expected);
  }

  @Test
  void requestDefaultsToTheLimit() throws Exception {
    Pod pod =
        POD.toBuilder()
            .setSpec(
                PodSpec.newBuilder()
                    .addContainers(
                        Container.newBuilder()
                            .setName("c")
                            .setResources(ResourceRequirements.newBuilder().putLimits("cpu", "2"))))
            .build();
    ResourceFieldSelector ref =
        ResourceFieldSelector.newBuilder()
            .setContainerName("c")
            .setResource("requests.cpu")
            .build();
    assertThat(DownwardApi.resource(pod, FACTS, "other", ref, "f")).isEqualTo("2");
  }

  @Test
  void volumeFilesHoldFieldsLabelsAndResources() throws Exception {
    DownwardAPIVolumeSource source =
        DownwardAPIVolumeSource.newBuilder()
            .setDefaultMode(0600)
            .addItems(
                DownwardAPIVolumeFile.newBuilder()
                    .setPath("labels")
                    .setFieldRef(field("metadata.labels")))
            .addItems(
                DownwardAPIVolumeFile.newBuilder()
                    .setPath("annotations")
                    .setFieldRef(field("metadata.annotations"))
                    .setMode(0644))
            .addItems(
                DownwardAPIVolumeFile.newBuilder()
                    .setPath("sub/cpu_limit")
                    .setResourceFieldRef(
                        ResourceFieldSelector.newBuilder()
                            .setContainerName("main")
                            .setResource("limits.cpu")
                            .setDivisor("1m")))
            .build();
    Map<String, PodInputs.FileContent> files = DownwardApi.volumeFiles(POD, FACTS, source, "v");
    assertThat(files.keySet()).containsExactly("labels", "annotations", "sub/cpu_limit");
    assertThat(text(files.get("labels"))).isEqualTo("app=\"web\"\nzone=\"a\"");
    assertThat(files.get("labels").mode()).isEqualTo(0600);
    assertThat(text(files.get("annotations"))).isEqualTo("build=\"42\"");
    assertThat(files.get("annotations").mode()).isEqualTo(0644);
    assertThat(text(files.get("sub/cpu_limit"))).isEqualTo("250");
  }

  private static String text(PodInputs.FileContent f) {
    return new String(f.data(), StandardCharsets.UTF_8);
  }
}
