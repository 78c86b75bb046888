package dev.drover.e2e.harness;

import static org.awaitility.Awaitility.await;

import dev.drover.testing.TcpProxy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;

/**
 * A set of hosts on one machine: each host is a Linux network namespace ({@code drv-RUN-I}) with
 * loopback and one address in a private /24 ({@code 10.213.X.0/24}, X picked free at start), on a
 * bridge in the root namespace ({@code drvRUNbr}, address {@code .1}, so the test JVM reaches every
 * host) through a veth pair each. Hosts have no default route: their traffic stays on the bridge
 * and their own loopback.
 *
 * <p>It runs commands and processes inside a host and injects network faults with iptables rules
 * inside the namespaces (partitions both ways and one way, heal). {@link #close()} kills every
 * process it started or that runs in its namespaces, deletes the namespaces (and with them their
 * veths and rules), the bridge and the root FORWARD rule that lets bridged traffic pass Docker's
 * DROP policy; a shutdown hook does the same when the JVM ends (Ctrl-C) before close. RUN is the
 * owning JVM's pid and a letter, so {@link #create} first removes what a run whose JVM is gone (a
 * crash, SIGKILL) left behind, and never touches a live run of another JVM.
 */
public final class Hosts implements AutoCloseable {

  /** Port of the local registry on loopback, and of its proxy on the bridge. */
  public static final int REGISTRY_PORT = 5000;

  /** The private /16 every harness subnet is taken from. */
  static final String NET_PREFIX = "10.213.";

  private static final Pattern NETNS = Pattern.compile("^drv-(\\d+)([a-z])-\\d+\\b");
  private static final Pattern BRIDGE = Pattern.compile("^\\d+: drv(\\d+)([a-z])(?:br|v\\d+)[:@]");
  private static final Pattern RULE = Pattern.compile("--comment \"?drv-(\\d+)([a-z])\"?");
  private static final Pattern CGROUP = Pattern.compile("^drv-(\\d+)([a-z])-\\d+$");
  private static final Pattern MOUNT = Pattern.compile("/drv-(\\d+)([a-z])-\\d+(?:/|$)");
  private static final Path CGROUP_ROOT = Path.of("/sys/fs/cgroup");
  private static final Path RUN_DIR = Path.of("/run");
  private static final Pattern SUBNET_IN_USE =
      Pattern.compile("inet " + Pattern.quote(NET_PREFIX) + "(\\d+)\\.");
  private static final Path LOCK = Path.of("/tmp/drover-e2e-hosts.lock");
  private static final AtomicInteger RUNS = new AtomicInteger();

  /** One host: its namespace name, index (1-based) and address on the bridge. */
  public record Host(String name, int index, String ip) {
    @Override
    public String toString() {
      return name + "(" + ip + ")";
    }
  }

  private final String run;
  private final String bridge;
  private final List<Host> hosts = new ArrayList<>();
  private final List<HostProcess> processes = new CopyOnWriteArrayList<>();
  // The DNAT rules routeThrough added: heal() deletes just these, since a host's dockerd keeps
  // rules of its own in the same nat OUTPUT chain.
  private final List<Route> routes = new CopyOnWriteArrayList<>();

  private record Route(Host host, List<String> rule) {}

  private final List<Runnable> onClose = new CopyOnWriteArrayList<>();
  private TcpProxy registry;
  private final Thread shutdownHook;
  private String subnet;
  private boolean closed;

  private Hosts() {
    long pid = ProcessHandle.current().pid();
    this.run = pid + String.valueOf((char) ('a' + RUNS.getAndIncrement() % 26));
    this.bridge = "drv" + run + "br";
    this.shutdownHook = new Thread(this::teardown, "drover-hosts-teardown-" + run);
  }

  /**
   * Returns when this machine can create hosts (root, {@code ip} and {@code iptables} present).
   * Otherwise aborts the calling test with the reason, or fails it when {@code CI=true}: there the
   * fault scenarios must never pass unnoticed by skipping.
   */
  public static void assumeAvailable() {
    requirement(missingPrerequisite(), "the fault harness");
  }

