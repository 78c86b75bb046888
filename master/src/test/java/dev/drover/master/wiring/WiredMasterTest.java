package dev.drover.master.wiring;

import static dev.drover.testing.TestObjects.container;
import static dev.drover.testing.TestObjects.podSpec;
import static dev.drover.testing.TestObjects.readyNode;
import static dev.drover.testing.TestObjects.requests;
import static dev.drover.testing.TestObjects.wrap;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.drover.api.v1.Condition;
import dev.drover.api.v1.ConditionStatus;
import dev.drover.api.v1.Container;
import dev.drover.api.v1.CreateRequest;
import dev.drover.api.v1.Deployment;
import dev.drover.api.v1.DeploymentSpec;
import dev.drover.api.v1.GetRequest;
import dev.drover.api.v1.HeartbeatRequest;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.LabelSelector;
import dev.drover.api.v1.ListRequest;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodSpec;
import dev.drover.api.v1.PodTemplateSpec;
import dev.drover.api.v1.ResourceRequirements;
import dev.drover.master.Fixtures;
import dev.drover.master.InProcessMaster;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One in-memory master with its default wiring: the real validator behind the API, the scheduler
 * and the controllers running on the active master, all driven through ControlService.
 */
class WiredMasterTest {
  private static final Duration PATIENCE = Duration.ofSeconds(60);
  private InProcessMaster m;
  // The node lifecycle controller runs here too: without heartbeats it would mark the node
  // unreachable after its grace period, which a slow machine could reach mid-test.
  private final ScheduledExecutorService heartbeats = Executors.newSingleThreadScheduledExecutor();

  @BeforeEach
  void start() {
    m = new InProcessMaster();
    await().atMost(PATIENCE).until(() -> m.master.isActive());
  }

  @AfterEach
  void stop() throws InterruptedException {
    heartbeats.shutdownNow();
    assertThat(heartbeats.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    m.close();
  }

  @Test
  void deploymentPodsAreCreatedAndBoundAndAnOversizedPodIsUnschedulable() {
    create(node("worker-1"));
    heartbeats.scheduleWithFixedDelay(() -> heartbeat("worker-1"), 0, 1, TimeUnit.SECONDS);
    create(
        Object.newBuilder()
            .setDeployment(
                Deployment.newBuilder()
                    .setMetadata(ObjectMeta.newBuilder().setNamespace("default").setName("web"))
                    .setSpec(
                        DeploymentSpec.newBuilder()
                            .setReplicas(3)
                            .setSelector(LabelSelector.newBuilder().putMatchLabels("app", "web"))
                            .setTemplate(
                                PodTemplateSpec.newBuilder()
                                    .setMetadata(ObjectMeta.newBuilder().putLabels("app", "web"))
                                    .setSpec(spec("100m", "64Mi")))))
            .build());

    await()
        .atMost(PATIENCE)
        .untilAsserted(() -> assertThat(list(Kind.KIND_REPLICA_SET)).hasSize(1));
    await()
        .atMost(PATIENCE)
        .untilAsserted(
            () -> {
              List<Pod> pods =
                  list(Kind.KIND_POD).stream().map(Object::getPod).collect(Collectors.toList());
              assertThat(pods).hasSize(3);
              assertThat(pods)
                  .allSatisfy(p -> assertThat(p.getSpec().getNodeName()).isEqualTo("worker-1"));
            });

    create(
        Object.newBuilder()
            .setPod(
                Pod.newBuilder()
                    .setMetadata(ObjectMeta.newBuilder().setNamespace("default").setName("huge"))
                    .setSpec(spec("64", "1Gi")))
            .build());
    await()
        .atMost(PATIENCE)
        .untilAsserted(
            () -> {
              Pod huge =
                  m.control()
                      .get(
                          GetRequest.newBuilder()
                              .setKind(Kind.KIND_POD)
                              .setNamespace("default")
                              .setName("huge")
                              .build())
                      .getPod();
              assertThat(huge.getSpec().getNodeName()).isEmpty();
              // An assertion, not orElseThrow: untilAsserted retries only assertion failures, and
              // the
              // scheduler may not have written the condition by the first poll.
              Optional<Condition> written =
                  huge.getStatus().getConditionsList().stream()
                      .filter(c -> c.getType().equals("PodScheduled"))
                      .findFirst();
              assertThat(written).isPresent();
              Condition scheduled = written.get();
              assertThat(scheduled.getStatus()).isEqualTo(ConditionStatus.CONDITION_STATUS_FALSE);
              assertThat(scheduled.getReason()).isEqualTo("Unschedulable");
            });
  }

  @Test
  void invalidPodIsRejectedWithEveryFieldViolation() {
    Object bad =
        Object.newBuilder()
            .setPod(
                Pod.newBuilder()
                    .setMetadata(
                        ObjectMeta.newBuilder().setNamespace("default").setName("Bad_Name"))
                    .setSpec(
                        PodSpec.newBuilder()
                            .addContainers(Container.newBuilder().setName("Main!"))
                            .addContainers(
                                Container.newBuilder()
                                    .setName("ok")
                                    .setImage("busybox:1")
                                    .setResources(
                                        ResourceRequirements.newBuilder()
                                            .putRequests("cpu", "lots")))))
            .build();

    assertThatThrownBy(() -> create(bad))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
              assertThat(Fixtures.violatedFields(e))
                  .contains("metadata.name", "spec.containers[0].name", "spec.containers[0].image");
              assertThat(Fixtures.violatedFields(e))
                  .anySatisfy(f -> assertThat(f).startsWith("spec.containers[1].resources"));
            });
    assertThat(list(Kind.KIND_POD)).isEmpty();
  }

  private static PodSpec.Builder spec(String cpu, String memory) {
    return podSpec(container("main", "busybox:1").setResources(requests(cpu, memory)));
  }

  private static Object node(String name) {
    return wrap(readyNode(name, "4", "8Gi", "110"));
  }

  private void heartbeat(String nodeName) {
    try {
      m.node()
          .heartbeat(
              HeartbeatRequest.newBuilder()
                  .setNodeName(nodeName)
                  .addConditions(
                      Condition.newBuilder()
                          .setType("Ready")
                          .setStatus(ConditionStatus.CONDITION_STATUS_TRUE)
                          .setReason("KubeletReady"))
                  .build());
    } catch (StatusRuntimeException e) {
      // A missed beat is what the grace period is for; the next one follows in a second.
    }
  }

  private Object create(Object o) {
    return m.control().create(CreateRequest.newBuilder().setObject(o).build());
  }

  private List<Object> list(Kind kind) {
    return m.control()
        .list(ListRequest.newBuilder().setKind(kind).setNamespace("default").build())
        .getItemsList();
  }
}
