package dev.drover.agent.runtime.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.command.InspectExecResponse;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.exception.NotModifiedException;
import com.github.dockerjava.api.model.AccessMode;
import com.github.dockerjava.api.model.AuthConfig;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.CpuStatsConfig;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Info;
import com.github.dockerjava.api.model.InternetProtocol;
import com.github.dockerjava.api.model.LogConfig;
import com.github.dockerjava.api.model.MemoryStatsConfig;
import com.github.dockerjava.api.model.Ports;
import com.github.dockerjava.api.model.PullResponseItem;
import com.github.dockerjava.api.model.Statistics;
import com.github.dockerjava.api.model.StatsConfig;
import com.github.dockerjava.api.model.StreamType;
import com.github.dockerjava.api.model.Volume;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import com.github.dockerjava.transport.DockerHttpClient;
import dev.drover.agent.runtime.ContainerDefaults;
import dev.drover.agent.runtime.ContainerInfo;
import dev.drover.agent.runtime.ContainerRuntime;
import dev.drover.agent.runtime.ContainerSpec;
import dev.drover.agent.runtime.ContainerStats;
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
import dev.drover.api.ImageReference;
import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link ContainerRuntime} backed by a Docker daemon through docker-java (httpclient5 transport,
 * unix socket). The only class of the agent that talks to Docker.
 */
public final class DockerRuntime implements ContainerRuntime {

  private static final Logger log = LoggerFactory.getLogger(DockerRuntime.class);
  private static final int MAX_EXEC_OUTPUT = 4096;
  private static final Duration STATS_TIMEOUT = Duration.ofSeconds(10);
  // Docker reports "never" as the zero time of Go.
  private static final String GO_ZERO_TIME_PREFIX = "0001-01-01";

  private final DockerClient docker;
  private final ContainerDefaults defaults;

  private DockerRuntime(DockerClient docker, ContainerDefaults defaults) {
    this.docker = docker;
    this.defaults = defaults;
  }

  /**
   * Connects to the daemon at {@code dockerHost} (e.g. {@code unix:///var/run/docker.sock}).
   * Nothing is sent until the first call.
   */
  public static DockerRuntime connect(String dockerHost, Duration responseTimeout) {
    return connect(dockerHost, responseTimeout, ContainerDefaults.STANDARD);
  }

  /** As {@link #connect(String, Duration)}, applying {@code defaults} to every container. */
  public static DockerRuntime connect(
      String dockerHost, Duration responseTimeout, ContainerDefaults defaults) {
    DockerClientConfig config =
        DefaultDockerClientConfig.createDefaultConfigBuilder().withDockerHost(dockerHost).build();
    DockerHttpClient http =
        new ApacheDockerHttpClient.Builder()
            .dockerHost(config.getDockerHost())
            .sslConfig(config.getSSLConfig())
            .connectionTimeout(Duration.ofSeconds(5))
            .responseTimeout(responseTimeout)
            // Log streams in follow mode each hold a connection; keep room for the sync loop.
            .maxConnections(64)
            .build();
    return new DockerRuntime(DockerClientImpl.getInstance(config, http), defaults);
  }

  @Override
  public void ping() {
    call(() -> docker.pingCmd().exec());
  }

  @Override
  public HostFacts hostFacts() {
    Info info = call(() -> docker.infoCmd().exec());
    return new HostFacts(
        info.getNCPU() == null ? Runtime.getRuntime().availableProcessors() : info.getNCPU(),
        info.getMemTotal() == null ? 0 : info.getMemTotal(),
        info.getOsType() == null ? "linux" : info.getOsType(),
        info.getArchitecture() == null ? System.getProperty("os.arch") : info.getArchitecture(),
        info.getKernelVersion() == null ? "" : info.getKernelVersion(),
        "docker://" + info.getServerVersion(),
        info.getOperatingSystem() == null ? "" : info.getOperatingSystem());
  }

  @Override
  public boolean imagePresent(String image) {
    try {
      call(() -> docker.inspectImageCmd(image).exec());
      return true;
    } catch (NotFoundException e) {
      return false;
    }
  }

