package dev.drover.e2e.harness;

import static org.awaitility.Awaitility.await;

import dev.drover.agent.sync.Labels;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;

/**
 * A worker host: a Drover node agent ({@code drover agent}, a separate JVM) in its own network
 * namespace with its own Docker daemon, so that two agent hosts are two machines as far as
 * containers go. The daemon has its own {@code --data-root} ({@code DIR/NAME/docker}), {@code
 * --exec-root}, unix socket and pid file (under {@code /run/NAME}, short enough for socket paths),
 * bridge subnet ({@code 172.31.I.0/24}), and puts its containers in the cgroup {@code /NAME}; its
 * iptables rules are in the host's namespace, apart from the root namespace's. Images come from the
 * local registry through the bridge ({@link Hosts#registry()}, an insecure registry of that
 * daemon); {@link #image()} names the test image there.
 *
 * <p>Faults: {@link #kill()} is a power cut (SIGKILL of the agent, dockerd, containerd, the shims
 * and every container, mounts gone), {@link #boot()} starts the daemon and the agent again on their
 * data, {@link #killAgent()} crashes the agent alone, {@link #restartDocker()} is an orderly daemon
 * restart and {@link #crashDocker()} a SIGKILL of dockerd and its containerd with the containers
 * left running. {@link Hosts#close()} tears all of it down (also on Ctrl-C), and a later run
 * removes what a crashed run left (processes by cgroup and namespace, mounts by path).
 */
public final class AgentHost {

  /** Port of each agent's AgentService, on its host's address. */
  public static final int AGENT_PORT = 7072;

  private static final Duration DOCKER_START = Duration.ofSeconds(60);
  private static final Executor BOOT = Executors.newCachedThreadPool(AgentHost::bootThread);

  /** One container as {@code docker ps} shows it, with the labels the agent put on it. */
  public record DockerContainer(
      String id, String state, String podUid, String podName, String container, String node) {

    /** True for a running container. */
    public boolean running() {
      return state.equals("running");
    }

    /** True for a pod's sandbox (pause) container. */
    public boolean sandbox() {
      return container.equals(Labels.SANDBOX);
    }
  }

  private final Hosts hosts;
  private final Hosts.Host host;
  private final Path dataRoot;
  private final Path runDir;
  private final HostProcess dockerd;
  private final HostProcess agent;

  /**
   * {@code heartbeat} is the agent's {@code --heartbeat-interval} (null: the shipped default); no
   * {@code masters} means no agent at all, a plain Docker host.
   */
  private AgentHost(
      Hosts hosts, Hosts.Host host, List<String> masters, Path dir, String heartbeat) {
    this.hosts = hosts;
    this.host = host;
    Path hostDir = dir.resolve(host.name()).toAbsolutePath();
    this.dataRoot = hostDir.resolve("docker");
    this.runDir = Hosts.runDirOf(host);
    List<String> dockerCmd =
        List.of(
            "dockerd",
            "--data-root",
            dataRoot.toString(),
            "--exec-root",
            runDir.resolve("exec").toString(),
            "--host",
            "unix://" + socket(),
            "--pidfile",
            runDir.resolve("docker.pid").toString(),
            "--bip",
            "172.31." + host.index() + ".1/24",
            "--cgroup-parent",
            Hosts.cgroupOf(host),
            "--insecure-registry",
            hosts.registry(),
            "--storage-driver",
            "overlay2",
            "--ip-masq=false",
            "--log-level",
            "warn");
    this.dockerd =
        hosts.processWithHostMounts(host, host.name() + "-dockerd", dockerCmd, log(dir, "dockerd"));
    List<String> agentCmd = Jvm.drover("128m", "agent");
    agentCmd.addAll(
        List.of(
            "--node-name",
            host.name(),
            "--docker-host",
            "unix://" + socket(),
            "--data-dir",
            hostDir.resolve("agent").toString(),
            "--host-ip",
            host.ip(),
            "--bind-address",
            host.ip(),
            "--agent-port",
            Integer.toString(AGENT_PORT),
            "--infra-image",
            image(hosts),
            // The harness's masters run plaintext.
            "--insecure",
            "--i-understand-plaintext"));
    if (heartbeat != null) {
      agentCmd.addAll(List.of("--heartbeat-interval", heartbeat));
    }
    for (String m : masters) {
      agentCmd.add("--master");
      agentCmd.add(m);
    }
    this.agent =
        masters.isEmpty()
            ? null
            : hosts.process(host, host.name() + "-agent", agentCmd, log(dir, "agent"));
    hosts.onClose(this::teardown);
  }

