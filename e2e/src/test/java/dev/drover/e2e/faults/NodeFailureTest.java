package dev.drover.e2e.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.e2e.harness.AgentHost;
import dev.drover.e2e.harness.Hosts;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The node-failure measurement ({@code -Dnodefail.runs=N}): one master, three agent hosts with
 * their own dockerd, a Deployment of three pods on real Docker; N times an agent host running pods
 * is powered off (agent, dockerd and containers SIGKILLed) and the time until three pods run again
 * on the other hosts is recorded, then the host boots again. Prints median and max.
 */
@EnabledIfSystemProperty(named = "nodefail.runs", matches = "\\d+")
@Timeout(value = 3, unit = TimeUnit.HOURS)
class NodeFailureTest {

  @Test
  void replacementsRunOnAnotherHost() throws Exception {
    Hosts.assumeAvailable();
    AgentHost.assumeAvailable();
    long seed = Long.getLong("faults.seed", System.currentTimeMillis());
    int runs = Integer.getInteger("nodefail.runs");
    FaultRun.Report report;
    try (FaultRun run = new FaultRun(seed, 1, 3)) {
      for (int i = 0; i < runs; i++) {
        run.inject(Fault.NODE_POWER_OFF);
      }
      report = run.finish();
    }
    System.out.println(FaultRun.format(report));
    assertThat(report.violations()).as("violations (seed %d)", seed).isEmpty();
  }
}
