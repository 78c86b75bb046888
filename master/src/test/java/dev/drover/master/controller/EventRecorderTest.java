package dev.drover.master.controller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.api.ApiObjects;
import dev.drover.api.v1.ConfigMap;
import dev.drover.api.v1.Event;
import dev.drover.api.v1.EventType;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.Node;
import dev.drover.master.events.EventRecorder;
import dev.drover.testing.FakeClock;
import dev.drover.testing.TestObjects;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EventRecorderTest {
  private final FakeClock clock = new FakeClock();
  private final FakeCluster cluster = new FakeCluster(clock);
  private final EventRecorder recorder =
      new EventRecorder(cluster::recordEvent, clock, "test-controller");

  @Test
  void anEventNamesItsObjectReasonTypeSourceAndTime() {
    ConfigMap cm =
        cluster.create(ConfigMap.newBuilder().setMetadata(TestObjects.meta("cm")).build());
    recorder.warning(cm, "SomethingFailed", "it failed");

    Event event = cluster.events().get(0);
    assertThat(event.getInvolvedObject().getKind()).isEqualTo(Kind.KIND_CONFIG_MAP);
    assertThat(event.getInvolvedObject().getName()).isEqualTo("cm");
    assertThat(event.getInvolvedObject().getNamespace()).isEqualTo("default");
    assertThat(event.getInvolvedObject().getUid()).isEqualTo(cm.getMetadata().getUid());
    assertThat(event.getReason()).isEqualTo("SomethingFailed");
    assertThat(event.getMessage()).isEqualTo("it failed");
    assertThat(event.getType()).isEqualTo(EventType.EVENT_TYPE_WARNING);
    assertThat(event.getSource().getComponent()).isEqualTo("test-controller");
    assertThat(event.getMetadata().getNamespace()).isEqualTo("default");
    assertThat(ApiObjects.instant(event.getLastTimestamp())).isEqualTo(clock.instant());
  }

  @Test
  void eventsAboutClusterScopedObjectsGoToTheDefaultNamespace() {
    Node node = cluster.create(TestObjects.node("n1", Map.of()));
    recorder.normal(node, "NodeReady", "ready");
    Event event = cluster.events().get(0);
    assertThat(event.getType()).isEqualTo(EventType.EVENT_TYPE_NORMAL);
    assertThat(event.getMetadata().getNamespace()).isEqualTo("default");
    assertThat(event.getInvolvedObject().getKind()).isEqualTo(Kind.KIND_NODE);
  }
}
