package dev.drover.agent;

import static dev.drover.agent.testing.Pods.container;
import static dev.drover.testing.TestObjects.boundPod;
import static dev.drover.testing.TestObjects.shell;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.drover.agent.runtime.ContainerInfo;
import dev.drover.agent.runtime.ExecResult;
import dev.drover.agent.runtime.RuntimeKind;
import dev.drover.agent.runtime.simulated.SimulatedRuntime;
import dev.drover.agent.runtime.simulated.SimulatedRuntime.Behavior;
import dev.drover.agent.sync.Labels;
import dev.drover.agent.testing.FakeNodeService;
import dev.drover.agent.testing.Pods;
import dev.drover.api.v1.Container;
import dev.drover.api.v1.ContainerStatus;
import dev.drover.api.v1.Event;
import dev.drover.api.v1.ExecAction;
import dev.drover.api.v1.ImagePullPolicy;
import dev.drover.api.v1.Node;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodPhase;
import dev.drover.api.v1.PodStatus;
import dev.drover.api.v1.Probe;
import dev.drover.api.v1.RestartPolicy;
import dev.drover.api.v1.Taint;
import dev.drover.api.v1.TaintEffect;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The whole agent (session, sync loop, status reporting) on the simulated runtime against a fake
 * master: fast checks of the state machine, back-offs, termination, adoption, fail-over between
 * masters, watch resumption and recovery from a runtime outage.
 */
class SimulatedAgentTest {

  private static final Duration WAIT = Duration.ofSeconds(30);

  private final List<AutoCloseable> closeables = new ArrayList<>();
  private FakeNodeService master;
  private SimulatedRuntime runtime;
  private Path dataDir;

  @BeforeEach
  void setUp() throws IOException {
    master = new FakeNodeService();
    runtime = new SimulatedRuntime();
    dataDir = Files.createTempDirectory("drover-sim");
  }

