package dev.drover.master.scheduler.plugins;

import static dev.drover.api.v1.TaintEffect.TAINT_EFFECT_PREFER_NO_SCHEDULE;
import static dev.drover.master.scheduler.Fixtures.node;
import static dev.drover.master.scheduler.Fixtures.pod;
import static dev.drover.master.scheduler.Fixtures.snapshot;
import static dev.drover.master.scheduler.Fixtures.tolerateEqual;
import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.master.scheduler.framework.ClusterSnapshot;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TaintTolerationScoreTest {

  private final ClusterSnapshot snap =
      snapshot(
          List.of(
              node("clean").build(),
              node("one").taint("old", "hw", TAINT_EFFECT_PREFER_NO_SCHEDULE).build(),
              node("two")
                  .taint("old", "hw", TAINT_EFFECT_PREFER_NO_SCHEDULE)
                  .taint("slow", "disk", TAINT_EFFECT_PREFER_NO_SCHEDULE)
                  .build()),
          List.of());

  @Test
  void fewerUntoleratedPreferNoScheduleTaintsScoreHigher() {
    assertThat(Plugins.scores(new TaintTolerationScore(3), pod("p").info(), snap))
        .isEqualTo(Map.of("clean", 100L, "one", 50L, "two", 0L));
  }

  @Test
  void toleratedTaintsDoNotCount() {
    var tolerant = pod("t").toleration(tolerateEqual("old", "hw", TAINT_EFFECT_PREFER_NO_SCHEDULE));
    assertThat(Plugins.scores(new TaintTolerationScore(3), tolerant.info(), snap))
        .isEqualTo(Map.of("clean", 100L, "one", 100L, "two", 0L));
  }
}
