package dev.drover.agent.runtime.docker;

import static dev.drover.agent.testing.Pods.container;
import static dev.drover.testing.TestObjects.boundPod;
import static dev.drover.testing.TestObjects.shell;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.Container;
import dev.drover.agent.NodeAgent;
import dev.drover.agent.testing.Pods;
import dev.drover.api.v1.ConfigMap;
import dev.drover.api.v1.ConfigMapKeySelector;
import dev.drover.api.v1.ConfigMapVolumeSource;
import dev.drover.api.v1.ContainerPort;
import dev.drover.api.v1.ContainerStatus;
import dev.drover.api.v1.EmptyDirVolumeSource;
import dev.drover.api.v1.EnvVar;
import dev.drover.api.v1.EnvVarSource;
import dev.drover.api.v1.ExecAction;
import dev.drover.api.v1.HostPortAllocation;
import dev.drover.api.v1.HttpGetAction;
import dev.drover.api.v1.ImagePullPolicy;
import dev.drover.api.v1.IntOrString;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodPhase;
import dev.drover.api.v1.PodStatus;
import dev.drover.api.v1.Probe;
import dev.drover.api.v1.ResourceRequirements;
import dev.drover.api.v1.RestartPolicy;
import dev.drover.api.v1.TcpSocketAction;
import dev.drover.api.v1.Volume;
import dev.drover.api.v1.VolumeMount;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The node agent against the real Docker daemon with a fake master: pods become containers with the
 * right namespaces, environment, limits and volumes; pulls, back-offs, restart policies, probes,
 * adoption after an agent crash and graceful termination behave as the issue asks.
 */
@ExtendWith(DockerAgentExtension.class)
class DockerPodsTest {

  private static final Duration LONG = Duration.ofSeconds(90);
  private static final String IMAGE = DockerTestSupport.LOCAL_IMAGE;

  private DockerAgentFixture fx;

