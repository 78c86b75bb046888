package dev.drover.master.scheduler;

import static dev.drover.master.scheduler.Fixtures.node;
import static dev.drover.master.scheduler.Fixtures.pod;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.drover.master.scheduler.SchedulerConfig.Strategy;
import dev.drover.master.scheduler.framework.ClusterSnapshot;
import dev.drover.master.scheduler.framework.CycleState;
import dev.drover.master.scheduler.framework.FilterPlugin;
import dev.drover.master.scheduler.framework.NodeInfo;
import dev.drover.master.scheduler.framework.PodInfo;
import dev.drover.master.scheduler.framework.ScorePlugin;
import dev.drover.master.scheduler.framework.Status;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The algorithm runs exactly the plugins of its profile, in order, and nothing else. */
class SchedulingProfileTest {

  private static final SchedulerConfig CONFIG = SchedulerConfig.defaults(3);

  /** A not-ready, cordoned node the default filters refuse, and two plain nodes. */
  private final ClusterSnapshot snap =
      Fixtures.snapshot(
          List.of(
              node("n1").build(),
              node("n2").build(),
              node("down").notReady().unschedulable().build()),
          List.of());

  /** Refuses one node by name and records every node it was asked about. */
  private static class RejectNode implements FilterPlugin {
    final String rejected;
    final List<String> asked = new ArrayList<>();
    int preFilters;

    RejectNode(String rejected) {
      this.rejected = rejected;
    }

    @Override
    public String name() {
      return "Reject-" + rejected;
    }

    @Override
    public boolean preFilter(CycleState state) {
      preFilters++;
      return true;
    }

    @Override
    public Status filter(PodInfo pod, NodeInfo node, CycleState state) {
      asked.add(node.name());
      return node.name().equals(rejected)
          ? state.fail(Status.UNSCHEDULABLE_AND_UNRESOLVABLE, "node(s) were " + rejected)
          : Status.SUCCESS;
    }
  }

  /** Scores one node 100 and every other 0. */
  private record Prefer(String node, int weight) implements ScorePlugin {
    @Override
    public String name() {
      return "Prefer-" + node;
    }

    @Override
    public boolean score(CycleState state, NodeInfo[] nodes, int count, long[] scores) {
      for (int k = 0; k < count; k++) {
        scores[k] = nodes[k].name().equals(node) ? 100 : 0;
      }
      return true;
    }
  }

  @Test
  void onlyTheConfiguredFiltersRun() {
    RejectNode reject = new RejectNode("n2");
    PlacementAlgorithm algo =
        new PlacementAlgorithm(CONFIG, new SchedulingProfile(List.of(reject), List.of()));
    // Without the default filters the node that is down is feasible; the custom one rejects n2.
    assertThat(algo.feasibleNodes(pod("p").info(), snap)).containsExactly("n1", "down");
    assertThat(reject.preFilters).isEqualTo(1);
    assertThat(reject.asked).containsExactly("n1", "n2", "down");
    // With the defaults as well, the node that is down goes too.
    List<FilterPlugin> filters = new ArrayList<>(SchedulingProfile.defaults(CONFIG).filters());
    filters.add(new RejectNode("n2"));
    PlacementAlgorithm both =
        new PlacementAlgorithm(CONFIG, new SchedulingProfile(filters, List.of()));
    assertThat(both.feasibleNodes(pod("p").info(), snap)).containsExactly("n1");
  }

  @Test
  void aFilterWithNothingToCheckIsNotCalled() {
    RejectNode skipped =
        new RejectNode("n1") {
          @Override
          public boolean preFilter(CycleState state) {
            super.preFilter(state);
            return false;
          }
        };
    PlacementAlgorithm algo =
        new PlacementAlgorithm(CONFIG, new SchedulingProfile(List.of(skipped), List.of()));
    assertThat(algo.feasibleNodes(pod("p").info(), snap)).containsExactly("n1", "n2", "down");
    assertThat(skipped.preFilters).isEqualTo(1);
    assertThat(skipped.asked).isEmpty();
  }

  @Test
  void aFailingCustomFilterNamesItsReasonInTheFitError() {
    RejectNode first = new RejectNode("n1");
    RejectNode second = new RejectNode("n2");
    RejectNode third = new RejectNode("down");
    PlacementAlgorithm algo =
        new PlacementAlgorithm(
            CONFIG, new SchedulingProfile(List.of(first, second, third), List.of()));
    ScheduleResult r = algo.schedule(pod("p").info(), snap);
    assertThat(r.scheduled()).isFalse();
    assertThat(r.fitError().message())
        .isEqualTo(
            "0/3 nodes are available: 1 node(s) were down, 1 node(s) were n1, 1 node(s) were n2.");
  }

  @Test
  void onlyTheConfiguredScoresRank() {
    PlacementAlgorithm algo =
        new PlacementAlgorithm(
            CONFIG, new SchedulingProfile(List.of(), List.of(new Prefer("n2", 5))));
    assertThat(algo.scores(pod("p").info(), snap))
        .containsEntry("n1", 0L)
        .containsEntry("n2", 500L)
        .containsEntry("down", 0L);
    assertThat(algo.schedule(pod("p").info(), snap).nodeName()).isEqualTo("n2");
  }

  @Test
  void theDefaultProfileFollowsTheConfiguration() {
    SchedulingProfile spread = SchedulingProfile.defaults(CONFIG);
    assertThat(spread.filters())
        .extracting(FilterPlugin::name)
        .containsExactly(
            "NodeReady",
            "NodeUnschedulable",
            "TaintToleration",
            "NodeAffinity",
            "VolumeBinding",
            "NodePorts",
            "NodeResourcesFit",
            "PodTopologySpread",
            "PodAntiAffinity",
            "PodAffinity");
    assertThat(spread.scores())
        .extracting(ScorePlugin::name)
        .containsExactly(
            "LeastAllocated",
            "BalancedAllocation",
            "NodeAffinity",
            "TaintToleration",
            "InterPodAffinity",
            "PodTopologySpread");
    assertThat(spread.scores()).extracting(ScorePlugin::weight).containsExactly(1, 1, 2, 3, 2, 2);
    SchedulerConfig binPack =
        new SchedulerConfig(Strategy.BIN_PACK, false, 4, 1, 2, 2, 2, 3, 0, 3, 1000, 10_000);
    assertThat(SchedulingProfile.defaults(binPack).scores())
        .extracting(ScorePlugin::name, ScorePlugin::weight)
        .first()
        .isEqualTo(tuple("MostAllocated", 4));
    assertThat(SchedulingProfile.defaults(binPack).scores())
        .extracting(ScorePlugin::name)
        .doesNotContain("BalancedAllocation");
  }
}
