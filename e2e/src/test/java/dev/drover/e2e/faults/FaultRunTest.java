package dev.drover.e2e.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.drover.e2e.harness.HostProcess;
import dev.drover.e2e.harness.Hosts;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link FaultRun} itself: a run that fails before {@link FaultRun#finish} (a fault that did not
 * recover, say) leaves nothing running once closed. Its workloads' clients used to go on writing
 * into the next test's masters, which have the same addresses and store group.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class FaultRunTest {

  private static final List<String> WORKLOAD_THREADS = List.of("store-client-", "api-client-");

  @Test
  void aRunThatFailsBeforeFinishingStopsItsWorkloadsWhenClosed() {
    Hosts.assumeAvailable();
    FaultRun run = new FaultRun(Long.getLong("faults.seed", 16L), 1, 0);
    HostProcess master = run.masters().process("m1");
    assertThatThrownBy(
            () -> {
              try (run) {
                // The workloads run: the check below can fail.
                await().atMost(Duration.ofSeconds(60)).until(() -> workloadThreads().size() >= 5);
                throw new IllegalStateException("a fault that did not recover");
              }
            })
        .hasMessage("a fault that did not recover");
    assertThat(workloadThreads()).as("workload threads left after close").isEmpty();
    assertThat(master.isAlive()).isFalse();
  }

  /** Live threads of the store workload (3 clients) and the API workload (2 clients). */
  private static List<String> workloadThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(Thread::getName)
        .filter(n -> WORKLOAD_THREADS.stream().anyMatch(n::startsWith))
        .toList();
  }
}