  @Test
  void twoContainerPodSharesNetworkAndSeesEnvArgsLimitsAndVolumes() throws Exception {
    NodeAgent agent = fx.start(b -> b.hostPortRange(42100, 42199));
    fx.master.putConfigMap(
        ConfigMap.newBuilder()
            .setMetadata(ObjectMeta.newBuilder().setName("app").setNamespace("default"))
            .putData("greeting", "hello-from-configmap")
            .putData("app.conf", "x=1")
            .build());
    Pod pod =
        fx.master.putPod(
            boundPod("web", fx.node)
                .setSpec(
                    boundPod("web", fx.node).getSpec().toBuilder()
                        .addContainers(
                            shell(
                                    "server",
                                    IMAGE,
                                    "echo served-$MARK > /data/index.html; exec httpd -f -p 8080 -h"
                                        + " /data")
                                .addEnv(EnvVar.newBuilder().setName("MARK").setValue("m42"))
                                .addPorts(
                                    ContainerPort.newBuilder()
                                        .setName("http")
                                        .setContainerPort(8080))
                                .setResources(
                                    ResourceRequirements.newBuilder()
                                        .putLimits("cpu", "500m")
                                        .putLimits("memory", "64Mi"))
                                .addVolumeMounts(
                                    VolumeMount.newBuilder().setName("data").setMountPath("/data")))
                        .addContainers(
                            shell(
                                    "client",
                                    IMAGE,
                                    "while true; do echo \"arg=$0 env=$GREETING\"; cat"
                                        + " /cfg/app.conf; echo; wget -q -O -"
                                        + " http://127.0.0.1:8080/index.html; sleep 1; done")
                                .addArgs("first-arg")
                                .setWorkingDir("/tmp")
                                .addEnv(
                                    EnvVar.newBuilder()
                                        .setName("GREETING")
                                        .setValueFrom(
                                            EnvVarSource.newBuilder()
                                                .setConfigMapKeyRef(
                                                    ConfigMapKeySelector.newBuilder()
                                                        .setName("app")
                                                        .setKey("greeting"))))
                                .addVolumeMounts(
                                    VolumeMount.newBuilder().setName("cfg").setMountPath("/cfg")))
                        .addVolumes(
                            Volume.newBuilder()
                                .setName("data")
                                .setEmptyDir(EmptyDirVolumeSource.getDefaultInstance()))
                        .addVolumes(
                            Volume.newBuilder()
                                .setName("cfg")
                                .setConfigMap(ConfigMapVolumeSource.newBuilder().setName("app"))))
                .build());
    String uid = pod.getMetadata().getUid();

    PodStatus running =
        fx.awaitStatus(uid, s -> s.getPhase() == PodPhase.POD_PHASE_RUNNING && Pods.ready(s), LONG);
    String serverId = container(running, "server").getContainerId().replace("docker://", "");
    String clientId = container(running, "client").getContainerId().replace("docker://", "");
    InspectContainerResponse server = fx.docker.inspectContainerCmd(serverId).exec();
    InspectContainerResponse client = fx.docker.inspectContainerCmd(clientId).exec();
    List<Container> sandboxes =
        fx.containers(Map.of("drover.pod.uid", uid, "drover.container.name", "_sandbox"));
    assertThat(sandboxes).hasSize(1);
    String sandboxId = sandboxes.get(0).getId();
    // Both app containers live in the sandbox's network namespace.
    assertThat(server.getHostConfig().getNetworkMode()).isEqualTo("container:" + sandboxId);
    assertThat(client.getHostConfig().getNetworkMode()).isEqualTo("container:" + sandboxId);
    assertThat(server.getHostConfig().getNanoCPUs()).isEqualTo(500_000_000L);
    assertThat(server.getHostConfig().getMemory()).isEqualTo(64L * 1024 * 1024);
    assertThat(client.getConfig().getWorkingDir()).isEqualTo("/tmp");
    assertThat(client.getConfig().getLabels())
        .containsEntry("drover.pod.uid", uid)
        .containsEntry("drover.pod.namespace", "default")
        .containsEntry("drover.pod.name", "web")
        .containsEntry("drover.container.name", "client")
        .containsEntry("drover.node", fx.node);

    // The client reaches the server over the shared loopback, sees its argument, the env var
    // from the ConfigMap and the ConfigMap file; the server's page comes from the emptyDir.
    await()
        .atMost(LONG)
        .untilAsserted(
            () ->
                assertThat(logsViaAgentService(agent, "web", "client"))
                    .contains("arg=first-arg env=hello-from-configmap")
                    .contains("x=1")
                    .contains("served-m42"));

    // The allocated host port is reported and forwards to the server.
    assertThat(running.getHostPortsList()).hasSize(1);
    HostPortAllocation port = running.getHostPorts(0);
    assertThat(port.getContainerName()).isEqualTo("server");
    assertThat(port.getContainerPort()).isEqualTo(8080);
    assertThat(port.getHostPort()).isBetween(42100, 42199);
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    await()
        .atMost(LONG)
        .untilAsserted(
            () ->
                assertThat(
                        http.send(
                                HttpRequest.newBuilder(
                                        URI.create(
                                            "http://127.0.0.1:"
                                                + port.getHostPort()
                                                + "/index.html"))
                                    .timeout(Duration.ofSeconds(5))
                                    .build(),
                                HttpResponse.BodyHandlers.ofString())
                            .body())
                    .contains("served-m42"));
  }

  @Test
  void pullAlwaysFromLocalRegistry() {
    fx.start();
    Pod pod =
        fx.master.putPod(
            boundPod(
                    "pulled",
                    fx.node,
                    shell("main", DockerTestSupport.REGISTRY_IMAGE, "sleep 100000")
                        .setImagePullPolicy(ImagePullPolicy.IMAGE_PULL_POLICY_ALWAYS)
                        .build())
                .build());
    PodStatus s =
        fx.awaitStatus(
            pod.getMetadata().getUid(), st -> st.getPhase() == PodPhase.POD_PHASE_RUNNING, LONG);
    assertThat(container(s, "main").getImageId()).startsWith("sha256:");
    // Events go in a lane of their own: the Running status may reach the master before them.
    await()
        .atMost(LONG)
        .untilAsserted(
            () ->
                assertThat(fx.master.events())
                    .anySatisfy(
                        e ->
                            assertThat(e.getReason() + " " + e.getMessage())
                                .startsWith(
                                    "Pulled Successfully pulled image "
                                        + DockerTestSupport.REGISTRY_IMAGE)));
  }

