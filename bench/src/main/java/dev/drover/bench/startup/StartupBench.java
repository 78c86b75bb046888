package dev.drover.bench.startup;

import static dev.drover.bench.BenchSupport.deleteTree;
import static dev.drover.bench.BenchSupport.loadAverage;
import static dev.drover.bench.BenchSupport.median;

import dev.drover.bench.BenchSupport;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How fast a newcomer's first command is ready, and what it costs: the time from starting a {@code
 * drover dev} process (a fresh JVM, a fresh data directory) to its node being Ready, as the process
 * reports it on stdout, for a user's first start from the checkout (fresh HOME, the build's
 * class-data archive), for later ones, and for a start with no class-data archive at all; the same
 * for a restart on the existing data directory; and the resident memory of an idle {@code drover
 * master} (alone) and of the idle dev process (master and agent in one JVM). The peer for start-up
 * is etcd started the same way (process start to a served request, a fresh data directory each
 * time), timed right after each counted Drover start so both medians have as many rounds, when
 * /usr/bin/etcd is here; there is no Nomad or k3s on this machine. Targets (issue 8): ready within
 * 5 s, master RSS at most 200 MB.
 *
 * <p>Processes start through the checkout's {@code ./drover}, with the JVM options and class path a
 * user gets. Usage: {@code bench/run startup [--runs N] [--runtime docker|simulated]
 * [--idle-seconds S] [--etcd PATH]}. Last line: {@code RESULT startup ready_s=... master_rss_mb=...
 * ...}.
 */
public final class StartupBench {

  private static final Pattern READY = Pattern.compile("ready in ([0-9.]+) s");
  private static final Pattern PHASES = Pattern.compile("DevCommand: ready in .*");

  private StartupBench() {}