  private Path log(Path dir, String what) {
    return dir.resolve(host.name() + "-" + what + ".log").toAbsolutePath();
  }

  /**
   * Starts an agent host on {@code host}: its Docker daemon (waiting until it answers), then its
   * agent registering with {@code masters} ({@code ip:port} API endpoints). Data and logs go under
   * {@code dir}.
   */
  public static AgentHost start(Hosts hosts, Hosts.Host host, List<String> masters, Path dir) {
    // Beats every 2 s, not the shipped 5 s: on a loaded two-core machine a late beat past the
    // masters' 6 s grace would otherwise read as a node failure.
    return new AgentHost(hosts, host, masters, dir, "2s").boot();
  }

  /**
   * Starts agent hosts on each of {@code on} at once, as {@link #start} does (each mostly waits for
   * its daemon and its JVM). Returns them in the order of {@code on} once every one is up; when one
   * fails, throws its error after the others finished starting (so none starts after a teardown).
   */
  public static List<AgentHost> startAll(
      Hosts hosts, List<Hosts.Host> on, List<String> masters, Path dir) {
    List<CompletableFuture<AgentHost>> booting =
        on.stream()
            .map(h -> CompletableFuture.supplyAsync(() -> start(hosts, h, masters, dir), BOOT))
            .toList();
    try {
      CompletableFuture.allOf(booting.toArray(CompletableFuture[]::new)).join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw e;
    }
    return booting.stream().map(CompletableFuture::join).toList();
  }

  private static Thread bootThread(Runnable r) {
    Thread t = new Thread(r, "agent-host-boot");
    t.setDaemon(true);
    return t;
  }

  /** As {@link #start}, with the agent's shipped settings (the benchmarks measure those). */
  public static AgentHost startShipped(
      Hosts hosts, Hosts.Host host, List<String> masters, Path dir) {
    return new AgentHost(hosts, host, masters, dir, null).boot();
  }

  /** A host with its Docker daemon and no agent (a Docker Swarm node, say). */
  public static AgentHost startDockerOnly(Hosts hosts, Hosts.Host host, Path dir) {
    return new AgentHost(hosts, host, List.of(), dir, null).boot();
  }

  /**
   * Returns when this machine can run agent hosts: {@code dockerd}, the docker CLI and {@code
   * nsenter} installed, the local registry answering on {@code 127.0.0.1:5000}. Otherwise aborts
   * the test with the reason, or fails it under {@code CI=true}.
   */
  public static void assumeAvailable() {
    String missing = null;
    for (List<String> probe :
        List.of(
            List.of("dockerd", "--version"),
            List.of("docker", "--version"),
            List.of("nsenter", "--version"))) {
      try {
        if (!Shell.tryRun(probe).ok()) {
          missing = "'" + String.join(" ", probe) + "' failed";
        }
      } catch (java.io.UncheckedIOException e) {
        missing = "'" + probe.get(0) + "' is not installed";
      }
    }
    try (java.net.Socket s = new java.net.Socket()) {
      s.connect(new java.net.InetSocketAddress("127.0.0.1", Hosts.REGISTRY_PORT), 2_000);
    } catch (java.io.IOException e) {
      missing = "no registry on 127.0.0.1:" + Hosts.REGISTRY_PORT + " (scripts/test-env.sh)";
    }
    Hosts.requirement(missing, "agent hosts (dockerd per namespace)");
  }

  /** The test image as every agent host pulls it: {@code ROOT_IP:5000/busybox:1}. */
  public static String image(Hosts hosts) {
    return hosts.registry() + "/busybox:1";
  }

  /** The test image for pods on this host (see {@link #image(Hosts)}). */
  public String image() {
    return image(hosts);
  }

  /** The host it is. */
  public Hosts.Host host() {
    return host;
  }

  /** Its node's name (the host's name). */
  public String nodeName() {
    return host.name();
  }

  /** The agent process (null on a host started by {@link #startDockerOnly}). */
  public HostProcess agent() {
    return agent;
  }

  /** The Docker daemon process. */
  public HostProcess dockerd() {
    return dockerd;
  }

  /** Its Docker daemon's socket. */
  public Path socket() {
    return runDir.resolve("docker.sock");
  }