  @Test
  void missingImageGivesErrImagePullThenImagePullBackOffWithGrowingDelays() {
    fx.start();
    Pod pod =
        fx.master.putPod(
            boundPod(
                    "missing",
                    fx.node,
                    shell("main", "127.0.0.1:5000/drover-no-such-image:1", "true")
                        .setImagePullPolicy(ImagePullPolicy.IMAGE_PULL_POLICY_ALWAYS)
                        .build())
                .build());
    String uid = pod.getMetadata().getUid();
    await()
        .atMost(LONG)
        .untilAsserted(
            () -> {
              List<String> reasons = waitingReasons(uid);
              int err = reasons.indexOf("ErrImagePull");
              assertThat(err).isNotNegative();
              assertThat(reasons.subList(err, reasons.size())).contains("ImagePullBackOff");
              assertThat(backOffDelays("pulling image")).hasSizeGreaterThanOrEqualTo(3);
            });
    List<Long> delays = backOffDelays("pulling image");
    assertThat(delays.get(1)).isGreaterThan(delays.get(0));
    assertThat(delays.get(2)).isGreaterThan(delays.get(1));
    assertThat(fx.master.status(uid).orElseThrow().getPhase())
        .isEqualTo(PodPhase.POD_PHASE_PENDING);
  }

  @Test
  void crashingContainerRestartsWithBackoffAndReportsCrashLoopBackOff() {
    fx.start();
    Pod pod =
        fx.master.putPod(
            boundPod("crash", fx.node, shell("main", IMAGE, "echo boom; exit 1").build()).build());
    String uid = pod.getMetadata().getUid();
    PodStatus s = fx.awaitStatus(uid, st -> container(st, "main").getRestartCount() >= 3, LONG);
    ContainerStatus main = container(s, "main");
    assertThat(main.getLastState().getTerminated().getExitCode()).isEqualTo(1);
    assertThat(main.getLastState().getTerminated().getReason()).isEqualTo("Error");
    assertThat(waitingReasons(uid)).contains("CrashLoopBackOff");
    List<Long> delays = backOffDelays("restarting failed container");
    assertThat(delays).hasSizeGreaterThanOrEqualTo(2);
    assertThat(delays.get(1)).isGreaterThan(delays.get(0));
    // Only the current and the previous run are kept.
    assertThat(fx.containers(Map.of("drover.pod.uid", uid, "drover.container.name", "main")))
        .hasSizeLessThanOrEqualTo(2);
  }

  @Test
  void onFailureAndNeverPolicies() {
    fx.start();
    Pod ok =
        fx.master.putPod(
            boundPod("ok", fx.node, shell("main", IMAGE, "exit 0").build())
                .setSpec(
                    boundPod("ok", fx.node, shell("main", IMAGE, "exit 0").build())
                        .getSpec()
                        .toBuilder()
                        .setRestartPolicy(RestartPolicy.RESTART_POLICY_ON_FAILURE))
                .build());
    Pod never =
        fx.master.putPod(
            boundPod("never", fx.node, shell("main", IMAGE, "exit 3").build())
                .setSpec(
                    boundPod("never", fx.node, shell("main", IMAGE, "exit 3").build())
                        .getSpec()
                        .toBuilder()
                        .setRestartPolicy(RestartPolicy.RESTART_POLICY_NEVER))
                .build());
    Pod retry =
        fx.master.putPod(
            boundPod("retry", fx.node, shell("main", IMAGE, "exit 2").build())
                .setSpec(
                    boundPod("retry", fx.node, shell("main", IMAGE, "exit 2").build())
                        .getSpec()
                        .toBuilder()
                        .setRestartPolicy(RestartPolicy.RESTART_POLICY_ON_FAILURE))
                .build());
    PodStatus okStatus =
        fx.awaitStatus(
            ok.getMetadata().getUid(), s -> s.getPhase() == PodPhase.POD_PHASE_SUCCEEDED, LONG);
    assertThat(container(okStatus, "main").getRestartCount()).isZero();
    assertThat(container(okStatus, "main").getState().getTerminated().getReason())
        .isEqualTo("Completed");
    PodStatus neverStatus =
        fx.awaitStatus(
            never.getMetadata().getUid(), s -> s.getPhase() == PodPhase.POD_PHASE_FAILED, LONG);
    assertThat(container(neverStatus, "main").getState().getTerminated().getExitCode())
        .isEqualTo(3);
    assertThat(container(neverStatus, "main").getRestartCount()).isZero();
    fx.awaitStatus(
        retry.getMetadata().getUid(), s -> container(s, "main").getRestartCount() >= 1, LONG);
    // Completed pods stay completed.
    assertThat(
            container(fx.master.status(ok.getMetadata().getUid()).orElseThrow(), "main")
                .getRestartCount())
        .isZero();
  }

