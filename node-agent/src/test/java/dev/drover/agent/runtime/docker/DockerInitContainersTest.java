package dev.drover.agent.runtime.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.dockerjava.api.command.InspectContainerResponse;
import dev.drover.agent.NodeAgent;
import dev.drover.agent.testing.Pods;
import dev.drover.api.v1.ConditionStatus;
import dev.drover.api.v1.ContainerStatus;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodPhase;
import dev.drover.api.v1.PodStatus;
import dev.drover.api.v1.RestartPolicy;
import dev.drover.client.manifest.ManifestParser;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Init containers, sidecars, {@code $(VAR)} expansion and the downward API on the real Docker
 * daemon, from Kubernetes manifests (test resources, images swapped for the local busybox): init
 * containers run in order before the app, a failing one is retried with back-off and the app never
 * starts, a sidecar runs beside the app and is restarted, and the Kubernetes documentation's
 * dependent-envars and dapi-envars pods print what the documentation shows.
 */
@ExtendWith(DockerAgentExtension.class)
class DockerInitContainersTest {

  private static final Duration LONG = Duration.ofSeconds(45);

  private DockerAgentFixture fx;

  /** The manifest's pod, bound to the fixture's node, with busybox images swapped for ours. */
  private Pod manifest(String name) throws Exception {
    String yaml;
    try (InputStream in = getClass().getResourceAsStream("/manifests/" + name)) {
      yaml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    yaml = yaml.replaceAll("image: \\S*busybox\\S*", "image: " + DockerTestSupport.LOCAL_IMAGE);
    Pod pod = new ManifestParser().parse(name, yaml).objects().get(0).object().getPod();
    Pod.Builder b = pod.toBuilder();
    b.getSpecBuilder().setNodeName(fx.node).setTerminationGracePeriodSeconds(2);
    return b.build();
  }

  private static ContainerStatus init(PodStatus status, String name) {
    return status.getInitContainerStatusesList().stream()
        .filter(c -> c.getName().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no init status " + name + " in " + status));
  }

  private static boolean condition(PodStatus status, String type, boolean value) {
    return status.getConditionsList().stream()
        .anyMatch(
            c ->
                c.getType().equals(type)
                    && (c.getStatus() == ConditionStatus.CONDITION_STATUS_TRUE) == value);
  }

  private static String id(ContainerStatus c) {
    return c.getContainerId().replace("docker://", "");
  }

  @Test
  void initContainersFillTheEmptyDirInOrderThenTheAppServesIt() throws Exception {
    NodeAgent agent = fx.start(b -> b.hostPortRange(42200, 42299));
    Pod pod = fx.master.putPod(manifest("init-web.yaml"));
    String uid = pod.getMetadata().getUid();

    PodStatus running =
        fx.awaitStatus(uid, s -> s.getPhase() == PodPhase.POD_PHASE_RUNNING && Pods.ready(s), LONG);
    assertThat(running.getInitContainerStatusesList())
        .extracting(ContainerStatus::getName)
        .containsExactly("fetch", "check");
    for (ContainerStatus c : running.getInitContainerStatusesList()) {
      assertThat(c.getState().getTerminated().getExitCode()).isZero();
      assertThat(c.getState().getTerminated().getReason()).isEqualTo("Completed");
    }
    assertThat(condition(running, "Initialized", true)).isTrue();
    // Each started after the one before it finished.
    Instant fetchEnd = finishedAt(id(init(running, "fetch")));
    Instant checkStart = startedAt(id(init(running, "check")));
    Instant checkEnd = finishedAt(id(init(running, "check")));
    Instant webStart = startedAt(id(Pods.container(running, "web")));
    assertThat(checkStart).isAfterOrEqualTo(fetchEnd);
    assertThat(webStart).isAfterOrEqualTo(checkEnd);
    // While they ran, the pod read as initializing.
    assertThat(fx.master.statusHistory(uid))
        .anyMatch(
            s -> condition(s, "Initialized", false) && s.getPhase() == PodPhase.POD_PHASE_PENDING);

    // The init containers' logs stay readable ("drover logs POD -c INIT").
    assertThat(logs(agent, "init-web", "fetch")).isEqualTo("fetched\n");
    assertThat(logs(agent, "init-web", "check")).isEqualTo("found-the-first-one\n");

    int port = running.getHostPorts(0).getHostPort();
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    await()
        .atMost(LONG)
        .ignoreExceptions()
        .untilAsserted(
            () ->
                assertThat(
                        http.send(
                                HttpRequest.newBuilder(
                                        URI.create("http://127.0.0.1:" + port + "/index.html"))
                                    .timeout(Duration.ofSeconds(5))
                                    .build(),
                                HttpResponse.BodyHandlers.ofString())
                            .body())
                    .isEqualTo("hello-from-init\n"));
  }

  @Test
  void aFailingInitContainerIsRetriedWithBackOffAndTheAppNeverStarts() throws Exception {
    fx.start();
    Pod pod = fx.master.putPod(manifest("init-fails.yaml"));
    String uid = pod.getMetadata().getUid();

    PodStatus looping =
        fx.awaitStatus(
            uid,
            s ->
                s.getInitContainerStatusesCount() == 1
                    && init(s, "broken").getRestartCount() >= 2
                    && init(s, "broken")
                        .getState()
                        .getWaiting()
                        .getReason()
                        .equals("CrashLoopBackOff"),
            LONG);
    assertThat(init(looping, "broken").getState().getWaiting().getReason())
        .isEqualTo("CrashLoopBackOff");
    assertThat(init(looping, "broken").getLastState().getTerminated().getExitCode()).isEqualTo(3);
    assertThat(looping.getPhase()).isEqualTo(PodPhase.POD_PHASE_PENDING);
    assertThat(condition(looping, "Initialized", false)).isTrue();
    assertThat(Pods.container(looping, "app").getState().getWaiting().getReason())
        .isEqualTo("PodInitializing");
    // The restarts wait out a growing back-off (1 s, 2 s, 4 s... with this agent's settings).
    List<Double> delays =
        fx.master.events().stream()
            .filter(e -> e.getReason().equals("BackOff") && e.getMessage().contains("broken"))
            .map(e -> e.getMessage().replaceAll("^back-off ([0-9.]+)s .*$", "$1"))
            .map(Double::parseDouble)
            .toList();
    assertThat(delays).isNotEmpty().isSorted();
    assertThat(delays.get(delays.size() - 1)).isGreaterThanOrEqualTo(2.0);
    // No status ever showed the app running, and Docker never had a container for it.
    assertThat(fx.master.statusHistory(uid))
        .allMatch(
            s -> s.getContainerStatusesList().stream().noneMatch(c -> c.getState().hasRunning()));
    assertThat(fx.containers(Map.of("drover.pod.uid", uid, "drover.container.name", "app")))
        .isEmpty();

    // With restart policy Never the first failure fails the pod, and the app never starts either.
    Pod never = manifest("init-fails.yaml");
    Pod.Builder b = never.toBuilder();
    b.getMetadataBuilder().setName("init-fails-never");
    b.getSpecBuilder().setRestartPolicy(RestartPolicy.RESTART_POLICY_NEVER);
    String neverUid = fx.master.putPod(b.build()).getMetadata().getUid();
    PodStatus failed =
        fx.awaitStatus(neverUid, s -> s.getPhase() == PodPhase.POD_PHASE_FAILED, LONG);
    assertThat(init(failed, "broken").getState().getTerminated().getExitCode()).isEqualTo(3);
    assertThat(init(failed, "broken").getRestartCount()).isZero();
    assertThat(fx.containers(Map.of("drover.pod.uid", neverUid, "drover.container.name", "app")))
        .isEmpty();
  }

  @Test
  void aSidecarStartsFirstKeepsRunningBesideTheAppAndIsRestarted() throws Exception {
    NodeAgent agent = fx.start();
    Pod pod = fx.master.putPod(manifest("sidecar.yaml"));
    String uid = pod.getMetadata().getUid();

    PodStatus running =
        fx.awaitStatus(uid, s -> s.getPhase() == PodPhase.POD_PHASE_RUNNING && Pods.ready(s), LONG);
    ContainerStatus beat = init(running, "beat");
    assertThat(beat.getState().hasRunning()).isTrue();
    assertThat(beat.getStarted()).isTrue();
    assertThat(init(running, "wait-beat").getState().getTerminated().getExitCode()).isZero();
    assertThat(logs(agent, "sidecar", "wait-beat")).isEqualTo("saw-the-beat\n");
    String appId = id(Pods.container(running, "app"));
    // The app sees the heartbeats the sidecar keeps writing.
    await()
        .atMost(LONG)
        .untilAsserted(
            () -> assertThat(logs(agent, "sidecar", "app").lines().count()).isGreaterThan(3));

    // The sidecar dies (SIGKILL): it is restarted; the app keeps running, untouched.
    fx.docker.killContainerCmd(id(beat)).withSignal("KILL").exec();
    PodStatus again =
        fx.awaitStatus(
            uid,
            s ->
                s.getInitContainerStatusesCount() == 2
                    && init(s, "beat").getRestartCount() == 1
                    && init(s, "beat").getState().hasRunning(),
            LONG);
    assertThat(id(Pods.container(again, "app"))).isEqualTo(appId);
    assertThat(fx.docker.inspectContainerCmd(appId).exec().getState().getRunning()).isTrue();
  }

  @Test
  void aSidecarDoesNotHoldBackTheCompletionOfARunToCompletionPod() throws Exception {
    fx.start();
    Pod.Builder b = manifest("sidecar.yaml").toBuilder();
    b.getMetadataBuilder().setName("sidecar-job");
    b.getSpecBuilder().setRestartPolicy(RestartPolicy.RESTART_POLICY_NEVER);
    b.getSpecBuilder()
        .getContainersBuilder(0)
        .clearCommand()
        .addCommand("sh")
        .addCommand("-c")
        .addCommand("test -s /shared/beat");
    String uid = fx.master.putPod(b.build()).getMetadata().getUid();

    PodStatus done = fx.awaitStatus(uid, s -> s.getPhase() == PodPhase.POD_PHASE_SUCCEEDED, LONG);
    assertThat(Pods.container(done, "app").getState().getTerminated().getExitCode()).isZero();
    // The sidecar is stopped once the app finished, and not restarted.
    String beatId = id(init(done, "beat"));
    await()
        .atMost(LONG)
        .until(() -> !fx.docker.inspectContainerCmd(beatId).exec().getState().getRunning());
    PodStatus later = fx.awaitStatus(uid, s -> init(s, "beat").getState().hasTerminated(), LONG);
    assertThat(later.getPhase()).isEqualTo(PodPhase.POD_PHASE_SUCCEEDED);
    assertThat(init(later, "beat").getRestartCount()).isZero();
  }

  @Test
  void dependentEnvarsPrintWhatTheKubernetesDocumentationShows() throws Exception {
    NodeAgent agent = fx.start();
    fx.master.putPod(manifest("dependent-envars.yaml"));
    await()
        .atMost(LONG)
        .untilAsserted(
            () ->
                assertThat(logs(agent, "dependent-envars-demo", "dependent-envars-demo"))
                    .isEqualTo(
                        "\nUNCHANGED_REFERENCE=$(PROTOCOL)://172.17.0.1:80\n"
                            + "SERVICE_ADDRESS=https://172.17.0.1:80\n"
                            + "ESCAPED_REFERENCE=$(PROTOCOL)://172.17.0.1:80\n"));
  }

  @Test
  void dapiEnvarsPrintThePodsFieldsAndResources() throws Exception {
    NodeAgent agent = fx.start();
    String uid = fx.master.putPod(manifest("dapi-envars-fieldref.yaml")).getMetadata().getUid();
    fx.master.putPod(manifest("dapi-envars-resourcefieldref.yaml"));
    PodStatus running = fx.awaitStatus(uid, s -> !s.getPodIp().isEmpty() && Pods.ready(s), LONG);
    await()
        .atMost(LONG)
        .untilAsserted(
            () ->
                assertThat(logs(agent, "dapi-envars-fieldref", "test-container"))
                    .startsWith(
                        "\n"
                            + fx.node
                            + "\ndapi-envars-fieldref\ndefault\n"
                            + running.getPodIp()
                            + "\ndefault\n"));
    await()
        .atMost(LONG)
        .untilAsserted(
            () ->
                assertThat(logs(agent, "dapi-envars-resourcefieldref", "test-container"))
                    .startsWith("\n1\n1\n33554432\n67108864\n"));
  }

  @Test
  void aDownwardApiVolumeHoldsLabelsAnnotationsAndLimits() throws Exception {
    NodeAgent agent = fx.start();
    fx.master.putPod(manifest("dapi-volume.yaml"));
    await()
        .atMost(LONG)
        .untilAsserted(
            () ->
                assertThat(logs(agent, "kubernetes-downwardapi-volume-example", "client-container"))
                    .isEqualTo(
                        "cluster=\"test-cluster1\"\nrack=\"rack-22\"\nzone=\"us-est-coast\"\n---\n"
                            + "build=\"two\"\nbuilder=\"john-doe\"\n---\n64\n"));
  }

  private Instant startedAt(String containerId) {
    InspectContainerResponse r = fx.docker.inspectContainerCmd(containerId).exec();
    return Instant.parse(r.getState().getStartedAt());
  }

  private Instant finishedAt(String containerId) {
    InspectContainerResponse r = fx.docker.inspectContainerCmd(containerId).exec();
    return Instant.parse(r.getState().getFinishedAt());
  }

  private static String logs(NodeAgent agent, String pod, String container)
      throws InterruptedException {
    return DockerAgentFixture.logs(agent, pod, container, null);
  }
}
