package dev.drover.agent.runtime.simulated;

import dev.drover.agent.runtime.ContainerInfo;
import dev.drover.agent.runtime.ContainerRuntime;
import dev.drover.agent.runtime.ContainerSpec;
import dev.drover.agent.runtime.ExecListener;
import dev.drover.agent.runtime.ExecOptions;
import dev.drover.agent.runtime.ExecResult;
import dev.drover.agent.runtime.ExecSession;
import dev.drover.agent.runtime.HostFacts;
import dev.drover.agent.runtime.ImagePullException;
import dev.drover.agent.runtime.LogOptions;
import dev.drover.agent.runtime.LogSink;
import dev.drover.agent.runtime.RegistryAuth;
import dev.drover.agent.runtime.RuntimeUnavailableException;
import java.io.Closeable;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * A {@link ContainerRuntime} without containers: it keeps the same created / running / exited state
 * machine in memory and lets a test decide how each container behaves (runs forever, exits after a
 * while with a code, ignores SIGTERM, is OOM-killed) and which images pull. Cheap enough that
 * thousands of agents can share one JVM; timers run on one shared daemon thread unless a scheduler
 * is given.
 */
public final class SimulatedRuntime implements ContainerRuntime {

  /** How a simulated container behaves once started. */
  public record Behavior(Duration runFor, int exitCode, boolean oomKilled, boolean ignoresTerm) {
    /** Runs until stopped. */
    public static Behavior runForever() {
      return new Behavior(null, 0, false, false);
    }

    /** Exits with {@code exitCode} after {@code runFor}. */
    public static Behavior exitAfter(Duration runFor, int exitCode) {
      return new Behavior(runFor, exitCode, false, false);
    }

    /** Is killed by the kernel (exit 137, OOMKilled) after {@code runFor}. */
    public static Behavior oomAfter(Duration runFor) {
      return new Behavior(runFor, 137, true, false);
    }

    /** Runs until killed and ignores SIGTERM. */
    public static Behavior ignoreTerm() {
      return new Behavior(null, 0, false, true);
    }
  }