  /** Starts the daemon (waiting until it answers), then the agent; after {@link #kill()} too. */
  public AgentHost boot() {
    startDocker();
    if (agent != null) {
      agent.start();
    }
    return this;
  }

  private void startDocker() {
    dockerd.start();
    await("dockerd of " + host)
        .atMost(DOCKER_START)
        .pollInterval(Duration.ofMillis(250))
        .until(() -> !dockerd.isAlive() || dockerAnswers());
    if (!dockerd.isAlive()) {
      throw new IllegalStateException(
          "dockerd of " + host + " exited at start; see " + dockerd.log());
    }
  }

  private boolean dockerAnswers() {
    return Shell.tryRun(dockerCommand("version", "--format", "{{.Server.Version}}")).ok();
  }

  /** True while the agent and the daemon run. */
  public boolean isUp() {
    return (agent == null || agent.isAlive()) && dockerd.isAlive();
  }

  /** Runs the docker CLI against this host's daemon; returns its output, throws when it fails. */
  public String docker(String... args) {
    return Shell.run(dockerCommand(args));
  }

  private List<String> dockerCommand(String... args) {
    List<String> cmd = new ArrayList<>(List.of("docker", "-H", "unix://" + socket()));
    cmd.addAll(List.of(args));
    return cmd;
  }

  /** Every running container of this host's daemon ({@code docker ps}). */
  public List<DockerContainer> dockerPs() {
    return ps(false);
  }

  /** Every container, running or not ({@code docker ps -a}). */
  public List<DockerContainer> dockerPsAll() {
    return ps(true);
  }

  private List<DockerContainer> ps(boolean all) {
    String format =
        String.join(
            "\t",
            "{{.ID}}",
            "{{.State}}",
            label(Labels.POD_UID),
            label(Labels.POD_NAME),
            label(Labels.CONTAINER_NAME),
            label(Labels.NODE));
    List<String> args = new ArrayList<>(List.of("ps", "--no-trunc", "--format", format));
    if (all) {
      args.add("-a");
    }
    return docker(args.toArray(String[]::new))
        .lines()
        .filter(l -> !l.isBlank())
        .map(l -> l.split("\t", -1))
        .map(f -> new DockerContainer(f[0], f[1], f[2], f[3], f[4], f[5]))
        .toList();
  }

  private static String label(String key) {
    return "{{.Label \"" + key + "\"}}";
  }

  /** Running app containers (no sandboxes) per pod uid. */
  public Map<String, List<DockerContainer>> runningByPod() {
    return dockerPs().stream()
        .filter(c -> !c.sandbox() && !c.podUid().isEmpty())
        .collect(Collectors.groupingBy(DockerContainer::podUid));
  }

  // ------------------------------------------------------------------ faults

  /**
   * Power cut: SIGKILL of every process of the host (agent, dockerd, containerd, shims: all in its
   * namespace) and of every container (in its cgroup), then its mounts go, as a reboot would.
   */
  public void kill() {
    hosts.killEverythingOn(host);
    if (agent != null) {
      agent.reap();
    }
    dockerd.reap();
    Hosts.removeMountsUnder(dataRoot);
    Hosts.removeMountsUnder(runDir);
    // /run is a tmpfs on a real host: a reboot starts with none of the daemons' runtime state
    // (a stale containerd state directory makes the next dockerd time out starting containerd).
    Shell.tryRun(List.of("rm", "-rf", runDir.toString()));
  }

  /** SIGKILL of the agent alone; its containers keep running. */
  public void killAgent() {
    agent.kill();
  }

  /** An orderly daemon restart (SIGTERM, wait, start): its containers stop with it. */
  public void restartDocker() {
    dockerd.stop();
    startDocker();
  }

  /**
   * A daemon crash and restart: SIGKILL of dockerd and of its containerd; the containers' shims and
   * processes run on until the new daemon finds them.
   */
  public void crashDocker() {
    long dockerdPid = dockerd.pid();
    for (long pid : childrenOf(dockerdPid)) {
      Shell.tryRun(List.of("kill", "-9", Long.toString(pid)));
    }
    dockerd.kill();
    startDocker();
  }

  private static List<Long> childrenOf(long pid) {
    return ProcessHandle.of(pid).stream()
        .flatMap(ProcessHandle::children)
        .map(ProcessHandle::pid)
        .toList();
  }

  private void teardown() {
    kill();
    Shell.tryRun(List.of("rm", "-rf", dataRoot.toString()));
  }
}
