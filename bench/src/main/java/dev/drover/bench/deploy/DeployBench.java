package dev.drover.bench.deploy;

import static dev.drover.bench.BenchSupport.median;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Task;
import com.github.dockerjava.api.model.TaskState;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import dev.drover.api.v1.Container;
import dev.drover.api.v1.DeleteRequest;
import dev.drover.api.v1.Deployment;
import dev.drover.api.v1.DeploymentSpec;
import dev.drover.api.v1.ImagePullPolicy;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.LabelSelector;
import dev.drover.api.v1.ListRequest;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodPhase;
import dev.drover.api.v1.PodSpec;
import dev.drover.api.v1.PodTemplateSpec;
import dev.drover.api.v1.PropagationPolicy;
import dev.drover.api.v1.TaintEffect;
import dev.drover.api.v1.Toleration;
import dev.drover.api.v1.TolerationOperator;
import dev.drover.api.v1.WatchEvent;
import dev.drover.api.v1.WatchEventType;
import dev.drover.bench.BenchSupport;
import dev.drover.client.DroverClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * {@code bench/run deploy}: how long N replicas of the same busybox container take to be running,
 * side by side on this machine: (a) the limit: N containers created and started at once through the
 * Engine API (docker-java, one thread each), (b) Docker Swarm ({@code docker service create
 * --detach --replicas N}, task states polled through the Engine API; swarm mode is entered for each
 * Swarm measurement and left right after it), (c) Drover (one master and one agent, each its own
 * JVM with the flags and defaults {@code bin/drover} ships) applying a Deployment of N replicas
 * until a watch has seen all N pods Running. Each round runs the three in a turning order. Then the
 * agent's RSS with the largest N running. Prints the rounds, the medians with their spread, the
 * ratios and a last line {@code RESULT deploy ...} (medians; any non-default flag is named there).
 *
 * <p>Usage: {@code DeployBench [--sizes 10,50] [--rounds R (default 3)] [--image IMAGE]
 * [--agent-jvm "FLAGS"] [--agent-env K=V (K= removes)] [--master-jvm "FLAGS"] [--sync-threads N]
 * [--skip-swarm]}. The machine's Docker daemon is shared: only what this run creates is removed,
 * and Swarm mode is entered only if it is inactive (and left again).
 */
public final class DeployBench {

  /** Exits 0 on TERM right away: each system stops the containers the same way. */
  private static final String SCRIPT =
      "trap 'exit 0' TERM; while true; do sleep 3600 & wait $!; done";

  /**
   * The agent's JVM flags as {@code bin/drover agent} ships them (dist/src/bin/drover; keep the two
   * in step), so that the RSS measured is the one users get. See BENCHMARKS.md.
   */
  static final String DEFAULT_AGENT_JVM =
      "-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:CICompilerCount=1"
          + " -XX:CompileThresholdScaling=10 -Xss256k -Xms12m -Xmn4m -Xmx64m"
          + " -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=30 -XX:MaxMetaspaceSize=96m"
          + " -XX:ReservedCodeCacheSize=16m -XX:MaxDirectMemorySize=32m"
          + " -XX:+IgnoreUnrecognizedVMOptions -XX:+UnlockExperimentalVMOptions"
          + " -XX:TrimNativeHeapInterval=2000"
          // grpc-netty-shaded reads its Netty settings under the relocated package name.
          + " -Dio.grpc.netty.shaded.io.netty.allocator.numDirectArenas=1"
          + " -Dio.grpc.netty.shaded.io.netty.allocator.numHeapArenas=0"
          + " -Dio.grpc.netty.shaded.io.netty.allocator.maxOrder=7";

  /** The master's JVM flags as {@code bin/drover master} ships them (dist/src/bin/drover). */
  static final String DEFAULT_MASTER_JVM =
      "-Xms16m -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=30 -XX:G1PeriodicGCInterval=10000"
          + " -XX:+IgnoreUnrecognizedVMOptions -XX:TrimNativeHeapInterval=10000"
          + " -Dio.grpc.netty.shaded.io.netty.allocator.numDirectArenas=2"
          + " -Dio.grpc.netty.shaded.io.netty.allocator.numHeapArenas=1"
          + " -Dorg.apache.ratis.thirdparty.io.netty.allocator.numDirectArenas=1"
          + " -Dorg.apache.ratis.thirdparty.io.netty.allocator.numHeapArenas=1";

