package dev.drover.agent.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.drover.agent.runtime.RegistryAuth;
import dev.drover.api.v1.ConfigMap;
import dev.drover.api.v1.ConfigMapEnvSource;
import dev.drover.api.v1.ConfigMapKeySelector;
import dev.drover.api.v1.ConfigMapVolumeSource;
import dev.drover.api.v1.Container;
import dev.drover.api.v1.EnvFromSource;
import dev.drover.api.v1.EnvVar;
import dev.drover.api.v1.EnvVarSource;
import dev.drover.api.v1.Event;
import dev.drover.api.v1.GetPodDependenciesResponse;
import dev.drover.api.v1.KeyToPath;
import dev.drover.api.v1.LocalObjectReference;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodSpec;
import dev.drover.api.v1.PodStatusUpdate;
import dev.drover.api.v1.PodStatusUpdateResult;
import dev.drover.api.v1.Secret;
import dev.drover.api.v1.SecretKeySelector;
import dev.drover.api.v1.SecretVolumeSource;
import dev.drover.api.v1.Volume;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Environment, volume files and registry credentials derived from a pod's Secrets and ConfigMaps.
 */
class PodInputsTest {

  private final List<String> asked = new ArrayList<>();

  private final MasterClient master =
      new MasterClient() {
        @Override
        public List<PodStatusUpdateResult> updatePodStatuses(List<PodStatusUpdate> updates) {
          return List.of();
        }

        @Override
        public void recordEvents(List<Event> events) {}

        @Override
        public boolean confirmPodTermination(String namespace, String name, String uid) {
          return true;
        }

        @Override
        public GetPodDependenciesResponse podDependencies(
            String namespace, Collection<String> secrets, Collection<String> configMaps) {
          asked.add(namespace + ":" + secrets + ":" + configMaps);
          return GetPodDependenciesResponse.newBuilder()
              .addConfigMaps(
                  ConfigMap.newBuilder()
                      .setMetadata(ObjectMeta.newBuilder().setName("cm"))
                      .putData("color", "blue")
                      .putData("size", "xl"))
              .addSecrets(
                  Secret.newBuilder()
                      .setMetadata(ObjectMeta.newBuilder().setName("sec"))
                      .putData("token", ByteString.copyFromUtf8("s3cret")))
              .addSecrets(
                  Secret.newBuilder()
                      .setMetadata(ObjectMeta.newBuilder().setName("regcred"))
                      .setType("kubernetes.io/dockerconfigjson")
                      .putData(
                          ".dockerconfigjson",
                          ByteString.copyFromUtf8(
                              "{\"auths\":{\"127.0.0.1:5001\":{\"auth\":\""
                                  + Base64.getEncoder()
                                      .encodeToString("alice:pw".getBytes(StandardCharsets.UTF_8))
                                  + "\"}}}")))
              .build();
        }
      };