  /**
   * Nothing when {@code missing} is null; else aborts the test, or fails it when {@code CI=true}:
   * there the fault scenarios must never pass unnoticed by skipping.
   */
  static void requirement(String missing, String what) {
    if (missing == null) {
      return;
    }
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      throw new AssertionError(
          missing + "; CI=true requires " + what + " to run (as root, after test-env.sh)");
    }
    Assumptions.abort(missing + "; skipping " + what + " (set CI=true to make this fail)");
  }

  private static String missingPrerequisite() {
    try {
      String status = Files.readString(Path.of("/proc/self/status"));
      Matcher uid = Pattern.compile("(?m)^Uid:\\s+(\\d+)").matcher(status);
      if (!uid.find() || !uid.group(1).equals("0")) {
        return "network namespaces need root (this JVM is not uid 0)";
      }
    } catch (IOException e) {
      return "cannot read /proc/self/status (not Linux?): " + e.getMessage();
    }
    for (List<String> probe : List.of(List.of("ip", "-V"), List.of("iptables", "-V"))) {
      try {
        if (!Shell.tryRun(probe).ok()) {
          return "'" + String.join(" ", probe) + "' failed";
        }
      } catch (UncheckedIOException e) {
        return "'" + probe.get(0) + "' is not installed (iproute2, iptables)";
      }
    }
    return null;
  }

  /**
   * Creates {@code count} hosts, after removing leftovers of crashed runs. Throws, with everything
   * it made removed again, when a step fails.
   */
  public static Hosts create(int count) {
    removeLeftovers();
    Hosts h = new Hosts();
    Runtime.getRuntime().addShutdownHook(h.shutdownHook);
    try {
      h.build(count);
      return h;
    } catch (RuntimeException e) {
      h.close();
      throw e;
    }
  }

  private void build(int count) {
    // Two runs starting at once must not pick the same subnet: pick and claim it under a lock.
    try (FileChannel ch =
            FileChannel.open(LOCK, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock = ch.lock()) {
      subnet = NET_PREFIX + freeSubnet();
      ip("link", "add", bridge, "type", "bridge");
      ip("addr", "add", subnet + ".1/24", "dev", bridge);
    } catch (IOException e) {
      throw new UncheckedIOException("locking " + LOCK, e);
    }
    ip("link", "set", bridge, "up");
    // Docker sets the root FORWARD policy to DROP and br_netfilter sends bridged frames through
    // it; this one rule lets hosts talk to each other on our bridge (and nowhere else).
    Shell.run(
        List.of(
            "iptables",
            "-I",
            "FORWARD",
            "1",
            "-i",
            bridge,
            "-o",
            bridge,
            "-m",
            "comment",
            "--comment",
            "drv-" + run,
            "-j",
            "ACCEPT"));
    for (int i = 1; i <= count; i++) {
      Host host = new Host("drv-" + run + "-" + i, i, subnet + "." + (10 + i));
      String veth = "drv" + run + "v" + i;
      String peer = "drv" + run + "p" + i;
      ip("netns", "add", host.name());
      hosts.add(host);
      ip("link", "add", veth, "type", "veth", "peer", "name", peer);
      ip("link", "set", peer, "netns", host.name());
      ip("link", "set", veth, "master", bridge);
      ip("link", "set", veth, "up");
      ip("-n", host.name(), "link", "set", peer, "name", "eth0");
      ip("-n", host.name(), "addr", "add", host.ip() + "/24", "dev", "eth0");
      ip("-n", host.name(), "link", "set", "eth0", "up");
      ip("-n", host.name(), "link", "set", "lo", "up");
    }
  }

  private static int freeSubnet() {
    Set<Integer> used = new HashSet<>();
    Matcher m = SUBNET_IN_USE.matcher(Shell.run(List.of("ip", "-4", "-o", "addr", "show")));
    while (m.find()) {
      used.add(Integer.parseInt(m.group(1)));
    }
    for (int x = 1; x < 255; x++) {
      if (!used.contains(x)) {
        return x;
      }
    }
    throw new IllegalStateException("every " + NET_PREFIX + "X.0/24 is in use");
  }

  private static void ip(String... args) {
    List<String> cmd = new ArrayList<>(List.of("ip"));
    cmd.addAll(Arrays.asList(args));
    Shell.run(cmd);
  }

  /** Every host, in index order. */
  public List<Host> hosts() {
    return List.copyOf(hosts);
  }

  /** Host number {@code index} (1-based). */
  public Host host(int index) {
    return hosts.get(index - 1);
  }

  /** This run's id (in every name it creates). */
  public String run() {
    return run;
  }

  /** The address of the root namespace (the test JVM) on the bridge. */
  public String rootIp() {
    return subnet + ".1";
  }

  /** Runs {@code cmd} inside {@code host} and returns its output; throws when it fails. */
  public String exec(Host host, String... cmd) {
    return Shell.run(inside(host, Arrays.asList(cmd)));
  }

  /** Runs {@code cmd} inside {@code host}; true when it exits with 0. */
  public boolean succeeds(Host host, String... cmd) {
    return Shell.tryRun(inside(host, Arrays.asList(cmd))).ok();
  }

  static List<String> inside(Host host, List<String> cmd) {
    List<String> out = new ArrayList<>(List.of("ip", "netns", "exec", host.name()));
    out.addAll(cmd);
    return out;
  }

  /**
   * A process that runs {@code cmd} inside {@code host}, its output appended to {@code log}; not
   * started yet. Killed on close.
   */
  public HostProcess process(Host host, String name, List<String> cmd, Path log) {
    HostProcess p = new HostProcess(host, name, inside(host, cmd), log);
    processes.add(p);
    return p;
  }

  /**
   * Like {@link #process} but entering only the host's network namespace ({@code nsenter --net}),
   * not the private mount namespace {@code ip netns exec} makes: a Docker daemon needs the cgroup
   * mounts that namespace hides. What it mounts is visible in the root namespace, so its owner
   * unmounts it ({@link #removeMountsUnder}).
   */
  public HostProcess processWithHostMounts(Host host, String name, List<String> cmd, Path log) {
    List<String> full = new ArrayList<>(List.of("nsenter", "--net=/run/netns/" + host.name()));
    full.addAll(cmd);
    HostProcess p = new HostProcess(host, name, full, log);
    processes.add(p);
    return p;
  }

  /** Runs {@code action} when the hosts close, before the namespaces go (last added runs first). */
  public void onClose(Runnable action) {
    onClose.add(0, action);
  }

  /**
   * The local registry ({@code 127.0.0.1:5000} in the root namespace, which hosts cannot reach) as
   * hosts see it: {@code ROOT_IP:5000}, a {@link TcpProxy} on the bridge address, started on first
   * use and closed with the hosts.
   */
  public synchronized String registry() {
    if (registry == null) {
      registry =
          TcpProxy.start(
              new java.net.InetSocketAddress(rootIp(), REGISTRY_PORT),
              new java.net.InetSocketAddress("127.0.0.1", REGISTRY_PORT));
    }
    return rootIp() + ":" + REGISTRY_PORT;
  }

  /** The host-side name of the harness's one cgroup for {@code host} ({@code /drv-RUN-I}). */
  public static String cgroupOf(Host host) {
    return "/" + host.name();
  }

  /**
   * Where a host keeps runtime state that has to be short (unix socket paths): {@code /run/NAME}.
   */
  public static Path runDirOf(Host host) {
    return RUN_DIR.resolve(host.name());
  }

  /**
   * SIGKILLs every process of {@code host}: those in its network namespace and those in its cgroup
   * (containers, which have namespaces of their own). Returns once none is left.
   */
  public void killEverythingOn(Host host) {
    await("every process of " + host + " gone")
        .atMost(java.time.Duration.ofSeconds(30))
        .pollInterval(java.time.Duration.ofMillis(100))
        .until(
            () -> {
              killNamespacePids(host.name());
              killCgroups(cgroupOf(host) + "/");
              return namespacePids(host.name()).isEmpty()
                  && cgroupPids(cgroupOf(host) + "/").isEmpty();
            });
  }

  private static List<String> namespacePids(String ns) {
    return Arrays.stream(Shell.tryRun(List.of("ip", "netns", "pids", ns)).output().split("\\s+"))
        .filter(p -> !p.isBlank())
        .toList();
  }

  private static void killNamespacePids(String ns) {
    for (String pid : namespacePids(ns)) {
      Shell.tryRun(List.of("kill", "-9", pid));
    }
  }

  // ------------------------------------------------------------------ network faults

  /** Cuts {@code a} off from each of {@code others}, both directions. */
  public void partition(Host a, Host... others) {
    for (Host b : others) {
      partitionOneWay(a, b);
      partitionOneWay(b, a);
    }
  }

  /** Cuts {@code a} off from every other host (the test JVM still reaches it). */
  public void isolate(Host a) {
    partition(a, hosts.stream().filter(h -> !h.equals(a)).toArray(Host[]::new));
  }

  /**
   * Drops every packet from {@code from} to {@code to}, on both ends (its OUTPUT in {@code from},
   * its INPUT in {@code to}); packets the other way still pass.
   */
  public void partitionOneWay(Host from, Host to) {
    exec(from, "iptables", "-A", "OUTPUT", "-d", to.ip(), "-j", "DROP");
    exec(to, "iptables", "-A", "INPUT", "-s", from.ip(), "-j", "DROP");
  }

  /** Removes every partition and every route through a proxy. */
  public void heal() {
    for (Host h : hosts) {
      exec(h, "iptables", "-F", "INPUT");
      exec(h, "iptables", "-F", "OUTPUT");
    }
    for (Route r : routes) {
      iptables(r.host(), "-t", "nat", "-D", "OUTPUT", r.rule());
    }
    routes.clear();
  }

  /**
   * Sends {@code from}'s new TCP connections to {@code to}'s {@code port} through {@code proxy}
   * (listening on {@link #rootIp()}), by a DNAT in {@code from}; connections opened before are
   * reset, so the client reconnects through the proxy. {@link #heal()} removes the route (close the
   * proxy after it to cut what still goes through it).
   */
  public void routeThrough(Host from, Host to, int port, TcpProxy proxy) {
    List<String> match = List.of("-p", "tcp", "-d", to.ip(), "--dport", Integer.toString(port));
    List<String> dnat = new ArrayList<>(match);
    dnat.addAll(
        List.of("-j", "DNAT", "--to-destination", rootIp() + ":" + proxy.address().getPort()));
    iptables(from, "-t", "nat", "-A", "OUTPUT", dnat);
    routes.add(new Route(from, dnat));
    // The filter chain sees connections through the proxy with their new destination, so this
    // reset hits only those opened before the DNAT.
    List<String> reset = new ArrayList<>(match);
    reset.addAll(List.of("-j", "REJECT", "--reject-with", "tcp-reset"));
    iptables(from, "-A", "OUTPUT", reset);
  }

  private void iptables(
      Host host, String table, String name, String op, String chain, List<String> rule) {
    List<String> cmd = new ArrayList<>(List.of("iptables", table, name, op, chain));
    cmd.addAll(rule);
    exec(host, cmd.toArray(String[]::new));
  }

  private void iptables(Host host, String op, String chain, List<String> rule) {
    List<String> cmd = new ArrayList<>(List.of("iptables", op, chain));
    cmd.addAll(rule);
    exec(host, cmd.toArray(String[]::new));
  }

  /** The DROP rules now in place in {@code host} (for tests of the harness itself). */
  public List<String> dropRules(Host host) {
    // Only the harness's chains: a host's dockerd adds DROP rules of its own to other chains.
    return exec(host, "iptables", "-S")
        .lines()
        .filter(l -> l.startsWith("-A INPUT ") || l.startsWith("-A OUTPUT "))
        .filter(l -> l.endsWith("-j DROP"))
        .toList();
  }

  // ------------------------------------------------------------------ teardown

  /** Kills every process and removes the namespaces, the bridge and the FORWARD rule. */
  @Override
  public void close() {
    teardown();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException | IllegalArgumentException e) {
      // The JVM is shutting down (the hook runs or ran), or the hook was never added.
    }
  }

  private synchronized void teardown() {
    if (closed) {
      return;
    }
    closed = true;
    for (Runnable action : onClose) {
      try {
        action.run();
      } catch (RuntimeException e) {
        // Teardown goes on: removeRun below removes what this step left, by name.
        System.err.println("hosts " + run + ": a close action failed: " + e);
      }
    }
    for (HostProcess p : processes) {
      p.killQuietly();
    }
    if (registry != null) {
      registry.close();
    }
    removeRun(run);
  }

  /** Removes whatever runs whose JVM is gone left behind. */
  static void removeLeftovers() {
    Set<String> dead = new HashSet<>();
    collectDeadRuns(Shell.run(List.of("ip", "netns", "list")), NETNS, dead);
    collectDeadRuns(Shell.run(List.of("ip", "-o", "link", "show")), BRIDGE, dead);
    collectDeadRuns(Shell.run(List.of("iptables", "-S", "FORWARD")), RULE, dead);
    collectDeadRuns(String.join("\n", cgroupsOfRuns()), CGROUP, dead);
    collectDeadRuns(mountPoints(), MOUNT, dead);
    for (String r : dead) {
      removeRun(r);
    }
  }

  private static void collectDeadRuns(String listing, Pattern pattern, Set<String> dead) {
    for (String line : listing.lines().toList()) {
      Matcher m = pattern.matcher(line);
      if (m.find() && ProcessHandle.of(Long.parseLong(m.group(1))).isEmpty()) {
        dead.add(m.group(1) + m.group(2));
      }
    }
  }

  /** Removes everything named after run {@code r}; each step tolerates what is already gone. */
  private static void removeRun(String r) {
    String prefix = "drv-" + r + "-";
    for (String line : Shell.tryRun(List.of("ip", "netns", "list")).output().lines().toList()) {
      String ns = line.split(" ")[0];
      if (!ns.startsWith(prefix)) {
        continue;
      }
      // Processes started there by a crashed run outlive their parent; they go first.
      killNamespacePids(ns);
    }
    killCgroups("/drv-" + r + "-");
    removeMountsMatching("/drv-" + r + "-");
    removeCgroups(r);
    for (String line : Shell.tryRun(List.of("ip", "netns", "list")).output().lines().toList()) {
      String ns = line.split(" ")[0];
      if (ns.startsWith(prefix)) {
        Shell.tryRun(List.of("ip", "netns", "del", ns));
        Shell.tryRun(List.of("rm", "-rf", RUN_DIR.resolve(ns).toString()));
      }
    }
    // The bridge, and a veth whose peer never reached its namespace (a setup cut short).
    for (String line :
        Shell.tryRun(List.of("ip", "-o", "link", "show")).output().lines().toList()) {
      Matcher m = BRIDGE.matcher(line);
      if (m.find() && (m.group(1) + m.group(2)).equals(r)) {
        String link = line.split(":")[1].trim().split("@")[0];
        Shell.tryRun(List.of("ip", "link", "del", link));
      }
    }
    for (String rule :
        Shell.tryRun(List.of("iptables", "-S", "FORWARD")).output().lines().toList()) {
      Matcher m = RULE.matcher(rule);
      if (rule.startsWith("-A ") && m.find() && (m.group(1) + m.group(2)).equals(r)) {
        List<String> delete = new ArrayList<>(List.of("iptables", "-D"));
        for (String word : rule.substring(3).split(" ")) {
          delete.add(word.replace("\"", ""));
        }
        Shell.tryRun(delete);
      }
    }
  }

  // ------------------------------------------------------------------ cgroups and mounts

  /** The harness's cgroup directory names ({@code drv-RUN-I}) under any controller. */
  private static Set<String> cgroupsOfRuns() {
    Set<String> names = new HashSet<>();
    for (Path controller : cgroupControllers()) {
      try (var list = Files.list(controller)) {
        list.map(d -> d.getFileName().toString())
            .filter(n -> CGROUP.matcher(n).matches())
            .forEach(names::add);
      } catch (IOException e) {
        // A controller that cannot be listed holds nothing of ours.
      }
    }
    return names;
  }

  private static List<Path> cgroupControllers() {
    try (var list = Files.list(CGROUP_ROOT)) {
      return list.filter(Files::isDirectory).filter(d -> !Files.isSymbolicLink(d)).toList();
    } catch (IOException e) {
      return List.of();
    }
  }

  /**
   * SIGKILLs every process in the harness's cgroups whose path has {@code fragment}: the containers
   * of a host's dockerd, which live in network namespaces of their own and so escape {@code ip
   * netns pids}.
   */
  private static void killCgroups(String fragment) {
    for (String pid : cgroupPids(fragment)) {
      Shell.tryRun(List.of("kill", "-9", pid));
    }
  }

  private static List<String> cgroupPids(String fragment) {
    List<String> pids = new ArrayList<>();
    for (Path controller : cgroupControllers()) {
      try (var walk = Files.walk(controller, 8)) {
        for (Path procs :
            walk.filter(f -> f.getFileName().toString().equals("cgroup.procs"))
                .filter(f -> f.toString().contains(fragment))
                .toList()) {
          for (String pid : Files.readString(procs).split("\\s+")) {
            if (!pid.isBlank()) {
              pids.add(pid);
            }
          }
        }
      } catch (IOException | UncheckedIOException e) {
        // A cgroup gone while walking is fine: its processes are gone with it.
      }
    }
    return pids;
  }

  /**
   * Removes run {@code r}'s cgroup directories, deepest first; a cgroup whose killed processes are
   * not reaped yet refuses, so this tries again for a few seconds.
   */
  private static void removeCgroups(String r) {
    try {
      await()
          .atMost(java.time.Duration.ofSeconds(10))
          .pollInterval(java.time.Duration.ofMillis(200))
          .until(() -> removeCgroupsOnce(r));
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      System.err.println("cgroups of run " + r + " still there after 10 s; the next run retries");
    }
  }

  private static boolean removeCgroupsOnce(String r) {
    boolean left = false;
    for (Path controller : cgroupControllers()) {
      try (var walk = Files.walk(controller, 8)) {
        List<Path> dirs =
            walk.filter(Files::isDirectory)
                .filter(d -> d.toString().contains("/drv-" + r + "-"))
                .sorted((a, b) -> b.getNameCount() - a.getNameCount())
                .toList();
        for (Path d : dirs) {
          // rmdir, not a recursive delete: a cgroup's files cannot be deleted, only the directory.
          left |= !Shell.tryRun(List.of("rmdir", d.toString())).ok();
        }
      } catch (IOException | UncheckedIOException e) {
        left = true;
      }
    }
    return !left;
  }

  private static String mountPoints() {
    try {
      StringBuilder out = new StringBuilder();
      for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
        out.append(line.split(" ")[4]).append('\n');
      }
      return out.toString();
    } catch (IOException e) {
      return "";
    }
  }

  /** Lazily unmounts every mount point under {@code dir}, deepest first. */
  static void removeMountsUnder(Path dir) {
    removeMountsMatching(dir.toAbsolutePath().normalize() + "/");
  }

  private static void removeMountsMatching(String fragment) {
    List<String> points =
        mountPoints()
            .lines()
            .filter(m -> (m + "/").contains(fragment))
            .filter(m -> !m.startsWith("/run/netns/"))
            .sorted((a, b) -> b.length() - a.length())
            .toList();
    for (String m : points) {
      Shell.tryRun(List.of("umount", "-l", m));
    }
  }
}
