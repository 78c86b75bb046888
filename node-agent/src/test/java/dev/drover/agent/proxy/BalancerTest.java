package dev.drover.agent.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class BalancerTest {
  private final Backend a = new Backend("10.0.0.1", 30001, "a");
  private final Backend b = new Backend("10.0.0.2", 30002, "b");
  private final Backend c = new Backend("10.0.0.3", 30003, "c");
  private final AtomicLong now = new AtomicLong();

  private Balancer balancer(Balancer.Policy policy, long affinitySeconds) {
    Balancer balancer = new Balancer(policy, affinitySeconds, now::get);
    balancer.update(List.of(a, b, c));
    return balancer;
  }

  @Test
  void roundRobinSpreadsEvenly() {
    Balancer balancer = balancer(Balancer.Policy.ROUND_ROBIN, 0);
    Map<Backend, Integer> counts = new HashMap<>();
    for (int i = 0; i < 300; i++) {
      counts.merge(balancer.choose("1.2.3.4", Set.of()), 1, Integer::sum);
    }
    assertThat(counts).containsOnlyKeys(a, b, c).containsValues(100, 100, 100);
  }

  @Test
  void aBackendNoLongerReadyIsNeverChosenAgain() {
    Balancer balancer = balancer(Balancer.Policy.ROUND_ROBIN, 0);
    balancer.update(List.of(a, c));
    for (int i = 0; i < 50; i++) {
      assertThat(balancer.choose("1.2.3.4", Set.of())).isNotEqualTo(b);
    }
  }

  @Test
  void triedBackendsAreSkippedAndNoneLeftGivesNull() {
    Balancer balancer = balancer(Balancer.Policy.ROUND_ROBIN, 0);
    assertThat(balancer.choose("x", Set.of(a, b))).isEqualTo(c);
    assertThat(balancer.choose("x", Set.of(a, b, c))).isNull();
    balancer.update(List.of());
    assertThat(balancer.choose("x", Set.of())).isNull();
  }

  @Test
  void leastConnectionsPicksTheLeastLoaded() {
    Balancer balancer = balancer(Balancer.Policy.LEAST_CONNECTIONS, 0);
    balancer.opened(a);
    balancer.opened(a);
    balancer.opened(b);
    assertThat(balancer.choose("x", Set.of())).isEqualTo(c);
    balancer.opened(c);
    balancer.opened(c);
    assertThat(balancer.choose("x", Set.of())).isEqualTo(b);
    balancer.closed(a);
    balancer.closed(a);
    assertThat(balancer.choose("x", Set.of())).isEqualTo(a);
    assertThat(balancer.openTo(a)).isZero();
  }

  @Test
  void clientIpAffinityStaysUntilTimeoutOrUnready() {
    Balancer balancer = balancer(Balancer.Policy.ROUND_ROBIN, 10);
    Backend first = balancer.choose("1.1.1.1", Set.of());
    for (int i = 0; i < 20; i++) {
      assertThat(balancer.choose("1.1.1.1", Set.of())).isEqualTo(first);
    }
    Backend other = balancer.choose("2.2.2.2", Set.of());
    assertThat(other).isNotEqualTo(first);

    now.addAndGet(11_000_000_000L);
    balancer.expireAffinities();
    // The timeout passed: the next choice is balanced again (round robin moves on).
    Backend after = balancer.choose("1.1.1.1", Set.of());
    assertThat(balancer.choose("1.1.1.1", Set.of())).isEqualTo(after);

    balancer.update(List.of(a, b, c).stream().filter(x -> !x.equals(after)).toList());
    assertThat(balancer.choose("1.1.1.1", Set.of())).isNotEqualTo(after);
  }
}