  @Test
  void containerOverItsMemoryLimitIsReportedOomKilled() {
    fx.start();
    Pod hog = boundPod("hog", fx.node, shell("main", IMAGE, "tail /dev/zero").build()).build();
    hog =
        hog.toBuilder()
            .setSpec(
                hog.getSpec().toBuilder()
                    .setRestartPolicy(RestartPolicy.RESTART_POLICY_NEVER)
                    .setContainers(
                        0,
                        hog.getSpec().getContainers(0).toBuilder()
                            .setResources(
                                ResourceRequirements.newBuilder().putLimits("memory", "16Mi"))))
            .build();
    String uid = fx.master.putPod(hog).getMetadata().getUid();
    PodStatus s = fx.awaitStatus(uid, st -> st.getPhase() == PodPhase.POD_PHASE_FAILED, LONG);
    assertThat(container(s, "main").getState().getTerminated().getReason()).isEqualTo("OOMKilled");
    assertThat(container(s, "main").getState().getTerminated().getExitCode()).isEqualTo(137);
  }

  @Test
  void livenessFailureRestartsAndReadinessFailureOnlyFlipsReady() throws Exception {
    fx.start();
    Probe.Builder base =
        Probe.newBuilder().setPeriodSeconds(1).setFailureThreshold(1).setTimeoutSeconds(5);
    Pod pod =
        fx.master.putPod(
            boundPod(
                    "probed",
                    fx.node,
                    shell("main", IMAGE, "touch /tmp/alive /tmp/ready; exec sleep 100000")
                        .setLivenessProbe(
                            base.clone()
                                .setExec(
                                    ExecAction.newBuilder()
                                        .addCommand("test")
                                        .addCommand("-f")
                                        .addCommand("/tmp/alive")))
                        .setReadinessProbe(
                            base.clone()
                                .setExec(
                                    ExecAction.newBuilder()
                                        .addCommand("test")
                                        .addCommand("-f")
                                        .addCommand("/tmp/ready")))
                        .build())
                .build());
    String uid = pod.getMetadata().getUid();
    PodStatus ready = fx.awaitStatus(uid, Pods::ready, LONG);
    String id = container(ready, "main").getContainerId().replace("docker://", "");

    exec(id, "rm", "/tmp/ready");
    PodStatus notReady = fx.awaitStatus(uid, s -> !Pods.ready(s), LONG);
    assertThat(container(notReady, "main").getRestartCount()).isZero();
    assertThat(container(notReady, "main").getContainerId()).isEqualTo("docker://" + id);
    assertThat(container(notReady, "main").getState().hasRunning()).isTrue();

    exec(id, "rm", "/tmp/alive");
    PodStatus restarted =
        fx.awaitStatus(
            uid, s -> container(s, "main").getRestartCount() == 1 && Pods.ready(s), LONG);
    assertThat(container(restarted, "main").getContainerId()).isNotEqualTo("docker://" + id);
    assertThat(fx.master.events())
        .anySatisfy(e -> assertThat(e.getReason()).isEqualTo("Unhealthy"));
    assertThat(fx.master.events())
        .anySatisfy(
            e ->
                assertThat(e.getReason() + ": " + e.getMessage())
                    .contains("Killing: Container main failed liveness probe"));
  }

