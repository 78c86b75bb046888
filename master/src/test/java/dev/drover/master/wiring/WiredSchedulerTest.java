package dev.drover.master.wiring;

import static dev.drover.testing.TestObjects.container;
import static dev.drover.testing.TestObjects.readyNode;
import static dev.drover.testing.TestObjects.requests;
import static dev.drover.testing.TestObjects.wrap;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.drover.api.v1.Condition;
import dev.drover.api.v1.ConditionStatus;
import dev.drover.api.v1.CreateRequest;
import dev.drover.api.v1.Event;
import dev.drover.api.v1.EventType;
import dev.drover.api.v1.GetRequest;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.ListRequest;
import dev.drover.api.v1.NodeSpec;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.Taint;
import dev.drover.api.v1.TaintEffect;
import dev.drover.master.InProcessMaster;
import dev.drover.master.scheduler.SchedulerConfig;
import dev.drover.testing.TestObjects;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The scheduler inside a real master, observed through ControlService only: why a pod cannot be
 * placed (PodScheduled condition and FailedScheduling event) and how a node joining places it at
 * once. The backoff is ten minutes, so a pod placed within seconds of the node's creation was
 * retried because of the node event, not because its backoff ran out.
 */
class WiredSchedulerTest {
  private static final Duration PATIENCE = Duration.ofSeconds(60);
  private static final long BACKOFF_MILLIS = TimeUnit.MINUTES.toMillis(10);
  private static final String MESSAGE =
      "0/2 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint {dedicated: gpu}.";

  private InProcessMaster m;

  @BeforeEach
  void start() {
    // No controllers: nothing here heartbeats, so the node lifecycle controller would
    // otherwise mark the nodes unreachable on a slow run.
    m =
        new InProcessMaster(
            b ->
                b.controllers(false)
                    .schedulerConfig(
                        SchedulerConfig.defaults(11).withBackoff(BACKOFF_MILLIS, BACKOFF_MILLIS)));
    await().atMost(PATIENCE).until(() -> m.master.isActive());
  }

  @AfterEach
  void stop() throws InterruptedException {
    m.close();
  }

  @Test
  void unschedulablePodIsExplainedAndPlacedAsSoonAsAFittingNodeJoins() {
    create(node("small", "1", null));
    create(
        node(
            "gpu",
            "16",
            Taint.newBuilder()
                .setKey("dedicated")
                .setValue("gpu")
                .setEffect(TaintEffect.TAINT_EFFECT_NO_SCHEDULE)
                .build()));
    create(pod("big", "2"));

    await()
        .atMost(PATIENCE)
        .untilAsserted(
            () -> {
              Pod big = getPod("big");
              assertThat(big.getSpec().getNodeName()).isEmpty();
              assertThat(scheduledCondition(big)).isPresent();
              Condition c = scheduledCondition(big).get();
              assertThat(c.getStatus()).isEqualTo(ConditionStatus.CONDITION_STATUS_FALSE);
              assertThat(c.getReason()).isEqualTo("Unschedulable");
              assertThat(c.getMessage()).isEqualTo(MESSAGE);
            });
    await()
        .atMost(PATIENCE)
        .untilAsserted(
            () ->
                assertThat(eventsAbout("big"))
                    .anySatisfy(
                        e -> {
                          assertThat(e.getReason()).isEqualTo("FailedScheduling");
                          assertThat(e.getType()).isEqualTo(EventType.EVENT_TYPE_WARNING);
                          assertThat(e.getMessage()).isEqualTo(MESSAGE);
                          assertThat(e.getInvolvedObject().getKind()).isEqualTo(Kind.KIND_POD);
                          assertThat(e.getSource().getComponent()).isEqualTo("default-scheduler");
                        }));

    long joined = System.nanoTime();
    create(node("large", "4", null));
    await().atMost(PATIENCE).until(() -> getPod("big").getSpec().getNodeName().equals("large"));
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - joined);
    // Typically well under a second; the bound is loose for a loaded CI machine, yet far
    // below the ten-minute backoff that would have been the only other way to get here.
    assertThat(millis).isLessThan(10_000);
    Pod big = getPod("big");
    assertThat(scheduledCondition(big).orElseThrow().getStatus())
        .isEqualTo(ConditionStatus.CONDITION_STATUS_TRUE);
    await()
        .atMost(PATIENCE)
        .untilAsserted(
            () ->
                assertThat(eventsAbout("big"))
                    .anySatisfy(
                        e -> {
                          assertThat(e.getReason()).isEqualTo("Scheduled");
                          assertThat(e.getMessage())
                              .isEqualTo("Successfully assigned default/big to large");
                        }));
  }

  private static Optional<Condition> scheduledCondition(Pod p) {
    return p.getStatus().getConditionsList().stream()
        .filter(c -> c.getType().equals("PodScheduled"))
        .findFirst();
  }

  private List<Event> eventsAbout(String podName) {
    return m
        .control()
        .list(ListRequest.newBuilder().setKind(Kind.KIND_EVENT).setNamespace("default").build())
        .getItemsList()
        .stream()
        .map(Object::getEvent)
        .filter(e -> e.getInvolvedObject().getName().equals(podName))
        .toList();
  }

  private Pod getPod(String name) {
    return m.control()
        .get(
            GetRequest.newBuilder()
                .setKind(Kind.KIND_POD)
                .setNamespace("default")
                .setName(name)
                .build())
        .getPod();
  }

  private void create(Object o) {
    m.control().create(CreateRequest.newBuilder().setObject(o).build());
  }

  private static Object pod(String name, String cpu) {
    return wrap(
        TestObjects.pod(
            "default", name, container("main", "busybox:1").setResources(requests(cpu, null))));
  }

  private static Object node(String name, String cpu, Taint taint) {
    NodeSpec.Builder spec = NodeSpec.newBuilder();
    if (taint != null) {
      spec.addTaints(taint);
    }
    return wrap(readyNode(name, cpu, "8Gi", "110").setSpec(spec));
  }
}