  private static final Duration RUN_TIMEOUT = Duration.ofMinutes(5);

  private final String image;
  private final String runId = Long.toHexString(System.nanoTime() & 0xffffff);
  private final DockerClient docker;

  private DeployBench(String image) {
    this.image = image;
    var config =
        DefaultDockerClientConfig.createDefaultConfigBuilder()
            .withDockerHost("unix:///var/run/docker.sock")
            .build();
    this.docker =
        DockerClientImpl.getInstance(
            config,
            new ApacheDockerHttpClient.Builder()
                .dockerHost(config.getDockerHost())
                .responseTimeout(Duration.ofMinutes(2))
                .build());
  }

  public static void main(String[] args) throws Exception {
    ((ch.qos.logback.classic.Logger)
            org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
        .setLevel(ch.qos.logback.classic.Level.WARN);
    int[] sizes = {10, 50};
    int rounds = 3;
    String image = "127.0.0.1:5000/busybox:1";
    String agentJvm = DEFAULT_AGENT_JVM;
    String masterJvm = DEFAULT_MASTER_JVM;
    // 0: the agent's own default, as shipped (no --sync-threads flag).
    int syncThreads = 0;
    boolean swarm = true;
    List<String> flags = new ArrayList<>();
    // glibc makes up to 8 malloc arenas per core for a threaded JVM; bin/drover gives the agent
    // one (keep the two in step).
    Map<String, String> agentEnv = new LinkedHashMap<>(Map.of("MALLOC_ARENA_MAX", "1"));
    for (int i = 0; i < args.length; i++) {
      if (!args[i].equals("--rounds") && !args[i].equals("--sizes")) {
        // Every setting that is not the shipped default is named in the RESULT line.
        flags.add(args[i] + (args[i].equals("--skip-swarm") ? "" : "=" + args[i + 1]));
      }
      switch (args[i]) {
        case "--sizes" ->
            sizes = Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt).toArray();
        case "--rounds" -> rounds = Integer.parseInt(args[++i]);
        case "--image" -> image = args[++i];
        case "--agent-jvm" -> agentJvm = args[++i];
        case "--master-jvm" -> masterJvm = args[++i];
        case "--sync-threads" -> syncThreads = Integer.parseInt(args[++i]);
        case "--skip-swarm" -> swarm = false;
        case "--agent-env" -> {
          String[] kv = args[++i].split("=", 2);
          if (kv.length == 2 && kv[1].isEmpty()) {
            agentEnv.remove(kv[0]);
          } else {
            agentEnv.put(kv[0], kv.length == 2 ? kv[1] : "");
          }
        }
        default ->
            throw new IllegalArgumentException(
                "unknown argument "
                    + args[i]
                    + "; usage: [--sizes 1,10,50] [--rounds R] [--image IMAGE] [--agent-jvm FLAGS]"
                    + " [--agent-env K=V] [--master-jvm FLAGS] [--sync-threads N] [--skip-swarm]");
      }
    }
    new DeployBench(image)
        .run(sizes, rounds, split(agentJvm), agentEnv, split(masterJvm), syncThreads, swarm, flags);
  }

  private static List<String> split(String flags) {
    return flags.isBlank() ? List.of() : List.of(flags.trim().split("\\s+"));
  }

