package dev.drover.master.controller.daemonset;

import static dev.drover.master.controller.Fixtures.makeReady;
import static dev.drover.testing.TestObjects.meta;
import static dev.drover.testing.TestObjects.node;
import static dev.drover.testing.TestObjects.selector;
import static dev.drover.testing.TestObjects.template;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Message;
import dev.drover.api.v1.DaemonSet;
import dev.drover.api.v1.DaemonSetSpec;
import dev.drover.api.v1.DaemonSetStatus;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.Node;
import dev.drover.api.v1.NodeAffinity;
import dev.drover.api.v1.NodeSelector;
import dev.drover.api.v1.NodeSelectorOperator;
import dev.drover.api.v1.NodeSelectorRequirement;
import dev.drover.api.v1.NodeSelectorTerm;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodPhase;
import dev.drover.api.v1.PodTemplateSpec;
import dev.drover.api.v1.Taint;
import dev.drover.api.v1.TaintEffect;
import dev.drover.api.v1.Toleration;
import dev.drover.api.v1.TolerationOperator;
import dev.drover.master.controller.Fixtures;
import dev.drover.master.controller.Harness;
import dev.drover.master.controller.Pods;
import dev.drover.master.controller.ResourceHandler;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class DaemonSetControllerTest {
  private static final Map<String, String> LABELS = Map.of("app", "agent");

  private final Harness h = new Harness();
  private final DaemonSetController controller = h.add(new DaemonSetController(h.context()));

  private void addNode(String name, Map<String, String> labels) {
    h.cluster.create(node(name, labels));
    h.settle();
  }

  private DaemonSet create(UnaryOperator<PodTemplateSpec.Builder> template) {
    DaemonSet ds = submit(template);
    h.settle();
    return ds;
  }

  private DaemonSet submit(UnaryOperator<PodTemplateSpec.Builder> template) {
    return h.cluster.create(
        DaemonSet.newBuilder()
            .setMetadata(meta("agent"))
            .setSpec(
                DaemonSetSpec.newBuilder()
                    .setSelector(selector(LABELS))
                    .setTemplate(template.apply(template(LABELS, "agent:1").toBuilder())))
            .build());
  }

  private List<Pod> pods() {
    return h.cluster.<Pod>stored(Kind.KIND_POD).stream().filter(Pods::isActive).toList();
  }

  private List<String> podNodes() {
    return pods().stream().map(p -> p.getSpec().getNodeName()).sorted().toList();
  }

  private DaemonSetStatus status() {
    return h.cluster.<DaemonSet>stored(Kind.KIND_DAEMON_SET, "default", "agent").getStatus();
  }

  @Test
  void creationsObservedWhileASyncListsDoNotCreateThePodsAgain() {
    addNode("n1", Map.of());
    addNode("n2", Map.of());
    submit(t -> t);
    h.cluster.holdEvents();
    h.settle();
    assertThat(h.cluster.<Pod>stored(Kind.KIND_POD)).hasSize(2);
    // The next sync lists no pods; the two creations arrive just after its list.
    h.cluster.releaseEventsAfterNextList(Kind.KIND_POD);
    controller.queue().add("default/agent");
    h.settle();
    assertThat(podNodes()).containsExactly("n1", "n2");
    assertThat(h.cluster.eventReasons("agent"))
        .containsExactly("SuccessfulCreate", "SuccessfulCreate");
  }

  @Test
  void runsOnePodPerNodeBoundDirectlyAndFollowsNodesJoiningAndLeaving() {
    addNode("n1", Map.of());
    addNode("n2", Map.of());
    create(t -> t);
    assertThat(podNodes()).containsExactly("n1", "n2");
    assertThat(pods())
        .allMatch(
            p ->
                p.getMetadata()
                    .getLabelsMap()
                    .containsKey(DaemonSetController.TEMPLATE_HASH_LABEL));
    assertThat(h.cluster.eventReasons("agent"))
        .containsExactly("SuccessfulCreate", "SuccessfulCreate");

    addNode("n3", Map.of());
    assertThat(podNodes()).containsExactly("n1", "n2", "n3");
    assertThat(h.cluster.eventReasons("agent"))
        .containsExactly("SuccessfulCreate", "SuccessfulCreate", "SuccessfulCreate");

    h.cluster.delete(
        Kind.KIND_NODE, "", "n2", dev.drover.master.controller.DeleteOptions.background());
    h.settle();
    assertThat(podNodes()).containsExactly("n1", "n3");
    assertThat(status().getDesiredNumberScheduled()).isEqualTo(2);
    assertThat(status().getCurrentNumberScheduled()).isEqualTo(2);
    assertThat(h.cluster.eventReasons("agent"))
        .containsExactly(
            "SuccessfulCreate", "SuccessfulCreate", "SuccessfulCreate", "SuccessfulDelete");
  }

  @Test
  void honoursNodeSelectorAffinityAndTaintsButIgnoresCordon() {
    addNode("ssd", Map.of("disk", "ssd", "zone", "a"));
    addNode("hdd", Map.of("disk", "hdd", "zone", "a"));
    addNode("ssd-b", Map.of("disk", "ssd", "zone", "b"));
    Node tainted =
        node("gpu", Map.of("disk", "ssd", "zone", "a")).toBuilder()
            .setSpec(
                dev.drover.api.v1.NodeSpec.newBuilder()
                    .addTaints(
                        Taint.newBuilder()
                            .setKey("gpu")
                            .setEffect(TaintEffect.TAINT_EFFECT_NO_SCHEDULE)))
            .build();
    h.cluster.create(tainted);
    Node cordoned =
        node("cordoned", Map.of("disk", "ssd", "zone", "a")).toBuilder()
            .setSpec(dev.drover.api.v1.NodeSpec.newBuilder().setUnschedulable(true))
            .build();
    h.cluster.create(cordoned);
    create(
        t -> {
          t.getSpecBuilder().putNodeSelector("disk", "ssd");
          t.getSpecBuilder()
              .getAffinityBuilder()
              .setNodeAffinity(
                  NodeAffinity.newBuilder()
                      .setRequiredDuringSchedulingIgnoredDuringExecution(
                          NodeSelector.newBuilder()
                              .addNodeSelectorTerms(
                                  NodeSelectorTerm.newBuilder()
                                      .addMatchExpressions(
                                          NodeSelectorRequirement.newBuilder()
                                              .setKey("zone")
                                              .setOperator(
                                                  NodeSelectorOperator.NODE_SELECTOR_OPERATOR_IN)
                                              .addValues("a")))));
          return t;
        });
    assertThat(podNodes()).containsExactly("cordoned", "ssd");
    assertThat(status().getDesiredNumberScheduled()).isEqualTo(2);

    // Tolerating the taint adds the tainted node.
    DaemonSet ds = h.cluster.stored(Kind.KIND_DAEMON_SET, "default", "agent");
    PodTemplateSpec.Builder t = ds.getSpec().getTemplate().toBuilder();
    t.getSpecBuilder()
        .addTolerations(
            Toleration.newBuilder()
                .setKey("gpu")
                .setOperator(TolerationOperator.TOLERATION_OPERATOR_EXISTS));
    h.cluster.update(ds.toBuilder().setSpec(ds.getSpec().toBuilder().setTemplate(t)).build());
    h.settle();
    for (int i = 0; i < 5; i++) {
      pods()
          .forEach(
              p -> {
                if (!Pods.isReady(p)) {
                  makeReady(h.cluster, h.clock, p, p.getSpec().getNodeName());
                }
              });
      h.settle();
    }
    assertThat(podNodes()).containsExactly("cordoned", "gpu", "ssd");

    // A node that gains a NoExecute taint the pod does not tolerate loses its pod.
    Node ssd = h.cluster.stored(Kind.KIND_NODE, "", "ssd");
    h.cluster.update(
        ssd.toBuilder()
            .setSpec(
                ssd.getSpec().toBuilder()
                    .addTaints(
                        Taint.newBuilder()
                            .setKey("maintenance")
                            .setEffect(TaintEffect.TAINT_EFFECT_NO_EXECUTE)))
            .build());
    h.settle();
    assertThat(podNodes()).containsExactly("cordoned", "gpu");
  }

  @Test
  void replacesFailedPods() {
    addNode("n1", Map.of());
    create(t -> t);
    Pod first = pods().get(0);
    Fixtures.setPhase(h.cluster, first, PodPhase.POD_PHASE_FAILED);
    h.settle();
    assertThat(pods()).hasSize(1);
    assertThat(pods().get(0).getMetadata().getUid()).isNotEqualTo(first.getMetadata().getUid());
  }

  @Test
  void rollingUpdateReplacesAtMostMaxUnavailableNodesAtATime() {
    for (int i = 1; i <= 4; i++) {
      addNode("n" + i, Map.of());
    }
    create(t -> t);
    pods().forEach(p -> makeReady(h.cluster, h.clock, p, p.getSpec().getNodeName()));
    h.settle();
    assertThat(status().getNumberAvailable()).isEqualTo(4);

    List<String> violations = new ArrayList<>();
    h.cluster.addHandler(
        Kind.KIND_POD,
        new ResourceHandler() {
          @Override
          public void onDelete(Message o) {
            long nodesAvailable =
                pods().stream()
                    .filter(Pods::isReady)
                    .map(p -> p.getSpec().getNodeName())
                    .distinct()
                    .count();
            if (nodesAvailable < 3) {
              violations.add("only " + nodesAvailable + " nodes available");
            }
          }
        });
    DaemonSet ds = h.cluster.stored(Kind.KIND_DAEMON_SET, "default", "agent");
    h.cluster.update(
        ds.toBuilder()
            .setSpec(ds.getSpec().toBuilder().setTemplate(template(LABELS, "agent:2")))
            .build());
    h.settle();
    for (int round = 0; round < 20; round++) {
      pods()
          .forEach(
              p -> {
                if (!Pods.isReady(p)) {
                  makeReady(h.cluster, h.clock, p, p.getSpec().getNodeName());
                }
              });
      h.settle();
    }
    assertThat(violations).isEmpty();
    assertThat(pods())
        .hasSize(4)
        .allMatch(p -> p.getSpec().getContainers(0).getImage().equals("agent:2"));
    assertThat(status().getUpdatedNumberScheduled()).isEqualTo(4);
    assertThat(status().getNumberAvailable()).isEqualTo(4);
  }

  @Test
  void daemonPodsTolerateTheNodeLifecycleTaints() {
    addNode("n1", Map.of());
    create(t -> t);
    assertThat(pods().get(0).getSpec().getTolerationsList())
        .extracting(Toleration::getKey)
        .contains("node.kubernetes.io/unreachable", "node.kubernetes.io/not-ready");
  }
}