  /**
   * The startup probe (exec) holds back liveness (TCP) and readiness (HTTP GET): the container
   * serves nothing until /tmp/started exists, so a liveness check run during start-up would fail
   * and restart it. Once the startup probe passes, readiness over HTTP makes the pod Ready and the
   * TCP liveness check keeps passing.
   */
  @Test
  void startupProbeHoldsBackLivenessAndReadinessThenHttpAndTcpProbesPass() throws Exception {
    fx.start();
    IntOrString port = IntOrString.newBuilder().setIntValue(8080).build();
    Probe.Builder base =
        Probe.newBuilder().setPeriodSeconds(1).setTimeoutSeconds(5).setFailureThreshold(3);
    Pod pod =
        fx.master.putPod(
            boundPod(
                    "started-late",
                    fx.node,
                    shell(
                            "main",
                            IMAGE,
                            "while [ ! -f /tmp/started ]; do sleep 1; done;"
                                + " mkdir -p /www && echo ok > /www/index.html"
                                + " && httpd -p 8080 -h /www; exec sleep 100000")
                        .setStartupProbe(
                            base.clone()
                                .setFailureThreshold(120)
                                .setExec(
                                    ExecAction.newBuilder()
                                        .addCommand("sh")
                                        .addCommand("-c")
                                        .addCommand("echo x >> /tmp/checks; test -f /tmp/started")))
                        .setLivenessProbe(
                            base.clone().setTcpSocket(TcpSocketAction.newBuilder().setPort(port)))
                        .setReadinessProbe(
                            base.clone()
                                .setHttpGet(
                                    HttpGetAction.newBuilder()
                                        .setPath("/index.html")
                                        .setPort(port)))
                        .build())
                .build());
    String uid = pod.getMetadata().getUid();
    PodStatus running =
        fx.awaitStatus(uid, s -> container(s, "main").getState().hasRunning(), LONG);
    String id = container(running, "main").getContainerId().replace("docker://", "");

    // Five failed startup checks take over four liveness periods with a threshold of three: a
    // liveness probe that was not held back would have restarted the container by then.
    await().atMost(LONG).until(() -> execOutput(id, "cat", "/tmp/checks").lines().count() >= 5);
    assertThat(fx.docker.inspectContainerCmd(id).exec().getState().getRunning()).isTrue();
    PodStatus starting = fx.master.status(uid).orElseThrow();
    assertThat(container(starting, "main").getRestartCount()).isZero();
    assertThat(Pods.ready(starting)).isFalse();

    exec(id, "touch", "/tmp/started");
    PodStatus ready = fx.awaitStatus(uid, Pods::ready, LONG);
    assertThat(container(ready, "main").getRestartCount()).isZero();
    assertThat(container(ready, "main").getContainerId()).isEqualTo("docker://" + id);
  }

  @Test
  void restartedAgentAdoptsRunningContainersAndRemovesOrphans() throws Exception {
    fx.start();
    List<Pod> pods = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      pods.add(
          fx.master.putPod(
              boundPod("keep-" + i, fx.node, shell("main", IMAGE, "exec sleep 100000").build())
                  .build()));
    }
    List<String> ids = new ArrayList<>();
    for (Pod p : pods) {
      PodStatus s =
          fx.awaitStatus(
              p.getMetadata().getUid(), st -> st.getPhase() == PodPhase.POD_PHASE_RUNNING, LONG);
      ids.add(container(s, "main").getContainerId());
    }
    fx.stopAgent();
    // While no agent runs, one pod is deleted for good.
    Pod gone = pods.get(4);
    fx.master.removePod(gone.getMetadata().getUid());
    int statusesBefore = fx.master.statusHistory(pods.get(0).getMetadata().getUid()).size();

