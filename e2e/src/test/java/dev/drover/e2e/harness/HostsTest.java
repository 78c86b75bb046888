package dev.drover.e2e.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The harness itself: hosts reach each other over the bridge and only there, partitions cut what
 * they say (both ways or one way) and heal restores it, the process faults do what their names say,
 * and nothing of a run is left once it is closed or once a later run finds it crashed.
 */
class HostsTest {

  @TempDir Path dir;

  @BeforeEach
  void requireNamespaces() {
    Hosts.assumeAvailable();
  }

  private static boolean ping(Hosts hosts, Hosts.Host from, String ip) {
    return hosts.succeeds(from, "busybox", "ping", "-c", "1", "-W", "1", ip);
  }

  @Test
  void hostsReachEachOtherOnlyOverTheBridgeAndPartitionsCutThem() {
    try (Hosts hosts = Hosts.create(3)) {
      Hosts.Host a = hosts.host(1);
      Hosts.Host b = hosts.host(2);
      Hosts.Host c = hosts.host(3);
      assertThat(ping(hosts, a, b.ip())).isTrue();
      assertThat(ping(hosts, a, hosts.rootIp())).isTrue();
      assertThat(ping(hosts, a, "127.0.0.1")).isTrue();
      // No default route: a host reaches its loopback and the bridge's /24, nothing else.
      assertThat(hosts.exec(a, "ip", "-4", "route").strip())
          .isEqualTo(
              hosts.rootIp().replaceAll("\\.1$", ".0")
                  + "/24 dev eth0 proto kernel scope"
                  + " link src "
                  + a.ip());

      hosts.partition(a, b);
      assertThat(ping(hosts, a, b.ip())).isFalse();
      assertThat(ping(hosts, b, a.ip())).isFalse();
      assertThat(ping(hosts, a, c.ip())).isTrue();
      assertThat(ping(hosts, hosts.host(3), b.ip())).isTrue();
      hosts.heal();
      assertThat(ping(hosts, a, b.ip())).isTrue();
      assertThat(hosts.dropRules(a)).isEmpty();

      // One way: a's packets to b are dropped; b's to a are not (its echo requests arrive, only
      // the replies, going a -> b, are lost), which the rules show.
      hosts.partitionOneWay(a, b);
      assertThat(hosts.dropRules(a)).containsExactly("-A OUTPUT -d " + b.ip() + "/32 -j DROP");
      assertThat(hosts.dropRules(b)).containsExactly("-A INPUT -s " + a.ip() + "/32 -j DROP");
      assertThat(ping(hosts, a, b.ip())).isFalse();
      assertThat(ping(hosts, c, b.ip())).isTrue();
      hosts.heal();

      hosts.isolate(c);
      assertThat(ping(hosts, c, a.ip())).isFalse();
      assertThat(ping(hosts, c, b.ip())).isFalse();
      assertThat(ping(hosts, a, b.ip())).isTrue();
      assertThat(ping(hosts, c, hosts.rootIp())).isTrue();
    }
  }

  @Test
  void processFaultsKillPauseResumeAndRestart() throws IOException {
    try (Hosts hosts = Hosts.create(1)) {
      HostProcess p =
          hosts
              .process(hosts.host(1), "sleeper", List.of("sleep", "600"), dir.resolve("s.log"))
              .start();
      long pid = p.pid();
      // `ip netns exec` became the command itself: the pid is sleep's, in the host's namespace.
      await().atMost(Duration.ofSeconds(10)).until(() -> command(pid).equals("sleep"));
      assertThat(Shell.run(List.of("ip", "netns", "identify", Long.toString(pid))).strip())
          .isEqualTo(hosts.host(1).name());

      p.pause();
      await().atMost(Duration.ofSeconds(10)).until(() -> state(pid) == 'T');
      p.resume();
      await().atMost(Duration.ofSeconds(10)).until(() -> state(pid) == 'S');

      p.kill();
      assertThat(p.isAlive()).isFalse();
      assertThat(ProcessHandle.of(pid)).isEmpty();
      p.restart();
      assertThat(p.isAlive()).isTrue();
      assertThat(p.pid()).isNotEqualTo(pid);
      assertThat(Files.readString(p.log())).contains("---- start").contains("sleep 600");
    }
  }

  @Test
  void closeRemovesEverythingOfTheRun() {
    Hosts hosts = Hosts.create(2);
    HostProcess p =
        hosts.process(hosts.host(2), "sleeper", List.of("sleep", "600"), dir.resolve("s.log"));
    p.start();
    long pid = p.pid();
    String run = hosts.run();
    hosts.partition(hosts.host(1), hosts.host(2));
    hosts.close();

    assertThat(ProcessHandle.of(pid)).isEmpty();
    assertNothingLeftOf(run);
  }

  @Test
  void leftoversOfACrashedRunAreRemovedByTheNextRun() throws Exception {
    // A run whose JVM died: its pid is free. Build what it would have left: a namespace with a
    // process in it, a bridge, a veth and the FORWARD rule.
    Process gone = new ProcessBuilder("true").start();
    gone.waitFor();
    String run = gone.pid() + "z";
    String ns = "drv-" + run + "-1";
    Shell.run(List.of("ip", "netns", "add", ns));
    Shell.run(List.of("ip", "link", "add", "drv" + run + "br", "type", "bridge"));
    Shell.run(
        List.of(
            "ip",
            "link",
            "add",
            "drv" + run + "v2",
            "type",
            "veth",
            "peer",
            "name",
            "drv" + run + "p2"));
    Shell.run(
        List.of(
            "iptables",
            "-I",
            "FORWARD",
            "1",
            "-i",
            "drv" + run + "br",
            "-m",
            "comment",
            "--comment",
            "drv-" + run,
            "-j",
            "ACCEPT"));
    Process orphan = new ProcessBuilder("ip", "netns", "exec", ns, "sleep", "600").start();

    Hosts.create(1).close();

    assertThat(orphan.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    assertNothingLeftOf(run);
  }

  private static void assertNothingLeftOf(String run) {
    assertThat(Shell.run(List.of("ip", "netns", "list"))).doesNotContain("drv-" + run + "-");
    assertThat(Shell.run(List.of("ip", "-o", "link", "show"))).doesNotContain("drv" + run);
    assertThat(Shell.run(List.of("iptables", "-S", "FORWARD"))).doesNotContain("drv-" + run);
  }

  private static String command(long pid) throws IOException {
    return Files.readString(Path.of("/proc", Long.toString(pid), "comm")).strip();
  }

  private static char state(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
    return stat.charAt(stat.lastIndexOf(')') + 2);
  }
}