  @AfterEach
  void tearDown() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
    master.close();
    runtime.close();
    dev.drover.agent.sync.PodSyncerAccess.deleteTree(dataDir);
  }

  private AgentConfig.Builder config(String node, String... endpoints) {
    AgentConfig.Builder b =
        AgentConfig.builder()
            .nodeName(node)
            .dataDir(dataDir)
            .runtime(RuntimeKind.SIMULATED)
            .bindAddress("127.0.0.1")
            .restartBackoff(Duration.ofMillis(200), Duration.ofSeconds(2))
            .syncPeriod(Duration.ofMillis(200))
            .statusFlushInterval(Duration.ofMillis(100))
            .heartbeatInterval(Duration.ofMillis(200))
            .callTimeout(Duration.ofSeconds(2))
            .orphanSweepDelay(Duration.ofSeconds(2))
            .syncThreads(2);
    if (endpoints.length == 0) {
      b.masterEndpoint(master.endpoint());
    } else {
      b.masterEndpoints(List.of(endpoints));
    }
    return b;
  }

  private NodeAgent start(AgentConfig.Builder b) {
    NodeAgent agent = NodeAgent.create(b.build(), runtime, FakeNodeService::channel).start();
    closeables.add(agent);
    return agent;
  }

  private PodStatus awaitStatus(FakeNodeService m, String uid, Predicate<PodStatus> p) {
    return await()
        .atMost(WAIT)
        .until(() -> m.status(uid).orElse(null), s -> s != null && p.test(s));
  }

  /**
   * Waits until the events the master got satisfy {@code check}. The agent sends events in a lane
   * of their own, not with the statuses, so a status the test waited for may arrive before the
   * events recorded ahead of it.
   */
  private void awaitEvents(Consumer<List<Event>> check) {
    await().atMost(WAIT).untilAsserted(() -> check.accept(master.events()));
  }

  private static Pod simplePod(String name, String node) {
    return boundPod(name, node, shell("main", "img:1", "run").build()).build();
  }

  @Test
  void registersCapacityLabelsTaintsAndRunsAPod() {
    start(
        config("n1")
            .label("zone", "a")
            .maxPods(42)
            .taint(
                Taint.newBuilder()
                    .setKey("dedicated")
                    .setValue("x")
                    .setEffect(TaintEffect.TAINT_EFFECT_NO_SCHEDULE)
                    .build()));
    Pod pod = master.putPod(simplePod("p", "n1"));
    PodStatus s =
        awaitStatus(
            master,
            pod.getMetadata().getUid(),
            st -> st.getPhase() == PodPhase.POD_PHASE_RUNNING && Pods.ready(st));
    assertThat(container(s, "main").getState().hasRunning()).isTrue();
    assertThat(s.getHostIp()).isEqualTo("127.0.0.1");
    Node node = master.registrations().get(0);
    assertThat(node.getMetadata().getLabelsMap())
        .containsEntry("zone", "a")
        .containsEntry("kubernetes.io/hostname", "n1");
    assertThat(node.getSpec().getTaints(0).getKey()).isEqualTo("dedicated");
    assertThat(node.getStatus().getCapacityMap())
        .containsEntry("cpu", "4")
        .containsEntry("memory", Long.toString(8L << 30))
        .containsEntry("pods", "42");
    assertThat(node.getStatus().getDaemonEndpoint().getPort()).isPositive();
    await().atMost(WAIT).until(() -> master.heartbeats() >= 2);
    awaitEvents(
        events ->
            assertThat(events)
                .extracting(e -> e.getReason())
                .contains("Pulled", "Created", "Started"));
  }

  @Test
  void crashLoopBacksOffWithGrowingDelays() {
    runtime.behavior(
        spec ->
            spec.image().equals("crash:1")
                ? Behavior.exitAfter(Duration.ofMillis(50), 1)
                : Behavior.runForever());
    start(config("n1"));
    Pod pod = master.putPod(boundPod("c", "n1", shell("main", "crash:1", "x").build()).build());
    String uid = pod.getMetadata().getUid();
    PodStatus s = awaitStatus(master, uid, st -> container(st, "main").getRestartCount() >= 4);
    assertThat(container(s, "main").getLastState().getTerminated().getExitCode()).isEqualTo(1);
    assertThat(master.statusHistory(uid))
        .anySatisfy(
            st ->
                assertThat(container(st, "main").getState().getWaiting().getReason())
                    .isEqualTo("CrashLoopBackOff"));
    List<Double> backoffs =
        master.events().stream()
            .filter(e -> e.getReason().equals("BackOff"))
            .map(e -> e.getMessage().replaceAll("^back-off ([0-9.]+)s .*$", "$1"))
            .map(Double::valueOf)
            .toList();
    // The back-off runs from the container's exit, so a sync that comes late (a loaded machine)
    // may find a short one already over and restart at once: no BackOff then, as with the
    // kubelet. Those seen double from 0.2 s, in order, and the 1.6 s one before the fourth
    // restart is long enough to be seen.
    assertThat(backoffs).isSubsetOf(0.2, 0.4, 0.8, 1.6, 2.0).isSorted().doesNotHaveDuplicates();
    assertThat(backoffs).contains(1.6);
    assertThat(s.getPhase()).isEqualTo(PodPhase.POD_PHASE_RUNNING);
  }

  @Test
  void changedContainerSpecReplacesTheContainerWhateverTheRestartPolicy() {
    start(config("n1"));
    Pod.Builder never = boundPod("changing", "n1", shell("main", "img:1", "run").build());
    never.getSpecBuilder().setRestartPolicy(RestartPolicy.RESTART_POLICY_NEVER);
    Pod pod = master.putPod(never.build());
    String uid = pod.getMetadata().getUid();
    PodStatus first = awaitStatus(master, uid, st -> container(st, "main").getState().hasRunning());
    String firstId = container(first, "main").getContainerId();

    // Same pod (same uid), new image: the old container is stopped and a new one made from the
    // new definition, even under restart policy Never, without any back-off.
    Pod.Builder changed = pod.toBuilder();
    changed.getSpecBuilder().getContainersBuilder(0).setImage("img:2");
    master.putPod(changed.build());
    PodStatus second =
        awaitStatus(
            master,
            uid,
            st ->
                container(st, "main").getState().hasRunning()
                    && !container(st, "main").getContainerId().equals(firstId));
    assertThat(container(second, "main").getImage()).isEqualTo("img:2");
    assertThat(container(second, "main").getRestartCount()).isEqualTo(1);
    assertThat(runtime.inspect(firstId.replace("docker://", "")).map(ContainerInfo::running))
        .hasValue(false);
    awaitEvents(
        events ->
            assertThat(events)
                .anySatisfy(
                    e ->
                        assertThat(e.getMessage())
                            .contains("main definition changed, will be restarted")));
    assertThat(master.events()).noneSatisfy(e -> assertThat(e.getReason()).isEqualTo("BackOff"));

    // A spec update that leaves the container's definition alone (a label) restarts nothing.
    Pod.Builder relabelled = changed.build().toBuilder();
    relabelled.getMetadataBuilder().putLabels("tier", "web");
    master.putPod(relabelled.build());
    String secondId = container(second, "main").getContainerId();
    await()
        .during(Duration.ofSeconds(1))
        .atMost(WAIT)
        .until(
            () -> container(master.status(uid).orElseThrow(), "main").getContainerId(),
            secondId::equals);
  }

  @Test
  void aRefusedStartRemovesTheContainerAndTriesAFreshOneWithoutAnyTrigger() {
    // The first start fails as a restarting daemon's does (500); nothing else touches the pod
    // (no periodic sync within the test's time), so only the timed retry can bring it up.
    AtomicInteger starts = new AtomicInteger();
    runtime.behavior(
        spec -> {
          if ("main".equals(spec.labels().get(Labels.CONTAINER_NAME))
              && starts.incrementAndGet() == 1) {
            throw new IllegalStateException("Status 500: context canceled");
          }
          return Behavior.runForever();
        });
    start(config("n1").syncPeriod(Duration.ofHours(1)));
    Pod pod = master.putPod(simplePod("refused", "n1"));
    String uid = pod.getMetadata().getUid();
    PodStatus s =
        awaitStatus(
            master, uid, st -> st.getPhase() == PodPhase.POD_PHASE_RUNNING && Pods.ready(st));
    assertThat(container(s, "main").getState().hasRunning()).isTrue();
    assertThat(starts.get()).isGreaterThanOrEqualTo(2);
    awaitEvents(
        events ->
            assertThat(events)
                .anyMatch(
                    e ->
                        e.getReason().equals("Failed")
                            && e.getMessage().contains("context canceled")));
    // The refused container was removed, not left behind beside the one that runs.
    assertThat(runtime.list(Map.of(Labels.POD_UID, uid, Labels.CONTAINER_NAME, "main"))).hasSize(1);
  }

  @Test
  void oomKillIsReported() {
    runtime.behavior(
        spec ->
            spec.image().equals("hog:1")
                ? Behavior.oomAfter(Duration.ofMillis(50))
                : Behavior.runForever());
    start(config("n1"));
    Pod pod = master.putPod(boundPod("hog", "n1", shell("main", "hog:1", "x").build()).build());
    PodStatus s =
        awaitStatus(
            master, pod.getMetadata().getUid(), st -> container(st, "main").getRestartCount() >= 1);
    assertThat(container(s, "main").getLastState().getTerminated().getReason())
        .isEqualTo("OOMKilled");
    assertThat(container(s, "main").getLastState().getTerminated().getExitCode()).isEqualTo(137);
  }

  @Test
  void failedPullsGiveErrImagePullThenImagePullBackOff() {
    runtime.pullable(image -> !image.startsWith("missing"));
    start(config("n1"));
    Pod pod = master.putPod(boundPod("m", "n1", shell("main", "missing:1", "x").build()).build());
    String uid = pod.getMetadata().getUid();
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              List<String> reasons = new ArrayList<>();
              for (PodStatus st : master.statusHistory(uid)) {
                ContainerStatus c = container(st, "main");
                if (c.getState().hasWaiting()) {
                  reasons.add(c.getState().getWaiting().getReason());
                }
              }
              assertThat(reasons).contains("ErrImagePull");
              assertThat(reasons.subList(reasons.indexOf("ErrImagePull"), reasons.size()))
                  .contains("ImagePullBackOff");
            });
    assertThat(master.status(uid).orElseThrow().getPhase()).isEqualTo(PodPhase.POD_PHASE_PENDING);
  }

  @Test
  void pullPoliciesDecideWhetherToPull() {
    start(config("n1"));
    // IfNotPresent: the first pod pulls, the second finds the image and does not.
    Pod a =
        master.putPod(
            boundPod(
                    "a", "n1", policy("img:ifnp", ImagePullPolicy.IMAGE_PULL_POLICY_IF_NOT_PRESENT))
                .build());
    awaitStatus(
        master, a.getMetadata().getUid(), st -> st.getPhase() == PodPhase.POD_PHASE_RUNNING);
    Pod b =
        master.putPod(
            boundPod(
                    "b", "n1", policy("img:ifnp", ImagePullPolicy.IMAGE_PULL_POLICY_IF_NOT_PRESENT))
                .build());
    awaitStatus(
        master, b.getMetadata().getUid(), st -> st.getPhase() == PodPhase.POD_PHASE_RUNNING);
    // Always: every pod pulls, present or not.
    Pod c =
        master.putPod(
            boundPod("c", "n1", policy("img:ifnp", ImagePullPolicy.IMAGE_PULL_POLICY_ALWAYS))
                .build());
    awaitStatus(
        master, c.getMetadata().getUid(), st -> st.getPhase() == PodPhase.POD_PHASE_RUNNING);
    // Never: an absent image is not pulled; the container waits with ErrImageNeverPull.
    Pod d =
        master.putPod(
            boundPod("d", "n1", policy("img:absent", ImagePullPolicy.IMAGE_PULL_POLICY_NEVER))
                .build());
    PodStatus never =
        awaitStatus(
            master,
            d.getMetadata().getUid(),
            st ->
                container(st, "main")
                    .getState()
                    .getWaiting()
                    .getReason()
                    .equals("ErrImageNeverPull"));
    assertThat(never.getPhase()).isEqualTo(PodPhase.POD_PHASE_PENDING);
    assertThat(runtime.images()).contains("img:ifnp").doesNotContain("img:absent");
    // One lane carries the events in the order they were recorded: a Pulling of b would come
    // before c's, so once c's is in, the list is complete up to it.
    awaitEvents(
        events ->
            assertThat(
                    events.stream()
                        .filter(e -> e.getReason().equals("Pulling"))
                        .map(e -> e.getInvolvedObject().getName()))
                .containsExactlyInAnyOrder("a", "c"));
  }

  private static Container policy(String image, ImagePullPolicy policy) {
    return shell("main", image, "run").setImagePullPolicy(policy).build();
  }

  @Test
  void neverPolicyWithExitOneFailsThePod() {
    runtime.behavior(spec -> Behavior.exitAfter(Duration.ofMillis(20), 1));
    start(config("n1"));
    Pod p = simplePod("never", "n1");
    p =
        p.toBuilder()
            .setSpec(
                p.getSpec().toBuilder()
                    .setRestartPolicy(dev.drover.api.v1.RestartPolicy.RESTART_POLICY_NEVER))
            .build();
    Pod pod = master.putPod(p);
    PodStatus s =
        awaitStatus(
            master, pod.getMetadata().getUid(), st -> st.getPhase() == PodPhase.POD_PHASE_FAILED);
    assertThat(container(s, "main").getRestartCount()).isZero();
  }

  @Test
  void startupProbeHoldsBackReadiness() {
    AtomicBoolean started = new AtomicBoolean();
    runtime.execHandler(
        (spec, cmd) -> new ExecResult(cmd.get(0).equals("startup") && !started.get() ? 1 : 0, ""));
    start(config("n1"));
    Probe.Builder probe = Probe.newBuilder().setPeriodSeconds(1).setFailureThreshold(1000);
    Pod pod =
        master.putPod(
            boundPod(
                    "s",
                    "n1",
                    shell("main", "img:1", "x")
                        .setStartupProbe(
                            probe.clone().setExec(ExecAction.newBuilder().addCommand("startup")))
                        .setReadinessProbe(
                            probe.clone().setExec(ExecAction.newBuilder().addCommand("ready")))
                        .build())
                .build());
    String uid = pod.getMetadata().getUid();
    PodStatus running =
        awaitStatus(master, uid, st -> container(st, "main").getState().hasRunning());
    assertThat(container(running, "main").getStarted()).isFalse();
    assertThat(Pods.ready(running)).isFalse();
    started.set(true);
    PodStatus ready = awaitStatus(master, uid, Pods::ready);
    assertThat(container(ready, "main").getStarted()).isTrue();
    assertThat(container(ready, "main").getRestartCount()).isZero();
  }

  @Test
  void terminationWaitsForTheGracePeriodThenKillsRemovesAndConfirms() {
    runtime.behavior(
        spec -> spec.image().equals("stubborn:1") ? Behavior.ignoreTerm() : Behavior.runForever());
    start(config("n1"));
    Pod pod = master.putPod(boundPod("t", "n1", shell("main", "stubborn:1", "x").build()).build());
    String uid = pod.getMetadata().getUid();
    awaitStatus(master, uid, st -> st.getPhase() == PodPhase.POD_PHASE_RUNNING);
    Instant deleted = Instant.now();
    master.deletePod(uid, 1);
    await().atMost(WAIT).until(() -> master.confirmed().contains(uid));
    assertThat(Duration.between(deleted, Instant.now()))
        .isGreaterThanOrEqualTo(Duration.ofSeconds(1));
    assertThat(runtime.list(Map.of("drover.pod.uid", uid))).isEmpty();
    assertThat(master.pod(uid)).isEmpty();
  }

  @Test
  void newAgentAdoptsContainersAndRemovesOrphans() {
    NodeAgent first = start(config("n1"));
    List<Pod> pods = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      pods.add(master.putPod(simplePod("p" + i, "n1")));
    }
    List<String> ids = new ArrayList<>();
    for (Pod p : pods) {
      ids.add(
          container(
                  awaitStatus(
                      master,
                      p.getMetadata().getUid(),
                      st -> st.getPhase() == PodPhase.POD_PHASE_RUNNING),
                  "main")
              .getContainerId());
    }
    first.close();
    master.removePod(pods.get(2).getMetadata().getUid());
    start(config("n1"));
    await()
        .atMost(WAIT)
        .until(
            () ->
                runtime
                    .list(Map.of("drover.pod.uid", pods.get(2).getMetadata().getUid()))
                    .isEmpty());
    for (int i = 0; i < 2; i++) {
      List<ContainerInfo> mains =
          runtime.list(
              Map.of(
                  "drover.pod.uid",
                  pods.get(i).getMetadata().getUid(),
                  "drover.container.name",
                  "main"));
      assertThat(mains).extracting(c -> "docker://" + c.id()).containsExactly(ids.get(i));
      assertThat(mains.get(0).running()).isTrue();
    }
  }

  @Test
  void failsOverToTheNextMasterWithoutTouchingContainers() {
    FakeNodeService second = new FakeNodeService();
    closeables.add(second);
    Pod pod = master.putPod(simplePod("f", "n1"));
    second.putPod(pod);
    start(config("n1", master.endpoint(), second.endpoint()));
    String uid = pod.getMetadata().getUid();
    String id =
        container(
                awaitStatus(master, uid, st -> st.getPhase() == PodPhase.POD_PHASE_RUNNING), "main")
            .getContainerId();
    master.close();
    await()
        .atMost(WAIT)
        .until(() -> !second.registrations().isEmpty() && second.status(uid).isPresent());
    PodStatus s = awaitStatus(second, uid, st -> st.getPhase() == PodPhase.POD_PHASE_RUNNING);
    assertThat(container(s, "main").getContainerId()).isEqualTo(id);
    assertThat(container(s, "main").getRestartCount()).isZero();
  }

  @Test
  void leavesAHungMasterInTimeForAnotherToRenewTheLease() {
    // Lease 6 s as a real master announces; the general call timeout is 10 s, longer than it.
    master.leaseSeconds = 6;
    FakeNodeService second = new FakeNodeService();
    closeables.add(second);
    start(config("n1", master.endpoint(), second.endpoint()).callTimeout(Duration.ofSeconds(10)));
    await().atMost(WAIT).until(() -> master.heartbeats() > 0);
    long hungAt = System.nanoTime();
    master.hangHeartbeats = true;
    await().atMost(WAIT).until(() -> !second.registrations().isEmpty());
    Duration away = Duration.ofNanos(System.nanoTime() - hungAt);
    // The last answered heartbeat was just before the hang: the node must be renewed elsewhere
    // well within its 6 s lease, not after the 10 s call timeout.
    assertThat(away).isLessThan(Duration.ofSeconds(5));
  }

  @Test
  void aPodStuckInTheRuntimeHoldsUpNeitherHeartbeatsNorAFailover() throws Exception {
    // A pull that does not return, as a pod's sync can wait on Docker for minutes (a slow pull,
    // a remove that keeps failing); the sync holds its pod's lock all that time.
    CountDownLatch pulling = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    runtime.pullable(
        image -> {
          if (image.startsWith("stuck")) {
            pulling.countDown();
            try {
              release.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
          return true;
        });
    FakeNodeService second = new FakeNodeService();
    closeables.add(second);
    Pod running = master.putPod(simplePod("running", "n1"));
    second.putPod(running);
    start(config("n1", master.endpoint(), second.endpoint()));
    // Closed in reverse order: the pull returns before the agent closes.
    closeables.add(release::countDown);
    awaitStatus(
        master, running.getMetadata().getUid(), st -> st.getPhase() == PodPhase.POD_PHASE_RUNNING);
    Pod stuck =
        master.putPod(boundPod("stuck", "n1", shell("main", "stuck:1", "run").build()).build());
    second.putPod(stuck);
    assertThat(pulling.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();

    int before = master.heartbeats();
    await().atMost(Duration.ofSeconds(10)).until(() -> master.heartbeats() >= before + 5);

    // Moving to another master re-registers and reports every pod's status again: the stuck pod
    // must not hold that up either.
    master.close();
    await().atMost(Duration.ofSeconds(10)).until(() -> !second.registrations().isEmpty());
    await().atMost(Duration.ofSeconds(10)).until(() -> second.heartbeats() >= 5);
    awaitStatus(
        second, running.getMetadata().getUid(), st -> st.getPhase() == PodPhase.POD_PHASE_RUNNING);
  }

  @Test
  void watchResumesAfterTheStreamBreaks() {
    start(config("n1"));
    Pod a = master.putPod(simplePod("a", "n1"));
    awaitStatus(
        master, a.getMetadata().getUid(), st -> st.getPhase() == PodPhase.POD_PHASE_RUNNING);
    int registrations = master.registrations().size();
    master.breakWatches();
    Pod b = master.putPod(simplePod("b", "n1"));
    awaitStatus(
        master, b.getMetadata().getUid(), st -> st.getPhase() == PodPhase.POD_PHASE_RUNNING);
    assertThat(master.registrations()).hasSize(registrations);
    assertThat(
            container(master.status(a.getMetadata().getUid()).orElseThrow(), "main")
                .getRestartCount())
        .isZero();
  }

  @Test
  void recoversPodsAfterARuntimeOutage() {
    NodeAgent agent = start(config("n1"));
    Pod pod = master.putPod(simplePod("o", "n1"));
    String uid = pod.getMetadata().getUid();
    awaitStatus(master, uid, st -> st.getPhase() == PodPhase.POD_PHASE_RUNNING);
    runtime.crashAll();
    runtime.setAvailable(false);
    await().atMost(WAIT).until(() -> agent.syncer().runtimeDown());
    runtime.setAvailable(true);
    PodStatus s =
        awaitStatus(
            master,
            uid,
            st ->
                st.getPhase() == PodPhase.POD_PHASE_RUNNING
                    && container(st, "main").getState().hasRunning()
                    && container(st, "main").getRestartCount() >= 1);
    await().atMost(WAIT).until(() -> !agent.syncer().runtimeDown());
    assertThat(runtime.list(Map.of("drover.pod.uid", uid)).stream().filter(ContainerInfo::running))
        .hasSize(2);
  }

  @Test
  void manyAgentsShareOneJvm() {
    int agents = 100;
    List<Pod> pods = new ArrayList<>();
    for (int i = 0; i < agents; i++) {
      String node = "many-" + i;
      start(config(node).syncThreads(1).dataDir(dataDir.resolve(node)));
      for (int j = 0; j < 3; j++) {
        pods.add(master.putPod(simplePod("p" + j, node)));
      }
    }
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                pods.stream()
                    .allMatch(
                        p ->
                            master
                                .status(p.getMetadata().getUid())
                                .map(s -> s.getPhase() == PodPhase.POD_PHASE_RUNNING)
                                .orElse(false)));
    assertThat(runtime.list(Map.of()).stream().filter(ContainerInfo::running).count())
        .isEqualTo(agents * 3L * 2);
  }
}
