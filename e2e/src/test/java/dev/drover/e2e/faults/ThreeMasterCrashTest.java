package dev.drover.e2e.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.drover.client.DroverClient;
import dev.drover.e2e.harness.ConfigMapWorkload;
import dev.drover.e2e.harness.HostProcess;
import dev.drover.e2e.harness.Hosts;
import dev.drover.e2e.harness.Masters;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Three masters, each a JVM in a host of its own (network namespaces on a bridge), and a client in
 * the test JVM writing ConfigMaps through them without pause. The Raft leader's process is killed
 * with SIGKILL and later restarted on its data; then the leader is cut off from the other two by
 * iptables and the partition healed. Writes must go on while a majority is up, and at the end every
 * acknowledged write is there and no read ever returned an older version than one seen before.
 */
@Timeout(value = 170, unit = TimeUnit.SECONDS)
class ThreeMasterCrashTest {

  private static final Logger LOG = LoggerFactory.getLogger(ThreeMasterCrashTest.class);
  private static final Duration ELECTION = Duration.ofSeconds(60);
  private static final int PROGRESS = 20;

  private Hosts hosts;
  private Masters masters;
  private DroverClient client;
  private ConfigMapWorkload workload;

  @BeforeEach
  void setUp() {
    Hosts.assumeAvailable();
    hosts = Hosts.create(3);
    Path dir = Path.of("target", "faults", hosts.run());
    masters = new Masters(hosts, hosts.hosts(), dir).startAll();
    client =
        DroverClient.builder()
            .endpoints(masters.endpoints())
            .deadline(Duration.ofSeconds(3))
            .build();
    await().atMost(Duration.ofSeconds(90)).until(() -> masters.storeLeader().isPresent());
  }

  @AfterEach
  void tearDown() throws InterruptedException {
    try {
      if (workload != null) {
        workload.close();
      }
      if (client != null) {
        client.close();
      }
      if (masters != null) {
        masters.close();
      }
    } finally {
      if (hosts != null) {
        hosts.close();
      }
    }
  }

  @Test
  void acknowledgedWritesSurviveLeaderCrashAndPartition() throws InterruptedException {
    workload = new ConfigMapWorkload(client, "default", 16L).start();
    awaitProgress("before any fault");

    // A crash of the leader: SIGKILL, nothing flushed or closed. The other two elect a leader.
    String crashed = masters.storeLeader().orElseThrow();
    HostProcess leader = masters.process(crashed);
    LOG.info("SIGKILL store leader {} on {}", crashed, leader.host());
    leader.kill();
    awaitProgress("with leader " + crashed + " killed");

    leader.start();
    await()
        .atMost(ELECTION)
        .until(() -> masters.clusterInfo(crashed).isPresent() && masters.storeLeader().isPresent());
    awaitProgress("after " + crashed + " restarted");

    // The current leader cut off from both others, both directions; the client still reaches it.
    String cut = masters.storeLeader().orElseThrow();
    Hosts.Host cutHost = masters.process(cut).host();
    LOG.info("partition {} on {} from the others", cut, cutHost);
    hosts.isolate(cutHost);
    assertThat(hosts.dropRules(cutHost)).hasSize(4);
    awaitProgress("with " + cut + " partitioned away");
    await()
        .atMost(ELECTION)
        .until(() -> masters.storeLeaders().stream().anyMatch(l -> !l.equals(cut)));

    hosts.heal();
    assertThat(hosts.dropRules(cutHost)).isEmpty();
    awaitProgress("after healing");
    workload.close();

    LOG.info(
        "acknowledged {} creates, {} failed, {} read-backs",
        workload.acknowledged(),
        workload.failedWrites(),
        workload.reads());
    assertThat(workload.violations()).as("reads that went backwards or lost objects").isEmpty();
    List<String> lost = workload.verifyAllPresent();
    assertThat(lost).as("acknowledged writes missing at the end").isEmpty();
    assertThat(workload.reads()).isPositive();
  }

  /** Waits until {@value #PROGRESS} more creates are acknowledged. */
  private void awaitProgress(String phase) {
    int target = workload.acknowledged() + PROGRESS;
    await(phase).atMost(ELECTION).until(() -> workload.acknowledged() >= target);
    LOG.info("{}: {} acknowledged", phase, workload.acknowledged());
  }
}
