package dev.drover.agent.sync;

import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.api.v1.Event;
import dev.drover.api.v1.EventType;
import dev.drover.api.v1.GetPodDependenciesResponse;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodPhase;
import dev.drover.api.v1.PodStatus;
import dev.drover.api.v1.PodStatusUpdate;
import dev.drover.api.v1.PodStatusUpdateResult;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Status writes are coalesced: however many updates a pod gets between two flushes, one call
 * carries only the latest of each pod; what a failed call carried is sent by the next flush unless
 * something newer replaced it.
 */
class StatusReporterTest {

  /** Records the calls; fails them while {@code down}. */
  private static final class RecordingMaster implements MasterClient {
    final List<List<PodStatusUpdate>> statusCalls = new ArrayList<>();
    final List<List<Event>> eventCalls = new ArrayList<>();
    boolean down;

    @Override
    public List<PodStatusUpdateResult> updatePodStatuses(List<PodStatusUpdate> updates) {
      if (down) {
        throw new IllegalStateException("no master");
      }
      statusCalls.add(List.copyOf(updates));
      return List.of();
    }

    @Override
    public void recordEvents(List<Event> events) {
      if (down) {
        throw new IllegalStateException("no master");
      }
      eventCalls.add(List.copyOf(events));
    }

    @Override
    public boolean confirmPodTermination(String namespace, String name, String uid) {
      return true;
    }

    @Override
    public GetPodDependenciesResponse podDependencies(
        String namespace, Collection<String> secretNames, Collection<String> configMapNames) {
      return GetPodDependenciesResponse.getDefaultInstance();
    }
  }

  private final RecordingMaster master = new RecordingMaster();
  private final StatusReporter reporter = new StatusReporter(master, "n1");

  private static PodStatusUpdate update(String uid, PodPhase phase, String ip) {
    return PodStatusUpdate.newBuilder()
        .setNamespace("default")
        .setName("pod-" + uid)
        .setUid(uid)
        .setStatus(PodStatus.newBuilder().setPhase(phase).setPodIp(ip))
        .build();
  }

  @Test
  void manyUpdatesOfOnePodBetweenFlushesBecomeOneWriteOfTheLatest() {
    for (int i = 0; i < 100; i++) {
      reporter.offer(update("a", PodPhase.POD_PHASE_PENDING, "10.0.0." + i));
    }
    reporter.offer(update("b", PodPhase.POD_PHASE_RUNNING, "10.0.1.1"));
    reporter.offer(update("a", PodPhase.POD_PHASE_RUNNING, "10.0.0.200"));
    reporter.flushSafely();

    assertThat(master.statusCalls).hasSize(1);
    assertThat(master.statusCalls.get(0))
        .extracting(u -> u.getUid() + "=" + u.getStatus().getPodIp())
        .containsExactly("a=10.0.0.200", "b=10.0.1.1");
    // Nothing pending: a further flush makes no call at all.
    reporter.flushSafely();
    assertThat(master.statusCalls).hasSize(1);
  }

  @Test
  void aFailedFlushIsRetriedButNewerUpdatesWin() {
    Pod pod =
        Pod.newBuilder()
            .setMetadata(ObjectMeta.newBuilder().setNamespace("default").setName("p").setUid("a"))
            .build();
    reporter.offer(update("a", PodPhase.POD_PHASE_PENDING, ""));
    reporter.offer(update("b", PodPhase.POD_PHASE_PENDING, ""));
    reporter.event(pod, "main", EventType.EVENT_TYPE_NORMAL, "Pulled", "pulled");
    master.down = true;
    reporter.flushSafely();
    assertThat(master.statusCalls).isEmpty();

    reporter.offer(update("a", PodPhase.POD_PHASE_RUNNING, "10.0.0.9"));
    master.down = false;
    reporter.flushSafely();
    assertThat(master.statusCalls).hasSize(1);
    assertThat(master.statusCalls.get(0))
        .extracting(u -> u.getUid() + "=" + u.getStatus().getPhase())
        .containsExactlyInAnyOrder("a=POD_PHASE_RUNNING", "b=POD_PHASE_PENDING");
    assertThat(master.eventCalls).hasSize(1);
    assertThat(master.eventCalls.get(0)).extracting(Event::getReason).containsExactly("Pulled");
  }
}
