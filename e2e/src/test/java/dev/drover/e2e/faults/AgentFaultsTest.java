package dev.drover.e2e.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.e2e.harness.AgentHost;
import dev.drover.e2e.harness.Hosts;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The agent faults on one master and three agent hosts (each its own dockerd) running a Deployment
 * of three pods on real Docker: a host powered off in the middle of a rollout (its pods replaced on
 * the others), a host cut off from the master past the node grace period (replaced, and its old
 * copies stopped once healed), an orderly dockerd restart, the host's links to the master through a
 * proxy, slow and then relaying nothing past the grace period (replaced, old copies stopped).
 * Throughout, never more pods than replicas + surge and never two containers of one pod in {@code
 * docker ps}; the desired state reached after each fault; the API workload's histories checked as
 * in {@link MasterFaultsTest}.
 */
@Timeout(value = 480, unit = TimeUnit.SECONDS)
class AgentFaultsTest {

  @Test
  void agentFaultsReplacePodsWithoutDuplicates() throws Exception {
    Hosts.assumeAvailable();
    AgentHost.assumeAvailable();
    long seed = Long.getLong("faults.seed", System.currentTimeMillis());
    FaultRun.Report report;
    try (FaultRun run = new FaultRun(seed, 1, 3)) {
      for (Fault f :
          List.of(
              Fault.AGENT_KILL_IN_ROLLOUT,
              Fault.AGENT_PARTITION,
              Fault.DOCKERD_RESTART,
              Fault.AGENT_LINK_BLACKHOLE)) {
        run.inject(f);
      }
      report = run.finish();
    }
    System.out.println(FaultRun.format(report));
    assertThat(report.violations()).as("violations (seed %d)", seed).isEmpty();
    assertThat(report.faults()).isEqualTo(4);
  }
}
