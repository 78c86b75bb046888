package dev.drover.bench.proxy;

import static dev.drover.bench.BenchSupport.median;

import dev.drover.agent.proxy.ProxyConfig;
import dev.drover.agent.proxy.ServiceProxy;
import dev.drover.api.v1.EndpointAddress;
import dev.drover.api.v1.EndpointPort;
import dev.drover.api.v1.EndpointSubset;
import dev.drover.api.v1.Endpoints;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.ObjectReference;
import dev.drover.api.v1.Service;
import dev.drover.api.v1.ServicePort;
import dev.drover.api.v1.ServiceSpec;
import dev.drover.api.v1.ServiceType;
import dev.drover.bench.BenchSupport;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.GZIPInputStream;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Service proxy data path (issue 17): one busybox httpd container on loopback, and a bounded,
 * closed-loop load generator (C client threads, one new TCP connection per HTTP/1.0 request, for a
 * fixed time) against these paths in one run: (a) {@code direct}: the container's published host
 * port on 127.0.0.1, which Docker serves through docker-proxy, what a client without Drover uses;
 * (b) {@code drover}: through Drover's service proxy (the node agent's {@link ServiceProxy}) on a
 * node port, as the proxy of the node running the pod, which dials the pod's own address and
 * container port (the shipped path for a local endpoint); (c) {@code drover-hostport}: the same
 * endpoints seen by the proxy of another node, which dials the host address and host port, through
 * docker-proxy (the path a connection from another host takes, here on loopback); (d) Docker
 * Swarm's routing mesh (a swarm service publishing a port; Swarm mode is entered on loopback only
 * if inactive, and left again). Each round measures the paths in turn; the table gives medians of
 * the rounds. Besides speed it measures CPU time per request, which a loaded machine inflates less
 * than latency: the proxy's event loop threads (thread CPU clocks) and docker-proxy behind the host
 * port (its /proc counters). Options: {@code [--rounds N] [--seconds S] [--clients C] [--transports
 * auto|nio|epoll,...] [--threads N] [--warmup S] [--pod-ip] [--skip-swarm]}; with more than one
 * transport each gets its own proxy and path ({@code drover-nio}, ...), measured in turn, and the
 * first one is the RESULT's; {@code --threads} sets the proxy's event loops (default 2, the agent's
 * default on this 2-core machine). Every path first gets S seconds (default 3) of unrecorded load,
 * so that the proxy is measured JIT-compiled. {@code --pod-ip} adds a reference path {@code
 * pod-ip}: the client straight to the container's address, no proxy at all (only a client on this
 * host can do that). Last line: {@code RESULT proxy vs_direct=<drover/direct throughput>
 * vs_swarm=<drover/swarm throughput> (or peer=none when the mesh cannot run here: this kernel has
 * no IPVS) added_p99_ms=<drover p99 - direct p99>}.
 */
public final class ProxyBench {
  private static final String DOCKER = "/usr/bin/docker";
  private static final String IMAGE = "127.0.0.1:5000/busybox:1";
  private static final String HTTPD =
      "mkdir -p /www && echo hello-from-busybox > /www/index.html && exec httpd -f -p 8080 -h /www";
  private static final byte[] REQUEST =
      "GET / HTTP/1.0\r\nHost: bench\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  /** The node the bench's pod runs on. */
  private static final String LOCAL_NODE = "bench-node";

  private final String runId = Long.toHexString(System.nanoTime() & 0xffffff);

  /**
   * One measurement: requests per second, p99 latency in milliseconds, failed requests, and CPU
   * microseconds per request of Drover's proxy threads and of the host port's docker-proxy.
   */
  record Sample(double rps, double p99Ms, long errors, double proxyCpuUs, double dockerCpuUs) {}

