package dev.drover.master.scheduler.plugins;

import static dev.drover.api.v1.TaintEffect.TAINT_EFFECT_NO_EXECUTE;
import static dev.drover.api.v1.TaintEffect.TAINT_EFFECT_NO_SCHEDULE;
import static dev.drover.api.v1.TaintEffect.TAINT_EFFECT_PREFER_NO_SCHEDULE;
import static dev.drover.master.scheduler.Fixtures.node;
import static dev.drover.master.scheduler.Fixtures.pod;
import static dev.drover.master.scheduler.Fixtures.snapshot;
import static dev.drover.master.scheduler.Fixtures.tolerateEqual;
import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.master.scheduler.framework.ClusterSnapshot;
import dev.drover.master.scheduler.framework.Status;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TaintTolerationFilterTest {

  private final TaintTolerationFilter plugin = new TaintTolerationFilter();
  private final ClusterSnapshot snap =
      snapshot(
          List.of(
              node("db").taint("dedicated", "db", TAINT_EFFECT_NO_SCHEDULE).build(),
              node("evicting").taint("gone", "soon", TAINT_EFFECT_NO_EXECUTE).build(),
              node("soft").taint("old", "hw", TAINT_EFFECT_PREFER_NO_SCHEDULE).build()),
          List.of());

  @Test
  void refusesNodesWithAnUntoleratedHardTaintNamingIt() {
    assertThat(Plugins.reasons(plugin, pod("p").info(), snap, "db"))
        .isEqualTo(Map.of("node(s) had untolerated taint {dedicated: db}", 1));
    assertThat(Plugins.filter(plugin, pod("p").info(), snap, "evicting"))
        .isEqualTo(Status.UNSCHEDULABLE_AND_UNRESOLVABLE);
    // PreferNoSchedule only lowers the score.
    assertThat(Plugins.filter(plugin, pod("p").info(), snap, "soft")).isEqualTo(Status.SUCCESS);
  }

  @Test
  void aMatchingTolerationLetsThePodIn() {
    var tolerant = pod("t").toleration(tolerateEqual("dedicated", "db", TAINT_EFFECT_NO_SCHEDULE));
    assertThat(Plugins.filter(plugin, tolerant.info(), snap, "db")).isEqualTo(Status.SUCCESS);
    assertThat(Plugins.filter(plugin, tolerant.info(), snap, "evicting"))
        .isEqualTo(Status.UNSCHEDULABLE_AND_UNRESOLVABLE);
  }
}
