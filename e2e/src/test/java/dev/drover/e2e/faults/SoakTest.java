package dev.drover.e2e.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.e2e.harness.AgentHost;
import dev.drover.e2e.harness.Hosts;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The soak ({@code e2e/run soak --minutes N}, which sets {@code -Dsoak.minutes}): three masters and
 * {@code -Dsoak.agents} agent hosts (default 2) with every workload and checker running, a fault
 * drawn from the seed every few seconds (each one repaired and recovered from before the next) for
 * N minutes. Prints the recovery time per fault type and ends with the line {@code RESULT faults
 * injected=... lost=0 violations=0 max_recovery_s=...}.
 */
@EnabledIfSystemProperty(named = "soak.minutes", matches = "\\d+")
class SoakTest {

  @Test
  void soak() throws Exception {
    Hosts.assumeAvailable();
    int agents = Integer.getInteger("soak.agents", 2);
    if (agents > 0) {
      AgentHost.assumeAvailable();
    }
    long seed = Long.getLong("faults.seed", System.currentTimeMillis());
    Duration length = Duration.ofMinutes(Long.getLong("soak.minutes"));
    List<Fault> faults =
        Arrays.stream(Fault.values()).filter(f -> agents > 0 || !f.needsAgents()).toList();
    FaultRun.Report report;
    try (FaultRun run = new FaultRun(seed, 3, agents)) {
      long end = System.nanoTime() + length.toNanos();
      while (System.nanoTime() < end) {
        run.inject(faults.get(run.random().nextInt(faults.size())));
        // A few seconds of calm between faults (the fault rate, not a wait for anything).
        LockSupport.parkNanos(Duration.ofMillis(2000 + run.random().nextInt(3000)).toNanos());
      }
      report = run.finish();
    }
    System.out.println(FaultRun.format(report));
    assertThat(report.violations()).as("violations (seed %d)", seed).isEmpty();
  }
}