  public static void main(String[] args) throws Exception {
    int runs = 4;
    String runtime = "docker";
    int idleSeconds = 15;
    String etcd = "/usr/bin/etcd";
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--runs" -> runs = Integer.parseInt(args[++i]);
        case "--runtime" -> runtime = args[++i];
        case "--idle-seconds" -> idleSeconds = Integer.parseInt(args[++i]);
        case "--etcd" -> etcd = args[++i];
        default ->
            throw new IllegalArgumentException(
                "unknown argument "
                    + args[i]
                    + "; usage: [--runs N] [--runtime docker|simulated] [--idle-seconds S] [--etcd PATH]");
      }
    }
    String classPath = System.getProperty("java.class.path");
    // Every process is started through the checkout's ./drover launcher, on the class path it
    // runs (dist/target/lib, the tarball's), so it gets the JVM options and the class-data
    // archive a user gets. One command first builds that class path if it is stale.
    String drover = launcher(classPath).toString();
    Process build = new ProcessBuilder(drover, "version", "--client").inheritIO().start();
    if (build.waitFor() != 0) {
      throw new IllegalStateException("./drover version --client failed");
    }
    Path root = Files.createTempDirectory("drover-startup-bench-");
    System.out.printf(
        Locale.ROOT,
        "drover dev start-up, %s runtime, %d runs (fresh JVM and data"
            + " dir each, one HOME), load average %s%n",
        runtime,
        runs,
        loadAverage());
    // wall: process start to the ready line; self: what dev mode reports (from its main());
    // cpu: CPU seconds the process had used by then, which load on the machine does not inflate.
    System.out.printf(
        Locale.ROOT, "%-8s %8s %8s %8s  %s%n", "run", "wall s", "self s", "cpu s", "phases");
    // First a start without any class-data archive (DROVER_CDS=off): what a start costs when
    // there is none, e.g. the tarball's first `drover dev`. Then run 1 is a user's first start
    // from the checkout on a fresh HOME: it maps the archive the build's warm-up wrote (the
    // `./drover version` above makes it if it is missing); runs 2.. are every later start.
    // All share one HOME, each has a fresh data dir.
    List<Double> warm = new ArrayList<>();
    List<Double> etcdRuns = new ArrayList<>();
    double cold = 0;
    Path lastData = null;
    double devRss = 0;
    try {
      Sample bare = dev(drover, runtime, root.resolve("dev-bare"), root, 0, "off");
      System.out.printf(
          Locale.ROOT,
          "%-8s %8.2f %8.2f %8.2f  %s%n",
          "no-cds",
          bare.wallSeconds(),
          bare.selfSeconds(),
          bare.cpuSeconds(),
          bare.phases());
      for (int r = 1; r <= runs; r++) {
        Path data = root.resolve("dev-" + r);
        boolean last = r == runs;
        Sample s = dev(drover, runtime, data, root, last ? idleSeconds : 0, "on");
        if (r == 1) {
          cold = s.wallSeconds();
        } else {
          warm.add(s.wallSeconds());
          // etcd is timed once per counted Drover start, right after it, so that both medians
          // have as many rounds and the same minutes of the shared machine's load.
          if (Files.isExecutable(Path.of(etcd))) {
            etcdRuns.add(etcdStart(etcd, root.resolve("etcd-" + r)));
          }
        }
        System.out.printf(
            Locale.ROOT,
            "%-8s %8.2f %8.2f %8.2f  %s%n",
            (r == 1 ? "first " : "fresh ") + r,
            s.wallSeconds(),
            s.selfSeconds(),
            s.cpuSeconds(),
            s.phases());
        if (last) {
          devRss = s.rssMb();
          lastData = data;
        }
      }
      Sample restart = dev(drover, runtime, lastData, root, 0, "on");
      System.out.printf(
          Locale.ROOT,
          "%-8s %8.2f %8.2f %8.2f  %s%n",
          "restart",
          restart.wallSeconds(),
          restart.selfSeconds(),
          restart.cpuSeconds(),
          restart.phases());
      double masterRss = masterIdleRss(drover, root.resolve("master"), idleSeconds);

      double etcdSeconds = etcdRuns.isEmpty() ? Double.NaN : median(etcdRuns);
      double median = warm.isEmpty() ? cold : median(warm);
      System.out.println();
      System.out.printf(Locale.ROOT, "%-40s %10s %10s%n", "", "drover", "target");
      System.out.printf(
          Locale.ROOT,
          "%-40s %10.2f %10s   rounds %s, spread %s%n",
          "dev start to node Ready, median (s)",
          median,
          "<= 5",
          BenchSupport.rounds(warm, "%.2f"),
          BenchSupport.spread(warm, "%.2f"));
      System.out.printf(
          Locale.ROOT, "%-40s %10.2f %10s%n", "first start, fresh HOME (s)", cold, "<= 5");
      System.out.printf(
          Locale.ROOT,
          "%-40s %10.2f %10s%n",
          "start without a class archive (s)",
          bare.wallSeconds(),
          "");
      System.out.printf(
          Locale.ROOT,
          "%-40s %10.2f %10s%n",
          "dev restart to node Ready (s)",
          restart.wallSeconds(),
          "");
      System.out.printf(
          Locale.ROOT, "%-40s %10.0f %10s%n", "idle master RSS, alone (MB)", masterRss, "<= 200");
      System.out.printf(
          Locale.ROOT, "%-40s %10.0f %10s%n", "idle dev RSS, master+agent (MB)", devRss, "");
      if (Double.isNaN(etcdSeconds)) {
        System.out.println("peer: none (no etcd binary at " + etcd + "; no Nomad or k3s here)");
      } else {
        System.out.printf(
            Locale.ROOT,
            "peer: etcd process start to first served request, median %.2f s (rounds %s,"
                + " spread %s); drover dev / etcd = %.1fx (etcd is a store only, no API server,"
                + " scheduler or node)%n",
            etcdSeconds,
            BenchSupport.rounds(etcdRuns, "%.2f"),
            BenchSupport.spread(etcdRuns, "%.2f"),
            median / etcdSeconds);
      }
      System.out.printf(
          Locale.ROOT,
          "RESULT startup ready_s=%.2f cold_s=%.2f nocds_s=%.2f"
              + " restart_s=%.2f master_rss_mb=%.0f dev_rss_mb=%.0f etcd_ready_s=%s%s rounds=%d%n",
          median,
          cold,
          bare.wallSeconds(),
          restart.wallSeconds(),
          masterRss,
          devRss,
          Double.isNaN(etcdSeconds) ? "none" : String.format(Locale.ROOT, "%.2f", etcdSeconds),
          Double.isNaN(etcdSeconds)
              ? " peer=none"
              : String.format(Locale.ROOT, " ready_vs_etcd=%.2f", median / etcdSeconds),
          warm.size());
    } finally {
      deleteTree(root);
    }
  }

  /** One dev-mode start: wall time to the ready line, its own report, and idle RSS if asked. */
  record Sample(
      double wallSeconds, double selfSeconds, double cpuSeconds, String phases, double rssMb) {}

  private static Sample dev(
      String launcher, String runtime, Path data, Path root, int idleSeconds, String cds)
      throws Exception {
    Path home = Files.createDirectories(root.resolve("home"));
    Path out = Files.createTempFile(root, "dev", ".out");
    Path err = Files.createTempFile(root, "dev", ".err");
    ProcessBuilder builder =
        new ProcessBuilder(
                launcher, "dev", "--runtime", runtime, "--port", "0", "--data-dir", data.toString())
            .redirectOutput(out.toFile())
            .redirectError(err.toFile());
    builder.environment().put("HOME", home.toString());
    builder.environment().put("DROVER_CDS", cds);
    long t0 = System.nanoTime();
    Process process = builder.start();
    try {
      double self = Double.NaN;
      while (true) {
        Matcher m = READY.matcher(Files.readString(out));
        if (m.find()) {
          self = Double.parseDouble(m.group(1));
          break;
        }
        if (!process.isAlive() || System.nanoTime() - t0 > TimeUnit.SECONDS.toNanos(180)) {
          throw new IllegalStateException(
              "drover dev did not become ready:\n" + Files.readString(out) + Files.readString(err));
        }
        Thread.sleep(20);
      }
      double wall = (System.nanoTime() - t0) / 1e9;
      double cpu = cpuSeconds(process.pid());
      Matcher phases = PHASES.matcher(Files.readString(err));
      String phaseText = phases.find() ? phases.group().replaceFirst("DevCommand: ", "") : "";
      double rss = 0;
      if (idleSeconds > 0) {
        Thread.sleep(TimeUnit.SECONDS.toMillis(idleSeconds));
        rss = rssMb(process.pid());
      }
      return new Sample(wall, self, cpu, phaseText, rss);
    } finally {
      stop(process);
    }
  }

  private static double masterIdleRss(String launcher, Path data, int idleSeconds)
      throws Exception {
    ProcessBuilder builder =
        new ProcessBuilder(
                launcher,
                "master",
                "--data-dir",
                data.toString(),
                "--api-host",
                "127.0.0.1",
                "--api-port",
                String.valueOf(freePort()),
                "--store-port",
                String.valueOf(freePort()),
                "--metrics-port",
                "-1")
            .redirectErrorStream(true)
            .redirectOutput(Files.createTempFile(data.getParent(), "master", ".log").toFile());
    Process process = builder.start();
    try {
      // Idle means started and settled: the same wait as the dev process gets after Ready.
      Thread.sleep(TimeUnit.SECONDS.toMillis(Math.max(idleSeconds, 5) + 5));
      if (!process.isAlive()) {
        throw new IllegalStateException("drover master exited with " + process.exitValue());
      }
      return rssMb(process.pid());
    } finally {
      stop(process);
    }
  }

  /** The checkout's ./drover, found from this harness's own bench/target/classes. */
  private static Path launcher(String classPath) {
    for (String entry : classPath.split(":")) {
      Path p = Path.of(entry).toAbsolutePath();
      if (p.endsWith(Path.of("bench", "target", "classes"))) {
        return p.getParent().getParent().getParent().resolve("drover");
      }
    }
    throw new IllegalStateException(
        "cannot find the checkout (no bench/target/classes on the"
            + " class path); run this through bench/run startup");
  }

  private static double etcdStart(String etcd, Path dir) throws Exception {
    int client = freePort();
    int peer = freePort();
    long t0 = System.nanoTime();
    Process process =
        new ProcessBuilder(
                etcd,
                "--data-dir",
                dir.toString(),
                "--listen-client-urls",
                "http://127.0.0.1:" + client,
                "--advertise-client-urls",
                "http://127.0.0.1:" + client,
                "--listen-peer-urls",
                "http://127.0.0.1:" + peer,
                "--initial-advertise-peer-urls",
                "http://127.0.0.1:" + peer,
                "--initial-cluster",
                "default=http://127.0.0.1:" + peer)
            .redirectErrorStream(true)
            .redirectOutput(Files.createTempFile(dir.getParent(), "etcd", ".log").toFile())
            .start();
    try {
      while (true) {
        if (healthy(client)) {
          return (System.nanoTime() - t0) / 1e9;
        }
        if (!process.isAlive() || System.nanoTime() - t0 > TimeUnit.SECONDS.toNanos(60)) {
          throw new IllegalStateException("etcd did not start");
        }
        Thread.sleep(20);
      }
    } finally {
      stop(process);
    }
  }

  /** True when etcd answers /health with a healthy status (it has a leader and serves). */
  private static boolean healthy(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
      socket.setSoTimeout(1000);
      socket
          .getOutputStream()
          .write(
              ("GET /health HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
                  .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      String answer =
          new String(
              socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
      return answer.contains("\"health\":\"true\"");
    } catch (IOException e) {
      return false;
    }
  }

  /** User plus system CPU time of a process, from /proc (clock ticks of 1/100 s on Linux). */
  private static double cpuSeconds(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / 100.0;
  }

  private static double rssMb(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("\\D", "")) / 1024.0;
      }
    }
    throw new IllegalStateException("no VmRSS for pid " + pid);
  }

  private static void stop(Process process) throws InterruptedException {
    process.destroy();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