  public static void main(String[] args) throws Exception {
    int rounds = 3;
    int seconds = 5;
    int clients = 8;
    boolean swarm = true;
    boolean podIp = false;
    int threads = 2;
    int warmup = 3;
    List<ProxyConfig.Transport> transports = List.of(ProxyConfig.Transport.AUTO);
    String usage =
        "usage: bench/run proxy [--rounds N] [--seconds S] [--clients C]"
            + " [--transports auto|nio|epoll,...] [--threads N] [--warmup S] [--pod-ip]"
            + " [--skip-swarm]";
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--rounds" -> rounds = Integer.parseInt(args[++i]);
        case "--seconds" -> seconds = Integer.parseInt(args[++i]);
        case "--clients" -> clients = Integer.parseInt(args[++i]);
        case "--skip-swarm" -> swarm = false;
        case "--pod-ip" -> podIp = true;
        case "--warmup" -> warmup = Integer.parseInt(args[++i]);
        case "--threads" -> threads = Integer.parseInt(args[++i]);
        case "--transports" -> transports = transports(args[++i], usage);
        default -> throw new IllegalArgumentException(usage);
      }
    }
    new ProxyBench().run(rounds, seconds, clients, warmup, transports, threads, podIp, swarm);
  }

  private static List<ProxyConfig.Transport> transports(String list, String usage) {
    List<ProxyConfig.Transport> out = new ArrayList<>();
    for (String t : list.split(",")) {
      try {
        out.add(ProxyConfig.Transport.valueOf(t.trim().toUpperCase(Locale.ROOT)));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("--transports: unknown transport '" + t + "'; " + usage);
      }
    }
    return out;
  }

  private void run(
      int rounds,
      int seconds,
      int clients,
      int warmup,
      List<ProxyConfig.Transport> transports,
      int threads,
      boolean podIp,
      boolean withSwarm)
      throws Exception {
    System.out.printf(
        Locale.ROOT,
        "proxy: %d rounds x %d s, %d clients, one connection per request; load %s%n",
        rounds,
        seconds,
        clients,
        BenchSupport.loadAverage());
    String container = "drover-bench-proxy-" + runId;
    String service = "drover-bench-mesh-" + runId;
    int direct = freePort();
    int meshPort = freePort();
    boolean swarmJoined = false;
    boolean meshUp = true;
    Map<String, Integer> drovers = new LinkedHashMap<>();
    List<ServiceProxy> proxies = new ArrayList<>();
    try {
      docker(
          120,
          "run",
          "-d",
          "--name",
          container,
          "-p",
          "127.0.0.1:" + direct + ":8080",
          IMAGE,
          "sh",
          "-c",
          HTTPD);
      InetSocketAddress hostPort = new InetSocketAddress("127.0.0.1", direct);
      awaitServing(hostPort);
      // The container's own address on the Docker bridge and its container port: the endpoint's
      // pod_ip and target_port, which the endpoints controller fills in from the pod's status.
      String podAddress =
          docker(
              30,
              "inspect",
              "-f",
              "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}",
              container);
      Endpoints endpoints = endpoints(direct, podAddress, 8080);
      for (ProxyConfig.Transport t : transports) {
        int nodePort = freePort();
        // The proxy of the node the pod runs on: it dials the pod's own address.
        ServiceProxy proxy = drover(LOCAL_NODE, endpoints, nodePort, t, threads);
        proxies.add(proxy);
        String name =
            transports.size() == 1
                ? "drover"
                : "drover-" + proxy.transport().name().toLowerCase(Locale.ROOT);
        drovers.put(drovers.containsKey(name) ? name + "-" + proxies.size() : name, nodePort);
        System.out.println(
            name
                + ": "
                + proxy.transport()
                + " transport, "
                + threads
                + " event loops, on port "
                + nodePort
                + ", dialing "
                + proxy.backends("bench/web"));
        awaitServing(new InetSocketAddress("127.0.0.1", nodePort));
      }
      {
        // The same endpoint seen from a proxy on another node: its host address and host port,
        // through docker-proxy, as a connection from another host travels (here on loopback).
        int nodePort = freePort();
        ServiceProxy proxy = drover("other-node", endpoints, nodePort, transports.get(0), threads);
        proxies.add(proxy);
        drovers.put("drover-hostport", nodePort);
        System.out.println(
            "drover-hostport: the proxy of another node, dialing " + proxy.backends("bench/web"));
        awaitServing(new InetSocketAddress("127.0.0.1", nodePort));
      }
      if (podIp) {
        // A reference, not a client's path: the container's address, no proxy at all. Only a
        // client on this host can use it; it shows what the kernel alone costs.
        awaitServing(new InetSocketAddress(podAddress, 8080));
        System.out.println("pod-ip: the container's own address " + podAddress + ":8080");
      }
      if (withSwarm) {
        swarmJoined = joinSwarm();
        if (swarmJoined) {
          docker(
              180,
              "service",
              "create",
              "--detach",
              "--name",
              service,
              "--publish",
              "published=" + meshPort + ",target=8080",
              IMAGE,
              "sh",
              "-c",
              HTTPD);
          if (!serving(new InetSocketAddress("127.0.0.1", meshPort), 60)) {
            // The mesh load-balances with IPVS; without it the published port never answers.
            System.out.println(
                "swarm: the routing mesh does not answer on 127.0.0.1:"
                    + meshPort
                    + " after 60 s (IPVS "
                    + (Files.isDirectory(Path.of("/proc/sys/net/ipv4/vs"))
                        ? "present"
                        : "missing: /proc/sys/net/ipv4/vs does not exist; kernel config: "
                            + kernelIpvs())
                    + "); Swarm not measured");
            meshUp = false;
          }
        }
      }
      Map<String, InetSocketAddress> paths = new LinkedHashMap<>();
      paths.put("direct", hostPort);
      drovers.forEach((k, v) -> paths.put(k, new InetSocketAddress("127.0.0.1", v)));
      if (podIp) {
        paths.put("pod-ip", new InetSocketAddress(podAddress, 8080));
      }
      if (swarmJoined && meshUp) {
        paths.put("swarm", new InetSocketAddress("127.0.0.1", meshPort));
      }
      // The agent's proxy runs for days: it is measured JIT-compiled, as every path is.
      for (InetSocketAddress target : paths.values()) {
        load(target, direct, warmup, clients);
      }
      Map<String, List<Sample>> samples = new LinkedHashMap<>();
      for (int r = 1; r <= rounds; r++) {
        String loadBefore = BenchSupport.loadAverage();
        for (var path : paths.entrySet()) {
          samples
              .computeIfAbsent(path.getKey(), k -> new ArrayList<>())
              .add(load(path.getValue(), direct, seconds, clients));
        }
        System.out.printf(Locale.ROOT, "round %d (load %s): %s%n", r, loadBefore, last(samples));
      }
      System.out.println("load at the end: " + BenchSupport.loadAverage());
      report(samples, drovers.keySet().iterator().next(), proxies.get(0));
    } finally {
      proxies.forEach(ServiceProxy::close);
      docker(60, "rm", "-f", container);
      if (swarmJoined) {
        docker(60, "service", "rm", service);
        docker(60, "swarm", "leave", "--force");
      }
    }
  }

  private static String last(Map<String, List<Sample>> samples) {
    StringBuilder out = new StringBuilder();
    samples.forEach(
        (k, v) -> {
          Sample s = v.get(v.size() - 1);
          out.append(
              String.format(
                  Locale.ROOT,
                  "%s %.0f req/s p99 %.2f ms (%d errors, cpu/req: proxy %.0f us, docker-proxy"
                      + " %.0f us)  ",
                  k,
                  s.rps(),
                  s.p99Ms(),
                  s.errors(),
                  s.proxyCpuUs(),
                  s.dockerCpuUs()));
        });
    return out.toString().trim();
  }

  private static void report(Map<String, List<Sample>> samples, String drover, ServiceProxy proxy) {
    Map<String, double[]> med = new LinkedHashMap<>();
    samples.forEach(
        (k, v) ->
            med.put(
                k,
                new double[] {
                  median(v.stream().map(Sample::rps).toList()),
                  median(v.stream().map(Sample::p99Ms).toList())
                }));
    System.out.println();
    System.out.println(
        "| path | req/s, rounds | req/s median | spread | p99 ms, rounds | p99 median | spread |");
    System.out.println("|---|---|---|---|---|---|---|");
    samples.forEach(
        (k, v) -> {
          List<Double> rps = v.stream().map(Sample::rps).toList();
          List<Double> p99 = v.stream().map(Sample::p99Ms).toList();
          System.out.printf(
              Locale.ROOT,
              "| %s | %s | %.0f | %s | %s | %.2f | %s |%n",
              k,
              BenchSupport.rounds(rps, "%.0f"),
              med.get(k)[0],
              BenchSupport.spread(rps, "%.0f"),
              BenchSupport.rounds(p99, "%.1f"),
              med.get(k)[1],
              BenchSupport.spread(p99, "%.1f"));
        });
    System.out.println();
    System.out.println(
        "| path | proxy cpu us/req, rounds | median | docker-proxy cpu us/req, rounds | median |");
    System.out.println("|---|---|---|---|---|");
    samples.forEach(
        (k, v) -> {
          List<Double> proxyCpu = v.stream().map(Sample::proxyCpuUs).toList();
          List<Double> dockerCpu = v.stream().map(Sample::dockerCpuUs).toList();
          System.out.printf(
              Locale.ROOT,
              "| %s | %s | %.0f | %s | %.0f |%n",
              k,
              BenchSupport.rounds(proxyCpu, "%.0f"),
              median(proxyCpu),
              BenchSupport.rounds(dockerCpu, "%.0f"),
              median(dockerCpu));
        });
    System.out.println(drover + " proxy counters: " + proxy.metrics("bench/web"));
    double vsDirect = med.get(drover)[0] / med.get("direct")[0];
    double addedP99 = med.get(drover)[1] - med.get("direct")[1];
    double proxyCpu = median(samples.get(drover).stream().map(Sample::proxyCpuUs).toList());
    // With no Swarm figure there is no ratio to print: the peer did not run.
    String peer =
        med.containsKey("swarm")
            ? String.format(Locale.ROOT, "vs_swarm=%.2f", med.get(drover)[0] / med.get("swarm")[0])
            : "peer=none";
    System.out.printf(
        Locale.ROOT,
        "RESULT proxy vs_direct=%.2f %s added_p99_ms=%.2f proxy_cpu_us_per_req=%.0f"
            + " transport=%s rounds=%d%n",
        vsDirect,
        peer,
        addedP99,
        proxyCpu,
        proxy.transport().name().toLowerCase(Locale.ROOT),
        samples.get(drover).size());
  }

  /**
   * The endpoints of the bench's service: one ready pod on {@link #LOCAL_NODE}, published on
   * 127.0.0.1:{@code hostPort}, whose own address is {@code podIp}:{@code containerPort}, as the
   * endpoints controller writes them.
   */
  private static Endpoints endpoints(int hostPort, String podIp, int containerPort) {
    return Endpoints.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setNamespace("bench").setName("web"))
        .addSubsets(
            EndpointSubset.newBuilder()
                .addPorts(EndpointPort.newBuilder().setPort(hostPort).setTargetPort(containerPort))
                .addAddresses(
                    EndpointAddress.newBuilder()
                        .setIp("127.0.0.1")
                        .setNodeName(LOCAL_NODE)
                        .setPodIp(podIp)
                        .setTargetRef(ObjectReference.newBuilder().setName("backend"))))
        .build();
  }

  /**
   * The service proxy of node {@code node} with one NodePort service whose endpoints are {@code
   * endpoints}: on {@link #LOCAL_NODE} it dials the pod's own address, elsewhere the host port.
   */
  private static ServiceProxy drover(
      String node, Endpoints endpoints, int nodePort, ProxyConfig.Transport t, int threads) {
    ServiceProxy proxy =
        new ServiceProxy(
            new ProxyConfig(
                false,
                List.of(),
                "127.0.0.1",
                "127.0.0.1",
                threads,
                2000,
                Duration.ofSeconds(10),
                t),
            node,
            (svc, reason, message) -> System.out.println("proxy event " + reason + ": " + message));
    proxy.putService(
        Service.newBuilder()
            .setMetadata(ObjectMeta.newBuilder().setNamespace("bench").setName("web"))
            .setSpec(
                ServiceSpec.newBuilder()
                    .setType(ServiceType.SERVICE_TYPE_NODE_PORT)
                    .addPorts(ServicePort.newBuilder().setPort(80).setNodePort(nodePort)))
            .build());
    proxy.putEndpoints(endpoints);
    proxy.reconcileAndWait();
    return proxy.start();
  }

  /**
   * C threads, each sending requests to {@code target} one after another for {@code seconds}; the
   * CPU figures count the proxy's threads and the docker-proxy of {@code hostPort}.
   */
  private static Sample load(InetSocketAddress target, int hostPort, int seconds, int clients)
      throws InterruptedException {
    Histogram latency = new ConcurrentHistogram(TimeUnit.SECONDS.toNanos(30), 3);
    long proxyCpu0 = proxyCpuNanos();
    long docker0 = dockerProxyTicks(hostPort);
    AtomicLong errors = new AtomicLong();
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    List<Thread> threads = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      Thread t =
          new Thread(
              () -> {
                while (System.nanoTime() < end) {
                  long t0 = System.nanoTime();
                  if (request(target)) {
                    latency.recordValue(System.nanoTime() - t0);
                  } else {
                    errors.incrementAndGet();
                  }
                }
              });
      t.start();
      threads.add(t);
    }
    for (Thread t : threads) {
      t.join();
    }
    double requests = Math.max(1, latency.getTotalCount() + errors.get());
    // /proc counts in clock ticks of 10 ms (USER_HZ 100).
    return new Sample(
        latency.getTotalCount() / (double) seconds,
        latency.getValueAtPercentile(99) / 1e6,
        errors.get(),
        (proxyCpuNanos() - proxyCpu0) / 1e3 / requests,
        (dockerProxyTicks(hostPort) - docker0) * 10_000.0 / requests);
  }

  /** CPU time so far of the service proxies' event loop threads in this JVM. */
  private static long proxyCpuNanos() {
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    long sum = 0;
    for (ThreadInfo t : mx.getThreadInfo(mx.getAllThreadIds())) {
      if (t != null && t.getThreadName().startsWith("proxy-io")) {
        sum += Math.max(0, mx.getThreadCpuTime(t.getThreadId()));
      }
    }
    return sum;
  }

  /** User and system clock ticks so far of the docker-proxy serving {@code hostPort}; 0 if none. */
  private static long dockerProxyTicks(int hostPort) {
    try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
      for (Path p : procs) {
        try {
          String cmd =
              new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8)
                  .replace('\0', ' ');
          if (cmd.contains("docker-proxy") && cmd.contains("-host-port " + hostPort + " ")) {
            String stat = Files.readString(p.resolve("stat"));
            // Fields after "(comm) " start at field 3; utime and stime are fields 14 and 15.
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
          }
        } catch (IOException | RuntimeException e) {
          // The process ended while being looked at; it is not the one.
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return 0;
  }

  /** What the running kernel's build configuration says of IPVS (its CONFIG_IP_VS line). */
  private static String kernelIpvs() {
    try (InputStream in = new GZIPInputStream(Files.newInputStream(Path.of("/proc/config.gz")))) {
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        if (line.startsWith("CONFIG_IP_VS=") || line.startsWith("# CONFIG_IP_VS is not set")) {
          return line;
        }
      }
      return "no CONFIG_IP_VS line in /proc/config.gz";
    } catch (IOException e) {
      return "/proc/config.gz unreadable (" + e.getMessage() + ")";
    }
  }

  /** One HTTP/1.0 GET on a new connection; true when a 200 came back. */
  private static boolean request(InetSocketAddress target) {
    try (Socket s = new Socket()) {
      s.setTcpNoDelay(true);
      s.connect(target, 5000);
      s.setSoTimeout(10000);
      s.getOutputStream().write(REQUEST);
      InputStream in = s.getInputStream();
      ByteArrayOutputStream all = new ByteArrayOutputStream(256);
      in.transferTo(all);
      return all.toString(StandardCharsets.US_ASCII).startsWith("HTTP/1.0 200")
          || all.toString(StandardCharsets.US_ASCII).startsWith("HTTP/1.1 200");
    } catch (IOException e) {
      return false;
    }
  }

  private static void awaitServing(InetSocketAddress target) throws InterruptedException {
    if (!serving(target, 120)) {
      throw new IllegalStateException("nothing served HTTP on " + target + " after 120 s");
    }
  }

  /** Polls until a request on {@code target} succeeds; false after {@code seconds}. */
  private static boolean serving(InetSocketAddress target, int seconds)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (System.nanoTime() < deadline) {
      if (request(target)) {
        return true;
      }
      Thread.sleep(200);
    }
    return false;
  }

  /** Enters swarm mode on loopback; false (Swarm skipped) when the daemon is in a swarm already. */
  private static boolean joinSwarm() {
    String state = docker(30, "info", "--format", "{{.Swarm.LocalNodeState}}");
    if (!"inactive".equals(state)) {
      System.out.println("swarm: daemon is in swarm state '" + state + "'; skipping Swarm");
      return false;
    }
    int port = freePort();
    docker(
        120,
        "swarm",
        "init",
        "--advertise-addr",
        "127.0.0.1",
        "--listen-addr",
        "127.0.0.1:" + port);
    return true;
  }

  /** Runs a docker command and returns its trimmed output; fails on a non-zero exit. */
  private static String docker(long timeoutSeconds, String... args) {
    List<String> cmd = new ArrayList<>(List.of(DOCKER));
    cmd.addAll(List.of(args));
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      p.getOutputStream().close();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS) || p.exitValue() != 0) {
        p.destroyForcibly();
        throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