    fx.start();
    await()
        .atMost(LONG)
        .untilAsserted(
            () ->
                assertThat(fx.containers(Map.of("drover.pod.uid", gone.getMetadata().getUid())))
                    .isEmpty());
    for (int i = 0; i < 4; i++) {
      String id = ids.get(i).replace("docker://", "");
      InspectContainerResponse r = fx.docker.inspectContainerCmd(id).exec();
      assertThat(r.getState().getRunning()).isTrue();
      assertThat(r.getRestartCount()).isZero();
      assertThat(
              fx.containers(
                  Map.of(
                      "drover.pod.uid",
                      pods.get(i).getMetadata().getUid(),
                      "drover.container.name",
                      "main")))
          .extracting(Container::getId)
          .containsExactly(id);
    }
    // Status reporting resumed: the new agent reported again with the same container ids.
    String firstUid = pods.get(0).getMetadata().getUid();
    await().atMost(LONG).until(() -> fx.master.statusHistory(firstUid).size() > statusesBefore);
    PodStatus after = fx.master.status(firstUid).orElseThrow();
    assertThat(container(after, "main").getContainerId()).isEqualTo(ids.get(0));
    assertThat(container(after, "main").getRestartCount()).isZero();
  }

  @Test
  void containerIgnoringSigtermIsKilledAfterTheGracePeriod() {
    fx.start();
    Pod pod =
        fx.master.putPod(
            boundPod(
                    "stubborn",
                    fx.node,
                    shell("main", IMAGE, "trap '' TERM; while true; do sleep 1; done").build())
                .build());
    String uid = pod.getMetadata().getUid();
    fx.awaitStatus(uid, s -> s.getPhase() == PodPhase.POD_PHASE_RUNNING, LONG);
    long grace = 3;
    Instant deleted = Instant.now();
    fx.master.deletePod(uid, grace);
    await().atMost(LONG).until(() -> fx.master.confirmed().contains(uid));
    Duration took = Duration.between(deleted, Instant.now());
    assertThat(took).isGreaterThanOrEqualTo(Duration.ofSeconds(grace));
    assertThat(fx.containers(Map.of("drover.pod.uid", uid))).isEmpty();
    assertThat(fx.master.events()).anySatisfy(e -> assertThat(e.getReason()).isEqualTo("Killing"));
  }

  // ------------------------------------------------------------------------------------------

  private List<String> waitingReasons(String uid) {
    List<String> reasons = new ArrayList<>();
    for (PodStatus s : fx.master.statusHistory(uid)) {
      for (ContainerStatus c : s.getContainerStatusesList()) {
        if (c.getState().hasWaiting()) {
          reasons.add(c.getState().getWaiting().getReason());
        }
      }
    }
    return reasons;
  }

  /** Delays (ms) announced by BackOff events whose message contains {@code about}, in order. */
  private List<Long> backOffDelays(String about) {
    Pattern ms = Pattern.compile("[Bb]ack-off (\\d+(?:\\.\\d+)?)(ms|s)");
    List<Long> out = new ArrayList<>();
    fx.master.events().stream()
        .filter(e -> e.getReason().equals("BackOff") && e.getMessage().contains(about))
        .sorted(
            (a, b) ->
                Long.compare(
                    a.getEventTime().getSeconds() * 1_000_000_000L + a.getEventTime().getNanos(),
                    b.getEventTime().getSeconds() * 1_000_000_000L + b.getEventTime().getNanos()))
        .forEach(
            e -> {
              Matcher m = ms.matcher(e.getMessage());
              if (m.find()) {
                double v = Double.parseDouble(m.group(1));
                out.add(m.group(2).equals("s") ? Math.round(v * 1000) : Math.round(v));
              }
            });
    return out;
  }

  private String execOutput(String containerId, String... command) throws InterruptedException {
    String execId =
        fx.docker
            .execCreateCmd(containerId)
            .withCmd(command)
            .withAttachStdout(true)
            .withAttachStderr(true)
            .exec()
            .getId();
    StringBuilder sb = new StringBuilder();
    fx.docker
        .execStartCmd(execId)
        .exec(
            new com.github.dockerjava.api.async.ResultCallback.Adapter<
                com.github.dockerjava.api.model.Frame>() {
              @Override
              public void onNext(com.github.dockerjava.api.model.Frame frame) {
                sb.append(new String(frame.getPayload(), StandardCharsets.UTF_8));
              }
            })
        .awaitCompletion(30, TimeUnit.SECONDS);
    return sb.toString();
  }

  private void exec(String containerId, String... command) throws InterruptedException {
    execOutput(containerId, command);
  }

  private static String logsViaAgentService(NodeAgent agent, String pod, String container)
      throws InterruptedException {
    return DockerAgentFixture.logs(agent, pod, container, 50);
  }
}