  private static final ScheduledExecutorService SHARED_TIMER =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "simulated-runtime-timer");
            t.setDaemon(true);
            return t;
          });

  private final ScheduledExecutorService timer;
  private final Map<String, Sim> containers = new ConcurrentHashMap<>();
  private final Set<String> images = ConcurrentHashMap.newKeySet();
  private final HostFacts facts;
  private volatile Function<ContainerSpec, Behavior> behavior = spec -> Behavior.runForever();
  private volatile Function<String, Boolean> pullable = image -> true;
  private volatile BiFunction<ContainerSpec, List<String>, ExecResult> execHandler =
      (spec, command) -> new ExecResult(0, "");
  private volatile boolean available = true;

  public SimulatedRuntime() {
    this(SHARED_TIMER, new HostFacts(4, 8L << 30, "linux", "amd64", "sim", "simulated://1", "sim"));
  }

  public SimulatedRuntime(ScheduledExecutorService timer, HostFacts facts) {
    this.timer = timer;
    this.facts = facts;
  }

  /** Decides the behaviour of each container when it starts. */
  public SimulatedRuntime behavior(Function<ContainerSpec, Behavior> behavior) {
    this.behavior = behavior;
    return this;
  }

  /** Decides which images can be pulled (all by default). */
  public SimulatedRuntime pullable(Function<String, Boolean> pullable) {
    this.pullable = pullable;
    return this;
  }

  /** Answers commands run by {@link #exec}. */
  public SimulatedRuntime execHandler(BiFunction<ContainerSpec, List<String>, ExecResult> h) {
    this.execHandler = h;
    return this;
  }

  /** Makes every call fail as if the engine were down (true) or brings it back (false). */
  public void setAvailable(boolean available) {
    this.available = available;
  }

  /** Stops every running container as a daemon restart would (exit 255). */
  public void crashAll() {
    for (Sim sim : containers.values()) {
      sim.exit(255, false);
    }
  }

  /** Images present (pulled so far). */
  public Set<String> images() {
    return Set.copyOf(images);
  }

  @Override
  public void ping() {
    check();
  }

  @Override
  public HostFacts hostFacts() {
    check();
    return facts;
  }

  @Override
  public boolean imagePresent(String image) {
    check();
    return images.contains(image);
  }

  @Override
  public void pullImage(String image, RegistryAuth auth, Duration timeout) {
    check();
    if (!pullable.apply(image)) {
      throw new ImagePullException("pull of " + image + " failed: manifest unknown", null);
    }
    images.add(image);
  }

  @Override
  public String create(ContainerSpec spec) {
    check();
    for (Sim other : containers.values()) {
      if (other.spec.name().equals(spec.name())) {
        throw new IllegalStateException("container name " + spec.name() + " is already in use");
      }
    }
    String id = UUID.randomUUID().toString().replace("-", "");
    containers.put(id, new Sim(id, spec));
    return id;
  }

  @Override
  public void start(String id) {
    check();
    Sim sim = containers.get(id);
    if (sim == null) {
      throw new IllegalArgumentException("no such container: " + id);
    }
    sim.start(behavior.apply(sim.spec));
  }

  @Override
  public void signal(String id, String signal) {
    check();
    Sim sim = containers.get(id);
    if (sim == null) {
      return;
    }
    if ("KILL".equals(signal) || "SIGKILL".equals(signal)) {
      sim.exit(137, false);
    } else if (!sim.behavior.ignoresTerm()) {
      sim.exit(143, false);
    }
  }

  @Override
  public void remove(String id) {
    check();
    Sim sim = containers.remove(id);
    if (sim != null) {
      sim.exit(137, false);
    }
  }

  @Override
  public Optional<ContainerInfo> inspect(String id) {
    check();
    Sim sim = containers.get(id);
    return sim == null ? Optional.empty() : Optional.of(sim.info());
  }

  @Override
  public List<ContainerInfo> list(Map<String, String> labels) {
    check();
    List<ContainerInfo> out = new ArrayList<>();
    for (Sim sim : containers.values()) {
      if (sim.spec.labels().entrySet().containsAll(labels.entrySet())) {
        out.add(sim.info());
      }
    }
    return out;
  }

  @Override
  public ExecResult exec(String id, List<String> command, Duration timeout) {
    check();
    Sim sim = containers.get(id);
    if (sim == null || sim.info().state() != ContainerInfo.State.RUNNING) {
      throw new IllegalStateException("container " + id + " is not running");
    }
    return execHandler.apply(sim.spec, command);
  }

  /**
   * Runs no process: {@code echo ARGS} prints its arguments, {@code cat} (with stdin) prints its
   * input back until stdin ends, and anything else fails with exit code 127 and a message that real
   * commands need the Docker runtime.
   */
  @Override
  public ExecSession attach(String id, ExecOptions options, ExecListener listener) {
    check();
    Sim sim = containers.get(id);
    if (sim == null || sim.info().state() != ContainerInfo.State.RUNNING) {
      throw new IllegalStateException("container " + id + " is not running");
    }
    List<String> command = options.command();
    String program = command.isEmpty() ? "" : command.get(0);
    boolean echoesInput = program.equals("cat") && options.stdin();
    if (program.equals("echo")) {
      String line = String.join(" ", command.subList(1, command.size())) + "\n";
      listener.output(line.getBytes(StandardCharsets.UTF_8), false);
      listener.exited(0);
    } else if (!echoesInput) {
      String why =
          "simulated runtime: no processes run here (only echo and cat are answered);"
              + " start the agent with --runtime docker to run \""
              + String.join(" ", command)
              + "\"\n";
      listener.output(why.getBytes(StandardCharsets.UTF_8), !options.tty());
      listener.exited(127);
    }
    return new ExecSession() {
      private boolean ended = !echoesInput;

      @Override
      public synchronized void stdin(byte[] data) {
        if (!ended) {
          listener.output(data, false);
        }
      }

      @Override
      public synchronized void closeStdin() {
        if (!ended) {
          ended = true;
          listener.exited(0);
        }
      }

      @Override
      public void resize(int width, int height) {}

      @Override
      public synchronized void close() {
        ended = true;
      }
    };
  }

  @Override
  public Closeable logs(String id, LogOptions options, LogSink sink) {
    check();
    Sim sim = containers.get(id);
    if (sim == null) {
      sink.done(new IllegalArgumentException("no such container: " + id));
    } else {
      // A simulated container prints one line when it starts.
      sink.chunk(("started " + sim.spec.name() + "\n").getBytes(StandardCharsets.UTF_8), false);
      sink.done(null);
    }
    return () -> {};
  }

  @Override
  public void close() {
    for (Sim sim : containers.values()) {
      sim.cancelTimer();
    }
  }

  private void check() {
    if (!available) {
      throw new RuntimeUnavailableException("simulated runtime is down", null);
    }
  }

  /** One simulated container. */
  private final class Sim {
    final String id;
    final ContainerSpec spec;
    ContainerInfo.State state = ContainerInfo.State.CREATED;
    Behavior behavior = Behavior.runForever();
    int exitCode;
    boolean oomKilled;
    Instant startedAt;
    Instant finishedAt;
    ScheduledFuture<?> exitTimer;

    Sim(String id, ContainerSpec spec) {
      this.id = id;
      this.spec = spec;
    }

    synchronized void start(Behavior b) {
      if (state == ContainerInfo.State.RUNNING) {
        return;
      }
      behavior = b;
      state = ContainerInfo.State.RUNNING;
      startedAt = Instant.now();
      finishedAt = null;
      exitCode = 0;
      oomKilled = false;
      if (b.runFor() != null) {
        exitTimer =
            timer.schedule(
                () -> exit(b.exitCode(), b.oomKilled()),
                b.runFor().toMillis(),
                TimeUnit.MILLISECONDS);
      }
    }

    synchronized void exit(int code, boolean oom) {
      if (state != ContainerInfo.State.RUNNING) {
        return;
      }
      cancelTimer();
      state = ContainerInfo.State.EXITED;
      exitCode = code;
      oomKilled = oom;
      finishedAt = Instant.now();
    }

    synchronized void cancelTimer() {
      if (exitTimer != null) {
        exitTimer.cancel(false);
        exitTimer = null;
      }
    }

    synchronized ContainerInfo info() {
      return new ContainerInfo(
          id,
          spec.name(),
          spec.image(),
          "sha256:simulated-" + Integer.toHexString(spec.image().hashCode()),
          spec.labels(),
          state,
          exitCode,
          oomKilled,
          startedAt,
          finishedAt,
          spec.network() instanceof ContainerSpec.OwnNetwork ? "127.0.0.1" : "",
          "");
    }
  }
}