  private static Pod pod(Container c, Volume... volumes) {
    return Pod.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setName("p").setNamespace("ns"))
        .setSpec(
            PodSpec.newBuilder()
                .addContainers(c)
                .addAllVolumes(List.of(volumes))
                .addImagePullSecrets(LocalObjectReference.newBuilder().setName("regcred")))
        .build();
  }

  private static final DownwardApi.Facts FACTS =
      new DownwardApi.Facts("node-1", "10.0.0.5", "192.168.1.2", 4000, 8L << 30);

  private List<String> env(PodInputs inputs, Container c) throws PodInputs.ConfigError {
    return inputs.environment(pod(c), FACTS, c, "spec.containers[0]", Map.of()).entrySet().stream()
        .map(e -> e.getKey() + "=" + e.getValue())
        .toList();
  }

  @Test
  void environmentMergesEnvFromThenEnvWithReferences() throws Exception {
    Container c =
        Container.newBuilder()
            .setName("c")
            .addEnvFrom(
                EnvFromSource.newBuilder()
                    .setPrefix("CM_")
                    .setConfigMapRef(ConfigMapEnvSource.newBuilder().setName("cm")))
            .addEnv(EnvVar.newBuilder().setName("CM_color").setValue("red"))
            .addEnv(
                EnvVar.newBuilder()
                    .setName("TOKEN")
                    .setValueFrom(
                        EnvVarSource.newBuilder()
                            .setSecretKeyRef(
                                SecretKeySelector.newBuilder().setName("sec").setKey("token"))))
            .build();
    PodInputs inputs = PodInputs.fetch(pod(c), master);
    assertThat(asked).containsExactly("ns:[regcred, sec]:[cm]");
    assertThat(env(inputs, c)).containsExactly("CM_color=red", "CM_size=xl", "TOKEN=s3cret");
  }

  @Test
  void missingKeyNamesTheFieldUnlessOptional() throws Exception {
    EnvVar.Builder missing =
        EnvVar.newBuilder()
            .setName("X")
            .setValueFrom(
                EnvVarSource.newBuilder()
                    .setConfigMapKeyRef(
                        ConfigMapKeySelector.newBuilder().setName("cm").setKey("nope")));
    Container c = Container.newBuilder().setName("c").addEnv(missing).build();
    PodInputs inputs = PodInputs.fetch(pod(c), master);
    assertThatThrownBy(() -> env(inputs, c))
        .isInstanceOf(PodInputs.ConfigError.class)
        .hasMessage("spec.containers[0].env[0].valueFrom: key \"nope\" not in configmap \"cm\"");
    missing.getValueFromBuilder().getConfigMapKeyRefBuilder().setOptional(true);
    Container optional = Container.newBuilder().setName("c").addEnv(missing).build();
    assertThat(env(inputs, optional)).isEmpty();
  }

  @Test
  void volumeFilesProjectItemsWithModes() throws Exception {
    Volume cm =
        Volume.newBuilder()
            .setName("v")
            .setConfigMap(
                ConfigMapVolumeSource.newBuilder()
                    .setName("cm")
                    .addItems(
                        KeyToPath.newBuilder().setKey("color").setPath("sub/c.txt").setMode(0600)))
            .build();
    Volume secret =
        Volume.newBuilder()
            .setName("s")
            .setSecret(SecretVolumeSource.newBuilder().setSecretName("sec"))
            .build();
    Volume bad =
        Volume.newBuilder()
            .setName("b")
            .setConfigMap(
                ConfigMapVolumeSource.newBuilder()
                    .setName("cm")
                    .addItems(KeyToPath.newBuilder().setKey("color").setPath("../escape")))
            .build();
    PodInputs inputs =
        PodInputs.fetch(pod(Container.newBuilder().setName("c").build(), cm, secret, bad), master);
    var files = inputs.volumeFiles(cm, 0);
    assertThat(files).containsOnlyKeys("sub/c.txt");
    assertThat(new String(files.get("sub/c.txt").data(), StandardCharsets.UTF_8)).isEqualTo("blue");
    assertThat(files.get("sub/c.txt").mode()).isEqualTo(0600);
    // Secret files default to owner read-only (issue 15); ConfigMaps keep 0644.
    assertThat(inputs.volumeFiles(secret, 1).get("token").mode()).isEqualTo(0400);
    assertThatThrownBy(() -> inputs.volumeFiles(bad, 2))
        .hasMessageContaining("spec.volumes[2].items[0].path");
  }

  @Test
  void registryCredentialsComeFromTheMatchingDockerConfig() {
    PodInputs inputs = PodInputs.fetch(pod(Container.newBuilder().setName("c").build()), master);
    Pod p = pod(Container.newBuilder().setName("c").build());
    assertThat(inputs.registryAuth(p, "127.0.0.1:5001/busybox:1"))
        .contains(new RegistryAuth("127.0.0.1:5001", "alice", "pw"));
    assertThat(inputs.registryAuth(p, "127.0.0.1:5000/busybox:1")).isEmpty();
    assertThat(inputs.registryAuth(p, "busybox")).isEqualTo(Optional.empty());
    assertThat(PodInputs.registryOf("busybox")).isEqualTo("docker.io");
    assertThat(PodInputs.registryOf("localhost/x:1")).isEqualTo("localhost");
  }

  @Test
  void limitsBecomeDockerNumbersAndBadOnesNameTheField() {
    assertThat(Limits.nanoCpus("500m", "f")).isEqualTo(500_000_000L);
    assertThat(Limits.nanoCpus("2", "f")).isEqualTo(2_000_000_000L);
    assertThat(Limits.memoryBytes("64Mi", "f")).isEqualTo(64L << 20);
    assertThat(Limits.memoryBytes("1G", "f")).isEqualTo(1_000_000_000L);
    assertThat(Limits.memoryBytes("", "f")).isZero();
    assertThatThrownBy(
            () -> Limits.memoryBytes("lots", "spec.containers[0].resources.limits[memory]"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("spec.containers[0].resources.limits[memory]: ");
  }

  @Test
  void portAllocatorHandsOutDistinctPortsAndRejectsABadRange() {
    PortAllocator ports = new PortAllocator(42300, 42302);
    ports.reserve(42301);
    int a = ports.allocate();
    int b = ports.allocate();
    assertThat(List.of(a, b)).containsExactlyInAnyOrder(42300, 42302);
    assertThatThrownBy(ports::allocate)
        .hasMessageContaining("no free host port left in 42300-42302");
    ports.release(a);
    assertThat(ports.allocate()).isEqualTo(a);
    assertThatThrownBy(() -> new PortAllocator(5, 2)).hasMessageStartingWith("hostPortRange: ");
  }
}