  private void run(
      int[] sizes,
      int rounds,
      List<String> agentJvm,
      Map<String, String> agentEnv,
      List<String> masterJvm,
      int syncThreads,
      boolean withSwarm,
      List<String> flags)
      throws Exception {
    // The image must be local for all three, so no run pays for a pull the others skip.
    Shell.check(120, Shell.docker("pull", "-q", image));
    nmt = agentJvm.stream().anyMatch(f -> f.startsWith("-XX:NativeMemoryTracking="));
    // One untimed start first: the first Engine API call of this JVM pays for loading and
    // compiling docker-java and for its connection, which is no part of the daemon's limit.
    engineApiLimit(2);
    System.out.println(
        "image "
            + image
            + ", rounds "
            + rounds
            + ", agent JVM "
            + agentJvm
            + ", agent env "
            + agentEnv
            + ", sync threads "
            + (syncThreads > 0 ? syncThreads : "(agent default)")
            + ", load average "
            + BenchSupport.loadAverage());
    Map<Integer, List<List<Double>>> secs = new LinkedHashMap<>();
    double rssMb = -1;
    double hwmMb = -1;
    boolean swarmUsable = withSwarm && swarmInactive();
    int top = Arrays.stream(sizes).max().orElse(0);
    try (DroverProcesses drover = new DroverProcesses(masterJvm, agentJvm, agentEnv, syncThreads)) {
      drover.awaitReady();
      for (int n : sizes) {
        List<Double> limit = new ArrayList<>();
        List<Double> sw = new ArrayList<>();
        List<Double> dr = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
          // The order turns each round, so that none of the three always runs right after
          // another's containers were removed (the daemon tidies up for a while after that).
          for (int k = 0; k < 3; k++) {
            switch ((r + k) % 3) {
              case 0 -> limit.add(engineApiLimit(n));
              case 1 -> {
                if (swarmUsable) {
                  sw.add(swarm(n, r));
                }
              }
              default -> {
                boolean last = r == rounds - 1 && n == top;
                dr.add(droverDeploy(drover, n, r, last ? drover.agentPid() : -1));
                if (last) {
                  rssMb = lastRss;
                  hwmMb = lastHwm;
                }
              }
            }
          }
        }
        secs.put(n, List.of(limit, sw, dr));
        System.out.printf(
            Locale.ROOT,
            "N=%d rounds (s): limit %s | swarm %s | drover %s%n",
            n,
            BenchSupport.rounds(limit, "%.2f"),
            BenchSupport.rounds(sw, "%.2f"),
            BenchSupport.rounds(dr, "%.2f"));
      }
    } finally {
      docker.close();
    }
    System.out.println();
    System.out.println(
        "Medians of the rounds (spread min-max); limit = N containers created and started at once"
            + " through the Engine API (docker-java), the physical limit of this daemon.");
    System.out.printf(
        Locale.ROOT,
        "%6s | %18s %18s %18s | %9s %9s%n",
        "N",
        "limit s",
        "swarm s",
        "drover s",
        "vs limit",
        "vs swarm");
    StringBuilder result = new StringBuilder("RESULT deploy");
    for (var e : secs.entrySet()) {
      List<List<Double>> v = e.getValue();
      double limit = median(v.get(0));
      double sw = median(v.get(1));
      double dr = median(v.get(2));
      System.out.printf(
          Locale.ROOT,
          "%6d | %18s %18s %18s | %9.2f %9s%n",
          e.getKey(),
          cell(v.get(0)),
          cell(v.get(1)),
          cell(v.get(2)),
          dr / limit,
          v.get(1).isEmpty() ? "-" : String.format(Locale.ROOT, "%.2f", dr / sw));
      result.append(
          v.get(1).isEmpty()
              ? ""
              : String.format(Locale.ROOT, " n%d_vs_swarm=%.2f", e.getKey(), dr / sw));
      result.append(String.format(Locale.ROOT, " n%d_vs_limit=%.2f", e.getKey(), dr / limit));
    }
    System.out.printf(
        Locale.ROOT, "agent RSS with %d pods running: %.1f MB (peak %.1f MB)%n", top, rssMb, hwmMb);
    result.append(
        String.format(
            Locale.ROOT, " agent_rss_mb=%.1f rounds=%d transport=insecure", rssMb, rounds));
    if (!swarmUsable) {
      result.append(" swarm=none");
    }
    if (!flags.isEmpty()) {
      result.append(" flags=").append(String.join(",", flags).replace(' ', '_'));
    }
    System.out.println(result);
  }

  private static String cell(List<Double> v) {
    return v.isEmpty()
        ? "-"
        : String.format(Locale.ROOT, "%.2f (%s)", median(v), BenchSupport.spread(v, "%.1f"));
  }

  // ------------------------------------------------------------------ (a) the Engine API limit

  /**
   * N containers created and started concurrently through the Engine API, one thread each, timed
   * until every start has returned (the container is running then): what the daemon can do, with no
   * CLI processes to start (the old limit ran N {@code docker run} processes on 2 cores).
   */
  private double engineApiLimit(int n) throws InterruptedException {
    String label = "deploy-limit-" + runId;
    ExecutorService pool = Executors.newFixedThreadPool(n);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<?>> starts = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        starts.add(
            pool.submit(
                () -> {
                  go.await();
                  String id =
                      docker
                          .createContainerCmd(image)
                          .withCmd("sh", "-c", SCRIPT)
                          .withLabels(Map.of("drover.bench", label))
                          .exec()
                          .getId();
                  docker.startContainerCmd(id).exec();
                  return id;
                }));
      }
      long t0 = System.nanoTime();
      go.countDown();
      for (Future<?> f : starts) {
        try {
          f.get(RUN_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException
            | java.util.concurrent.TimeoutException e) {
          throw new IllegalStateException("Engine API create/start failed: " + e, e);
        }
      }
      return (System.nanoTime() - t0) / 1e9;
    } finally {
      pool.shutdownNow();
      removeLabelled("drover.bench=" + label);
    }
  }

  private void removeLabelled(String label) {
    String ids = Shell.run(60, Shell.docker("ps", "-aq", "--filter", "label=" + label)).line();
    if (!ids.isEmpty()) {
      List<String> cmd = new ArrayList<>(List.of(Shell.docker("rm", "-f")));
      cmd.addAll(List.of(ids.split("\\s+")));
      Shell.run(120, cmd.toArray(String[]::new));
    }
  }

  // ------------------------------------------------------------------ (b) Docker Swarm

  /** False (and Swarm is skipped) when this daemon is in a swarm already: it is not ours. */
  private static boolean swarmInactive() {
    String state = Shell.check(30, Shell.docker("info", "--format", "{{.Swarm.LocalNodeState}}"));
    if (!"inactive".equals(state)) {
      System.out.println("swarm: daemon is already in swarm state '" + state + "'; skipping Swarm");
      return false;
    }
    return true;
  }

  /**
   * Enters swarm mode for one Swarm measurement (left again right after it): a swarm manager's work
   * on the shared daemon must not weigh on the other two systems' rounds.
   */
  private static void joinSwarm() {
    int port = Shell.freePort();
    Shell.check(
        120,
        Shell.docker(
            "swarm",
            "init",
            "--advertise-addr",
            "127.0.0.1",
            "--listen-addr",
            "127.0.0.1:" + port));
  }

  private double swarm(int n, int round) throws InterruptedException {
    String name = "drover-bench-" + runId + "-" + n + "-" + round;
    joinSwarm();
    long t0 = System.nanoTime();
    try {
      Shell.check(
          120,
          Shell.docker(
              "service",
              "create",
              "--detach",
              "--quiet",
              "--replicas",
              Integer.toString(n),
              "--name",
              name,
              "--stop-grace-period",
              "2s",
              image,
              "sh",
              "-c",
              SCRIPT));
      long deadline = t0 + RUN_TIMEOUT.toNanos();
      while (System.nanoTime() < deadline) {
        List<Task> tasks = docker.listTasksCmd().withServiceFilter(name).exec();
        long running =
            tasks.stream()
                .filter(t -> t.getStatus() != null && t.getStatus().getState() == TaskState.RUNNING)
                .count();
        if (running >= n) {
          return (System.nanoTime() - t0) / 1e9;
        }
        Thread.sleep(50);
      }
      throw new IllegalStateException(
          "swarm service " + name + " not running after " + RUN_TIMEOUT);
    } finally {
      Shell.run(120, Shell.docker("service", "rm", name));
      waitUntil(
          () ->
              Shell.run(
                      60,
                      Shell.docker(
                          "ps", "-aq", "--filter", "label=com.docker.swarm.service.name=" + name))
                  .line()
                  .isEmpty(),
          "swarm containers of " + name + " to go");
      Shell.run(60, Shell.docker("swarm", "leave", "--force"));
    }
  }

  // ------------------------------------------------------------------ (c) Drover

  private boolean nmt;
  private double lastRss = -1;
  private double lastHwm = -1;

  private double droverDeploy(DroverProcesses drover, int n, int round, long rssPid)
      throws InterruptedException {
    DroverClient client = drover.client;
    String app = "bench-" + runId + "-" + n + "-" + round;
    Deployment d =
        Deployment.newBuilder()
            .setMetadata(ObjectMeta.newBuilder().setNamespace("default").setName(app))
            .setSpec(
                DeploymentSpec.newBuilder()
                    .setReplicas(n)
                    .setSelector(LabelSelector.newBuilder().putMatchLabels("app", app))
                    .setTemplate(
                        PodTemplateSpec.newBuilder()
                            .setMetadata(ObjectMeta.newBuilder().putLabels("app", app))
                            .setSpec(
                                PodSpec.newBuilder()
                                    .setTerminationGracePeriodSeconds(2)
                                    // Kubernetes gives every pod these (300 s) by default;
                                    // Drover's built-in 4 s would evict all pods whenever a
                                    // heartbeat is late on this loaded machine.
                                    .addTolerations(toleration("node.kubernetes.io/not-ready"))
                                    .addTolerations(toleration("node.kubernetes.io/unreachable"))
                                    .addContainers(
                                        Container.newBuilder()
                                            .setName("main")
                                            .setImage(image)
                                            .setImagePullPolicy(
                                                ImagePullPolicy.IMAGE_PULL_POLICY_IF_NOT_PRESENT)
                                            .addCommand("sh")
                                            .addCommand("-c")
                                            .addArgs(SCRIPT)))))
            .build();
    long rv =
        client
            .list(
                ListRequest.newBuilder()
                    .setKind(Kind.KIND_POD)
                    .setNamespace("default")
                    .setLimit(1)
                    .build())
            .getResourceVersion();
    Set<String> running = ConcurrentHashMap.newKeySet();
    Map<String, Long> observedAtMs = new ConcurrentHashMap<>();
    CountDownLatch all = new CountDownLatch(1);
    long t0;
    double seconds;
    try (DroverClient.WatchStream w =
        client
            .pods()
            .watch(
                "default",
                rv,
                new DroverClient.WatchListener() {
                  @Override
                  public void onEvent(WatchEvent e) {
                    if (!e.getObject().hasPod()) {
                      return;
                    }
                    Pod p = e.getObject().getPod();
                    if (!app.equals(p.getMetadata().getLabelsMap().get("app"))) {
                      return;
                    }
                    String key = p.getMetadata().getName();
                    if (e.getType() != WatchEventType.WATCH_EVENT_TYPE_DELETED
                        && p.getStatus().getPhase() == PodPhase.POD_PHASE_RUNNING
                        && !p.getMetadata().hasDeletionTime()) {
                      running.add(key);
                      observedAtMs.putIfAbsent(key, System.currentTimeMillis());
                    } else {
                      running.remove(key);
                    }
                    if (running.size() >= n) {
                      all.countDown();
                    }
                  }
                })) {
      t0 = System.nanoTime();
      createdAtMs = System.currentTimeMillis();
      client.deployments().create(d);
      if (!all.await(RUN_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        drover.keepLogs();
        throw new IllegalStateException(
            "drover: only "
                + running.size()
                + " of "
                + n
                + " pods Running after "
                + RUN_TIMEOUT
                + "; logs in "
                + drover.dir);
      }
      seconds = (System.nanoTime() - t0) / 1e9;
    }
    printPhases(n, client.pods().list("default", "app=" + app), observedAtMs);
    if (rssPid > 0) {
      // Let the agent settle (probes, status flushes, a GC or two) before reading its memory.
      double max = 0;
      for (int i = 0; i < 10; i++) {
        Thread.sleep(1000);
        max = Math.max(max, Shell.procStatusMb(rssPid, "VmRSS"));
      }
      lastRss = Shell.procStatusMb(rssPid, "VmRSS");
      lastHwm = Shell.procStatusMb(rssPid, "VmHWM");
      System.out.printf(
          Locale.ROOT, "agent RSS after 10 s: %.1f MB (max in those 10 s %.1f MB)%n", lastRss, max);
      if (nmt) {
        // Where the memory is, when the agent runs with -XX:NativeMemoryTracking=summary.
        String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        System.out.println(
            Shell.run(60, jcmd, Long.toString(rssPid), "VM.native_memory", "summary").out());
      }
    }
    client.delete(
        DeleteRequest.newBuilder()
            .setKind(Kind.KIND_DEPLOYMENT)
            .setNamespace("default")
            .setName(app)
            .setPropagationPolicy(PropagationPolicy.PROPAGATION_POLICY_BACKGROUND)
            .build());
    waitUntil(
        () ->
            client.pods().list("default", "app=" + app).isEmpty()
                && Shell.run(
                        60,
                        Shell.docker("ps", "-aq", "--filter", "label=drover.node=" + drover.node))
                    .line()
                    .isEmpty(),
        "pods of " + app + " and their containers to go");
    return seconds;
  }

  private long createdAtMs;

  /**
   * Where a Drover run's time went, from the pods' own timestamps (one clock: all on this host):
   * Deployment create to pod object (controllers), pod object to PodScheduled (scheduler), to the
   * container's start as Docker reports it (agent and Docker), to the watch seeing Running (status
   * path). Medians and maxima in ms.
   */
  private void printPhases(int n, List<Pod> pods, Map<String, Long> observedAtMs) {
    List<Long> controllers = new ArrayList<>();
    List<Long> scheduler = new ArrayList<>();
    List<Long> agent = new ArrayList<>();
    List<Long> status = new ArrayList<>();
    for (Pod p : pods) {
      long created = millis(p.getMetadata().getCreationTime());
      long scheduled =
          p.getStatus().getConditionsList().stream()
              .filter(c -> c.getType().equals("PodScheduled"))
              .map(c -> millis(c.getLastTransitionTime()))
              .findFirst()
              .orElse(created);
      long started =
          p.getStatus().getContainerStatusesList().stream()
              .filter(c -> c.getState().hasRunning())
              .map(c -> millis(c.getState().getRunning().getStartedAt()))
              .findFirst()
              .orElse(scheduled);
      Long observed = observedAtMs.get(p.getMetadata().getName());
      controllers.add(created - createdAtMs);
      scheduler.add(scheduled - created);
      agent.add(started - scheduled);
      if (observed != null) {
        status.add(observed - started);
      }
    }
    System.out.printf(
        Locale.ROOT,
        "  drover N=%d phases (median/max ms): controllers %s, scheduler %s, agent+docker %s,"
            + " status to watch %s%n",
        n,
        medMax(controllers),
        medMax(scheduler),
        medMax(agent),
        medMax(status));
  }

  private static long millis(com.google.protobuf.Timestamp t) {
    return t.getSeconds() * 1000 + t.getNanos() / 1_000_000;
  }

  private static String medMax(List<Long> v) {
    if (v.isEmpty()) {
      return "-";
    }
    List<Long> s = new ArrayList<>(v);
    Collections.sort(s);
    return s.get(s.size() / 2) + "/" + s.get(s.size() - 1);
  }

  private static Toleration toleration(String key) {
    return Toleration.newBuilder()
        .setKey(key)
        .setOperator(TolerationOperator.TOLERATION_OPERATOR_EXISTS)
        .setEffect(TaintEffect.TAINT_EFFECT_NO_EXECUTE)
        .setTolerationSeconds(300)
        .build();
  }

  private static void waitUntil(java.util.function.BooleanSupplier done, String what)
      throws InterruptedException {
    long deadline = System.nanoTime() + RUN_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (done.getAsBoolean()) {
        return;
      }
      Thread.sleep(250);
    }
    throw new IllegalStateException("timed out waiting for " + what);
  }
}
