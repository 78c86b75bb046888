package dev.drover.master.scheduler.plugins;

import static dev.drover.master.scheduler.Fixtures.node;
import static dev.drover.master.scheduler.Fixtures.pod;
import static dev.drover.master.scheduler.Fixtures.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.master.scheduler.framework.ClusterSnapshot;
import dev.drover.master.scheduler.framework.PodInfo;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** LeastAllocatedScore, MostAllocatedScore and BalancedAllocationScore on the same cluster. */
class ResourceAllocationScoreTest {

  // n1: 2 of 4 CPUs and 4 of 8 GiB taken; n2 empty; n3 all CPU taken but little memory.
  private final ClusterSnapshot snap =
      snapshot(
          List.of(node("n1").build(), node("n2").build(), node("n3").build()),
          List.of(
              pod("a").cpu("2").memory("4Gi").nodeName("n1").build(),
              pod("b").cpu("3").memory("1Gi").nodeName("n3").build()));
  private final PodInfo pod = pod("p").cpu("1").memory("2Gi").info();

  @Test
  void leastAllocatedScoresTheRoomLeftOnceThePodIsAdded() {
    Map<String, Long> s = Plugins.scores(new LeastAllocatedScore(1), pod, snap);
    // n1: cpu (4000-3000)/4000 = 25, memory (8-6)/8 = 25.
    assertThat(s).containsEntry("n1", 25L).containsEntry("n2", (75L + 75L) / 2);
    assertThat(s.get("n2")).isGreaterThan(s.get("n1"));
  }

  @Test
  void mostAllocatedScoresHowFullTheNodeGets() {
    Map<String, Long> s = Plugins.scores(new MostAllocatedScore(1), pod, snap);
    assertThat(s).containsEntry("n1", 75L).containsEntry("n2", 25L);
    // n3: all four CPUs (100), 3 of 8 GiB (37).
    assertThat(s).containsEntry("n3", (100L + 37L) / 2);
  }

  @Test
  void balancedAllocationFavoursCpuAndMemoryInStep() {
    Map<String, Long> s = Plugins.scores(new BalancedAllocationScore(1), pod, snap);
    assertThat(s).containsEntry("n1", 100L).containsEntry("n2", 100L);
    assertThat(s.get("n3")).isLessThan(100L);
  }
}
