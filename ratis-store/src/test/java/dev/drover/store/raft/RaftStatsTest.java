package dev.drover.store.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.drover.store.KvStores;
import dev.drover.store.api.Keys;
import dev.drover.store.api.StoreOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link RaftKvStore#stats()}: a member's Raft numbers and Ratis' own metrics, as plain values. */
class RaftStatsTest {
  @TempDir Path dir;

  private static StoreOptions fast() {
    return new StoreOptions().electionTimeout(Duration.ofMillis(300), Duration.ofMillis(600));
  }

  @Test
  void aLoneMemberReportsItsElectionIndexesAndLogTimings() throws Exception {
    try (RaftKvStore one = KvStores.embedded(dir).options(fast()).start()) {
      await().atMost(Duration.ofSeconds(30)).until(one::isLeader);
      for (int i = 0; i < 10; i++) {
        one.put(Keys.of("/k/" + i), Keys.of("v")).get(30, TimeUnit.SECONDS);
      }
      RaftStats s = one.stats();
      assertThat(s.role()).isEqualTo("LEADER");
      assertThat(s.term()).isPositive();
      assertThat(s.elections()).isPositive();
      assertThat(s.commitIndex()).isGreaterThanOrEqualTo(10);
      assertThat(s.appliedIndex()).isLessThanOrEqualTo(s.commitIndex()).isPositive();
      assertThat(s.logAppend().count()).isGreaterThanOrEqualTo(10);
      assertThat(s.logAppend().p99Seconds()).isGreaterThanOrEqualTo(s.logAppend().p50Seconds());
    }
  }
}