  @Override
  public void pullImage(String image, RegistryAuth auth, Duration timeout) {
    ImageRef ref = ImageRef.parse(image);
    List<String> errors = new ArrayList<>();
    ResultCallback.Adapter<PullResponseItem> callback =
        new ResultCallback.Adapter<>() {
          @Override
          public void onNext(PullResponseItem item) {
            if (item.getErrorDetail() != null) {
              synchronized (errors) {
                errors.add(item.getErrorDetail().getMessage());
              }
            }
          }

          @Override
          public void onError(Throwable throwable) {
            // A failed pull is an expected outcome reported to the pod, not something for the
            // library to log as an error: record it and finish the callback.
            synchronized (errors) {
              errors.add(throwable.getMessage());
            }
            onComplete();
          }
        };
    try {
      var cmd = docker.pullImageCmd(ref.repository()).withTag(ref.tag());
      if (auth != null) {
        cmd.withAuthConfig(
            new AuthConfig()
                .withRegistryAddress(auth.server())
                .withUsername(auth.username())
                .withPassword(auth.password()));
      }
      boolean done = cmd.exec(callback).awaitCompletion(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (!done) {
        closeQuietly(callback);
        throw new ImagePullException("pull of " + image + " timed out after " + timeout, null);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ImagePullException("pull of " + image + " interrupted", e);
    } catch (DockerException e) {
      throw new ImagePullException("pull of " + image + " failed: " + e.getMessage(), e);
    } catch (RuntimeException e) {
      if (isConnectionFailure(e)) {
        throw new RuntimeUnavailableException("Docker unreachable: " + e.getMessage(), e);
      }
      throw new ImagePullException("pull of " + image + " failed: " + e.getMessage(), e);
    }
    synchronized (errors) {
      if (!errors.isEmpty()) {
        throw new ImagePullException("pull of " + image + " failed: " + errors.get(0), null);
      }
    }
  }

  @Override
  public String create(ContainerSpec spec) {
    HostConfig host = HostConfig.newHostConfig();
    CreateContainerCmd cmd = docker.createContainerCmd(spec.image()).withName(spec.name());
    cmd.withLabels(spec.labels());
    if (!spec.command().isEmpty()) {
      cmd.withEntrypoint(spec.command());
    }
    if (!spec.args().isEmpty()) {
      cmd.withCmd(spec.args());
    } else if (!spec.command().isEmpty()) {
      // An entrypoint override without args must not inherit the image's CMD (Kubernetes rule).
      cmd.withCmd(List.of());
    }
    cmd.withEnv(spec.env());
    if (!spec.workingDir().isEmpty()) {
      cmd.withWorkingDir(spec.workingDir());
    }
    if (spec.network() instanceof ContainerSpec.JoinNetwork join) {
      host.withNetworkMode("container:" + join.containerId());
    } else if (spec.network() instanceof ContainerSpec.HostNetwork) {
      host.withNetworkMode("host");
    } else {
      host.withNetworkMode("bridge");
      if (!spec.hostname().isEmpty()) {
        cmd.withHostName(spec.hostname());
      }
      applyPorts(cmd, host, spec.ports());
    }
    if (spec.nanoCpus() > 0) {
      host.withNanoCPUs(spec.nanoCpus());
    }
    if (spec.memoryBytes() > 0) {
      host.withMemory(spec.memoryBytes());
      // Same as the memory limit: no swap on top, so going over the limit is an OOM kill.
      host.withMemorySwap(spec.memoryBytes());
    }
    List<Bind> binds = new ArrayList<>();
    for (ContainerSpec.Mount mount : spec.mounts()) {
      binds.add(
          new Bind(
              mount.hostPath(),
              new Volume(mount.containerPath()),
              mount.readOnly() ? AccessMode.ro : AccessMode.rw));
    }
    host.withBinds(binds);
    applySecurity(cmd, host, spec);
    cmd.withHostConfig(host);
    return call(() -> cmd.exec().getId());
  }

  /** The pod's security settings, on top of the agent's defaults for every container. */
  private void applySecurity(CreateContainerCmd cmd, HostConfig host, ContainerSpec spec) {
    ContainerSpec.Security sec = spec.security();
    if (defaults.pidsLimit() > 0) {
      host.withPidsLimit(defaults.pidsLimit());
    }
    host.withLogConfig(
        new LogConfig(
            LogConfig.LoggingType.JSON_FILE,
            Map.of(
                "max-size",
                defaults.logMaxSize(),
                "max-file",
                Integer.toString(defaults.logMaxFiles()))));
    if (sec.noNewPrivileges()) {
      host.withSecurityOpts(List.of("no-new-privileges"));
    }
    if (sec.privileged()) {
      host.withPrivileged(true);
    }
    if (sec.readOnlyRootFilesystem()) {
      host.withReadonlyRootfs(true);
    }
    if (!sec.capAdd().isEmpty()) {
      host.withCapAdd(capabilities(sec.capAdd()));
    }
    if (!sec.capDrop().isEmpty()) {
      host.withCapDrop(capabilities(sec.capDrop()));
    }
    if (sec.hostPid()) {
      host.withPidMode("host");
    }
    String user = user(spec.image(), sec);
    if (user != null) {
      cmd.withUser(user);
    }
  }

  /**
   * The {@code --user} for a container, or null to keep the image's; refuses a root user when the
   * pod asked for a non-root one (a name other than root cannot be checked, so it is refused too,
   * as Kubernetes does).
   */
  private String user(String image, ContainerSpec.Security sec) {
    if (sec.runAsUser() != null) {
      if (sec.runAsNonRoot() && sec.runAsUser() == 0) {
        throw new IllegalArgumentException("runAsNonRoot is set but runAsUser is 0 (root)");
      }
      return sec.runAsUser() + (sec.runAsGroup() == null ? "" : ":" + sec.runAsGroup());
    }
    if (!sec.runAsNonRoot() && sec.runAsGroup() == null) {
      return null;
    }
    String imageUser = call(() -> docker.inspectImageCmd(image).exec()).getConfig().getUser();
    String name = imageUser == null || imageUser.isEmpty() ? "0" : imageUser.split(":", 2)[0];
    if (sec.runAsNonRoot() && !name.matches("[0-9]+")) {
      throw new IllegalArgumentException(
          "runAsNonRoot is set and image "
              + image
              + " has the non-numeric user \""
              + name
              + "\": set runAsUser");
    }
    if (sec.runAsNonRoot() && Long.parseLong(name) == 0) {
      throw new IllegalArgumentException(
          "runAsNonRoot is set and image " + image + " runs as root: set runAsUser");
    }
    return sec.runAsGroup() == null ? null : name + ":" + sec.runAsGroup();
  }

  private static Capability[] capabilities(List<String> names) {
    List<Capability> out = new ArrayList<>();
    for (String n : names) {
      out.add(Capability.valueOf(n));
    }
    return out.toArray(new Capability[0]);
  }

  private static void applyPorts(
      CreateContainerCmd cmd, HostConfig host, List<ContainerSpec.PortBinding> ports) {
    if (ports.isEmpty()) {
      return;
    }
    Ports bindings = new Ports();
    List<ExposedPort> exposed = new ArrayList<>();
    for (ContainerSpec.PortBinding port : ports) {
      InternetProtocol protocol =
          "UDP".equalsIgnoreCase(port.protocol()) ? InternetProtocol.UDP : InternetProtocol.TCP;
      ExposedPort e = new ExposedPort(port.containerPort(), protocol);
      exposed.add(e);
      bindings.bind(e, Ports.Binding.bindPort(port.hostPort()));
    }
    cmd.withExposedPorts(exposed);
    host.withPortBindings(bindings);
  }

  @Override
  public void start(String id) {
    try {
      call(() -> docker.startContainerCmd(id).exec());
    } catch (NotModifiedException e) {
      // Already running: starting is idempotent for the sync loop.
    }
  }

  @Override
  public void signal(String id, String signal) {
    try {
      call(() -> docker.killContainerCmd(id).withSignal(signal).exec());
    } catch (NotFoundException | ConflictException e) {
      // Gone or not running: nothing to signal.
      log.debug("signal {} to {} skipped: {}", signal, id, e.getMessage());
    }
  }

  @Override
  public void remove(String id) {
    try {
      call(() -> docker.removeContainerCmd(id).withForce(true).withRemoveVolumes(true).exec());
    } catch (NotFoundException e) {
      // Already gone.
    } catch (ConflictException e) {
      // Removal already in progress (e.g. by a concurrent cleanup).
      log.debug("remove of {} in conflict: {}", id, e.getMessage());
    }
  }

  @Override
  public Optional<ContainerInfo> inspect(String id) {
    InspectContainerResponse r;
    try {
      r = call(() -> docker.inspectContainerCmd(id).exec());
    } catch (NotFoundException e) {
      return Optional.empty();
    }
    InspectContainerResponse.ContainerState s = r.getState();
    ContainerInfo.State state;
    if (Boolean.TRUE.equals(s.getRunning())) {
      state = ContainerInfo.State.RUNNING;
    } else if ("created".equals(s.getStatus())) {
      state = ContainerInfo.State.CREATED;
    } else {
      state = ContainerInfo.State.EXITED;
    }
    String ip = "";
    if (r.getNetworkSettings() != null && r.getNetworkSettings().getIpAddress() != null) {
      ip = r.getNetworkSettings().getIpAddress();
    }
    if (ip.isEmpty()
        && r.getNetworkSettings() != null
        && r.getNetworkSettings().getNetworks() != null) {
      // Newer daemons leave the top-level address empty; take the first network's.
      ip =
          r.getNetworkSettings().getNetworks().values().stream()
              .map(n -> n.getIpAddress())
              .filter(a -> a != null && !a.isEmpty())
              .findFirst()
              .orElse("");
    }
    String name = r.getName() == null ? "" : r.getName().replaceFirst("^/", "");
    Long exit = s.getExitCodeLong();
    return Optional.of(
        new ContainerInfo(
            r.getId(),
            name,
            r.getConfig().getImage(),
            r.getImageId(),
            r.getConfig().getLabels() == null ? Map.of() : r.getConfig().getLabels(),
            state,
            exit == null ? 0 : exit.intValue(),
            Boolean.TRUE.equals(s.getOOMKilled()),
            parseTime(s.getStartedAt()),
            state == ContainerInfo.State.EXITED ? parseTime(s.getFinishedAt()) : null,
            ip,
            s.getError()));
  }

  @Override
  public List<ContainerInfo> list(Map<String, String> labels) {
    List<Container> found =
        call(() -> docker.listContainersCmd().withShowAll(true).withLabelFilter(labels).exec());
    List<ContainerInfo> out = new ArrayList<>();
    for (Container c : found) {
      // List output is coarse; inspect gives exit codes and times. Vanished ones are skipped.
      inspect(c.getId()).ifPresent(out::add);
    }
    return out;
  }

  @Override
  public ExecResult exec(String id, List<String> command, Duration timeout) {
    String execId =
        call(
            () ->
                docker
                    .execCreateCmd(id)
                    .withCmd(command.toArray(String[]::new))
                    .withAttachStdout(true)
                    .withAttachStderr(true)
                    .exec()
                    .getId());
    StringBuilder output = new StringBuilder();
    ResultCallback.Adapter<Frame> callback =
        new ResultCallback.Adapter<>() {
          @Override
          public void onNext(Frame frame) {
            synchronized (output) {
              if (output.length() < MAX_EXEC_OUTPUT) {
                output.append(new String(frame.getPayload(), StandardCharsets.UTF_8));
              }
            }
          }
        };
    try {
      boolean done =
          call(() -> docker.execStartCmd(execId).exec(callback))
              .awaitCompletion(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (!done) {
        closeQuietly(callback);
        return new ExecResult(-1, "timed out after " + timeout);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new ExecResult(-1, "interrupted");
    }
    InspectExecResponse inspect = call(() -> docker.inspectExecCmd(execId).exec());
    Long code = inspect.getExitCodeLong();
    synchronized (output) {
      return new ExecResult(code == null ? -1 : code.intValue(), output.toString());
    }
  }

  @Override
  public ExecSession attach(String id, ExecOptions options, ExecListener listener) {
    String execId =
        call(
            () ->
                docker
                    .execCreateCmd(id)
                    .withCmd(options.command().toArray(String[]::new))
                    .withAttachStdin(options.stdin())
                    .withAttachStdout(true)
                    .withAttachStderr(true)
                    .withTty(options.tty())
                    .exec()
                    .getId());
    StdinPipe stdin = options.stdin() ? new StdinPipe() : null;
    ResultCallback.Adapter<Frame> callback =
        new ResultCallback.Adapter<>() {
          @Override
          public void onNext(Frame frame) {
            listener.output(frame.getPayload(), frame.getStreamType() == StreamType.STDERR);
          }

          @Override
          public void onError(Throwable throwable) {
            endStdin(stdin);
            listener.failed(throwable);
            super.onComplete();
          }

          @Override
          public void onComplete() {
            endStdin(stdin);
            // Before closing: the close interrupts this thread, which would cancel the inspect.
            reportExit(execId, listener);
            super.onComplete();
          }
        };
    var start = docker.execStartCmd(execId).withDetach(false).withTty(options.tty());
    if (stdin != null) {
      start.withStdIn(stdin);
    }
    call(() -> start.exec(callback));
    ExecSession session =
        new ExecSession() {
          @Override
          public void stdin(byte[] data) {
            if (stdin != null) {
              stdin.write(data);
            }
          }

          @Override
          public void closeStdin() {
            // Docker's attach cannot half-close; on a terminal end of file is the EOF character.
            if (stdin != null && options.tty()) {
              stdin.write(new byte[] {4});
            }
            endStdin(stdin);
          }

          @Override
          public void resize(int width, int height) {
            if (options.tty() && width > 0 && height > 0) {
              try {
                docker.resizeExecCmd(execId).withSize(height, width).exec();
              } catch (RuntimeException e) {
                // The command may have just exited; a lost resize harms nothing.
                log.debug("resizing exec {} failed: {}", execId, e.toString());
              }
            }
          }

          @Override
          public void close() {
            endStdin(stdin);
            closeQuietly(callback);
          }
        };
    session.resize(options.width(), options.height());
    return session;
  }

  @Override
  public Optional<ContainerStats> stats(String id) {
    AtomicReference<Statistics> sample = new AtomicReference<>();
    ResultCallback.Adapter<Statistics> callback =
        new ResultCallback.Adapter<>() {
          @Override
          public void onNext(Statistics statistics) {
            sample.compareAndSet(null, statistics);
          }
        };
    try {
      // Without streaming, Docker takes two samples about a second apart, so precpu is filled.
      call(() -> docker.statsCmd(id).withNoStream(true).exec(callback))
          .awaitCompletion(STATS_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (NotFoundException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    } finally {
      closeQuietly(callback);
    }
    Statistics s = sample.get();
    if (s == null || s.getMemoryStats() == null || s.getMemoryStats().getUsage() == null) {
      return Optional.empty(); // not running: Docker sends an empty sample
    }
    return Optional.of(new ContainerStats(millicores(s), workingSet(s.getMemoryStats())));
  }

  /** CPU over the sampling interval, as docker stats computes its percentage, in millicores. */
  private static long millicores(Statistics s) {
    CpuStatsConfig now = s.getCpuStats();
    CpuStatsConfig before = s.getPreCpuStats();
    if (now == null
        || before == null
        || now.getCpuUsage() == null
        || before.getCpuUsage() == null) {
      return 0;
    }
    long used =
        orZero(now.getCpuUsage().getTotalUsage()) - orZero(before.getCpuUsage().getTotalUsage());
    long system = orZero(now.getSystemCpuUsage()) - orZero(before.getSystemCpuUsage());
    long cpus = orZero(now.getOnlineCpus());
    if (used <= 0 || system <= 0 || cpus <= 0) {
      return 0;
    }
    return Math.round((double) used / system * cpus * 1000);
  }

  /** Usage less inactive file cache (cgroup v2 names it inactive_file, v1 total_inactive_file). */
  private static long workingSet(MemoryStatsConfig memory) {
    long usage = orZero(memory.getUsage());
    StatsConfig stats = memory.getStats();
    long inactive = 0;
    if (stats != null) {
      inactive =
          stats.getTotalInactiveFile() != null
              ? stats.getTotalInactiveFile()
              : orZero(stats.getInactiveFile());
    }
    return Math.max(0, usage - inactive);
  }

  private static long orZero(Long value) {
    return value == null ? 0 : value;
  }

  private static void endStdin(StdinPipe stdin) {
    if (stdin != null) {
      stdin.end();
    }
  }

  private void reportExit(String execId, ExecListener listener) {
    try {
      Long code = call(() -> docker.inspectExecCmd(execId).exec()).getExitCodeLong();
      listener.exited(code == null ? -1 : code.intValue());
    } catch (RuntimeException e) {
      listener.failed(e);
    }
  }

  @Override
  public Closeable logs(String id, LogOptions options, LogSink sink) {
    var cmd =
        docker
            .logContainerCmd(id)
            .withStdOut(true)
            .withStdErr(true)
            .withFollowStream(options.follow())
            .withTimestamps(options.timestamps());
    if (options.tailLines() >= 0) {
      cmd.withTail((int) Math.min(Integer.MAX_VALUE, options.tailLines()));
    }
    if (options.since() != null) {
      cmd.withSince((int) options.since().getEpochSecond());
    }
    ResultCallback.Adapter<Frame> callback =
        new ResultCallback.Adapter<>() {
          @Override
          public void onNext(Frame frame) {
            sink.chunk(frame.getPayload(), frame.getStreamType() == StreamType.STDERR);
          }

          @Override
          public void onError(Throwable throwable) {
            // The sink reports it; finish quietly instead of letting the library log it.
            sink.done(throwable);
            super.onComplete();
          }

          @Override
          public void onComplete() {
            sink.done(null);
            super.onComplete();
          }
        };
    try {
      cmd.exec(callback);
    } catch (RuntimeException e) {
      sink.done(e);
    }
    return callback;
  }

  @Override
  public void close() {
    try {
      docker.close();
    } catch (IOException e) {
      log.warn("closing the Docker client failed", e);
    }
  }

  private static Instant parseTime(String text) {
    if (text == null || text.isEmpty() || text.startsWith(GO_ZERO_TIME_PREFIX)) {
      return null;
    }
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  /** Runs a Docker call, turning connection failures into {@link RuntimeUnavailableException}. */
  private static <T> T call(Supplier<T> body) {
    try {
      return body.get();
    } catch (DockerException e) {
      throw e;
    } catch (RuntimeException e) {
      if (isConnectionFailure(e)) {
        throw new RuntimeUnavailableException("Docker unreachable: " + e.getMessage(), e);
      }
      throw e;
    }
  }

  private static void call(Runnable body) {
    call(
        () -> {
          body.run();
          return null;
        });
  }

  private static boolean isConnectionFailure(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof IOException) {
        return true;
      }
    }
    return false;
  }

  private static void closeQuietly(Closeable closeable) {
    try {
      closeable.close();
    } catch (IOException e) {
      log.debug("closing a Docker stream failed", e);
    }
  }

  /** An image reference split into what a pull takes: repository and tag (or digest). */
  record ImageRef(String repository, String tag) {
    static ImageRef parse(String image) {
      ImageReference ref;
      try {
        ref = ImageReference.parse(image);
      } catch (IllegalArgumentException e) {
        throw new ImagePullException(
            "invalid image reference \"" + image + "\": " + e.getMessage(), e);
      }
      // Docker's pull API takes a digest in the tag parameter.
      return new ImageRef(
          ref.name(), ref.digest().orElseGet(() -> ref.effectiveTag().orElse("latest")));
    }
  }
}
