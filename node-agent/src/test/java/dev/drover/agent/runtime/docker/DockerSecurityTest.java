package dev.drover.agent.runtime.docker;

import static dev.drover.agent.testing.Pods.container;
import static dev.drover.testing.TestObjects.boundPod;
import static dev.drover.testing.TestObjects.shell;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.HostConfig;
import com.google.protobuf.ByteString;
import dev.drover.agent.runtime.ContainerDefaults;
import dev.drover.agent.runtime.ContainerSpec;
import dev.drover.agent.runtime.ExecResult;
import dev.drover.agent.testing.Pods;
import dev.drover.api.v1.Capabilities;
import dev.drover.api.v1.KeyToPath;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodPhase;
import dev.drover.api.v1.PodStatus;
import dev.drover.api.v1.Secret;
import dev.drover.api.v1.SecretVolumeSource;
import dev.drover.api.v1.SecurityContext;
import dev.drover.api.v1.Volume;
import dev.drover.api.v1.VolumeMount;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A pod's security context and the agent's defaults as Docker applies them, read back with {@code
 * docker inspect}; Secret volumes on a tmpfs with owner-only files.
 */
class DockerSecurityTest {
  private static final Duration LONG = Duration.ofSeconds(90);
  private static final String IMAGE = DockerTestSupport.LOCAL_IMAGE;

  /** A fresh fixture per test; closed by the test, so a failure leaves no container behind. */
  private DockerAgentFixture fx;

  private DockerAgentFixture fixture() throws IOException {
    DockerTestSupport.assumeDocker();
    fx = new DockerAgentFixture();
    return fx;
  }

  @Test
  void securityContextAndDefaultsShowInDockerInspectAndSecretsLiveOnTmpfs() throws Exception {
    try (DockerAgentFixture f = fixture()) {
      inspectHardenedPod();
    }
  }

  private void inspectHardenedPod() throws Exception {
    fx.start();
    fx.master.putSecret(
        Secret.newBuilder()
            .setMetadata(ObjectMeta.newBuilder().setName("db").setNamespace("default"))
            .putData("password", ByteString.copyFromUtf8("p4ss"))
            .putData("user", ByteString.copyFromUtf8("app"))
            .build());
    Pod pod =
        fx.master.putPod(
            boundPod("hardened", fx.node)
                .setSpec(
                    boundPod("hardened", fx.node).getSpec().toBuilder()
                        .addContainers(
                            shell("app", IMAGE, "sleep 3600")
                                .setSecurityContext(
                                    SecurityContext.newBuilder()
                                        .setReadOnlyRootFilesystem(true)
                                        .setCapabilities(
                                            Capabilities.newBuilder()
                                                .addDrop("ALL")
                                                .addAdd("cap_net_bind_service")))
                                .addVolumeMounts(
                                    VolumeMount.newBuilder().setName("creds").setMountPath("/s"))
                                .addVolumeMounts(
                                    VolumeMount.newBuilder()
                                        .setName("shared")
                                        .setMountPath("/shared")))
                        .addVolumes(
                            Volume.newBuilder()
                                .setName("creds")
                                .setSecret(SecretVolumeSource.newBuilder().setSecretName("db")))
                        .addVolumes(
                            Volume.newBuilder()
                                .setName("shared")
                                .setSecret(
                                    SecretVolumeSource.newBuilder()
                                        .setSecretName("db")
                                        .setDefaultMode(0440)
                                        .addItems(
                                            KeyToPath.newBuilder()
                                                .setKey("user")
                                                .setPath("u")
                                                .setMode(0444)))))
                .build());
    String uid = pod.getMetadata().getUid();
    PodStatus running =
        fx.awaitStatus(uid, s -> s.getPhase() == PodPhase.POD_PHASE_RUNNING && Pods.ready(s), LONG);
    String id = container(running, "app").getContainerId().replace("docker://", "");
    InspectContainerResponse inspect = fx.docker.inspectContainerCmd(id).exec();
    HostConfig host = inspect.getHostConfig();
    assertThat(host.getReadonlyRootfs()).isTrue();
    assertThat(host.getCapDrop()).containsExactly(Capability.ALL);
    assertThat(host.getCapAdd()).containsExactly(Capability.NET_BIND_SERVICE);
    assertThat(host.getSecurityOpts()).contains("no-new-privileges");
    assertThat(host.getPidsLimit()).isEqualTo(ContainerDefaults.STANDARD.pidsLimit());
    assertThat(host.getLogConfig().getType().getType()).isEqualTo("json-file");
    assertThat(host.getLogConfig().getConfig())
        .containsEntry("max-size", "10m")
        .containsEntry("max-file", "3");

    // The Secret volumes are bind mounts of a tmpfs directory, never of the data directory.
    String source =
        inspect.getMounts().stream()
            .filter(m -> m.getDestination().getPath().equals("/s"))
            .findFirst()
            .orElseThrow()
            .getSource();
    assertThat(Files.getFileStore(Path.of(source)).type()).isEqualTo("tmpfs");
    assertThat(source).doesNotStartWith(fx.dataDir.toString());
    assertThat(exec(id, "stat", "-c", "%a", "/s/password")).isEqualTo("400");
    assertThat(exec(id, "cat", "/s/password")).isEqualTo("p4ss");
    assertThat(exec(id, "stat", "-c", "%a", "/shared/u")).isEqualTo("444");
    // The read-only root filesystem refuses writes; the process still runs.
    assertThat(fx.runtime.exec(id, List.of("touch", "/x"), Duration.ofSeconds(20)).exitCode())
        .isNotZero();

    // Deleting the pod removes its Secret files from the tmpfs.
    fx.master.deletePod(uid, 0);
    org.awaitility.Awaitility.await().atMost(LONG).until(() -> !Files.exists(Path.of(source)));
  }

  @Test
  void agentDefaultsAreConfigurableAndEscalationCanBeAllowedExplicitly() throws IOException {
    try (DockerAgentFixture f = fixture();
        DockerRuntime runtime =
            DockerRuntime.connect(
                DockerTestSupport.DOCKER_HOST,
                Duration.ofMinutes(2),
                new ContainerDefaults(64, "1m", 2))) {
      inspectWithCustomDefaults(runtime);
    }
  }

  private void inspectWithCustomDefaults(DockerRuntime runtime) {
    String name = "drover_security_" + UUID.randomUUID().toString().substring(0, 8);
    String id =
        runtime.create(
            new ContainerSpec(
                name,
                IMAGE,
                Map.of("drover.node", fx.node),
                List.of("sleep", "5"),
                List.of(),
                List.of(),
                "",
                new ContainerSpec.OwnNetwork(),
                "",
                List.of(),
                0,
                0,
                List.of(),
                new ContainerSpec.Security(
                    1000L, 1000L, true, false, true, false, List.of(), List.of(), false)));
    InspectContainerResponse inspect = fx.docker.inspectContainerCmd(id).exec();
    assertThat(inspect.getHostConfig().getPidsLimit()).isEqualTo(64L);
    assertThat(inspect.getHostConfig().getLogConfig().getConfig())
        .containsEntry("max-size", "1m")
        .containsEntry("max-file", "2");
    assertThat(inspect.getHostConfig().getSecurityOpts()).isNullOrEmpty();
    assertThat(inspect.getConfig().getUser()).isEqualTo("1000:1000");
  }

  private String exec(String id, String... command) {
    ExecResult r = fx.runtime.exec(id, List.of(command), Duration.ofSeconds(20));
    assertThat(r.exitCode()).as(r.output()).isZero();
    return r.output().strip();
  }
}
