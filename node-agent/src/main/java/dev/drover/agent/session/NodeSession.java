package dev.drover.agent.session;

import dev.drover.agent.runtime.HostFacts;
import dev.drover.agent.sync.MasterClient;
import dev.drover.agent.sync.PodSyncer;
import dev.drover.agent.sync.VolumeReclaimer;
import dev.drover.api.Conditions;
import dev.drover.api.v1.Condition;
import dev.drover.api.v1.ConditionStatus;
import dev.drover.api.v1.ConfirmPodTerminationRequest;
import dev.drover.api.v1.ConfirmVolumeReclaimedRequest;
import dev.drover.api.v1.DaemonEndpoint;
import dev.drover.api.v1.Event;
import dev.drover.api.v1.GetPodDependenciesRequest;
import dev.drover.api.v1.GetPodDependenciesResponse;
import dev.drover.api.v1.HeartbeatRequest;
import dev.drover.api.v1.HeartbeatResponse;
import dev.drover.api.v1.ListVolumesToReclaimRequest;
import dev.drover.api.v1.Node;
import dev.drover.api.v1.NodeAddress;
import dev.drover.api.v1.NodeAddressType;
import dev.drover.api.v1.NodeServiceGrpc;
import dev.drover.api.v1.NodeSpec;
import dev.drover.api.v1.NodeStatus;
import dev.drover.api.v1.NodeStatusSummary;
import dev.drover.api.v1.NodeSystemInfo;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.PersistentVolume;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodStatusUpdate;
import dev.drover.api.v1.PodStatusUpdateResult;
import dev.drover.api.v1.RecordEventsRequest;
import dev.drover.api.v1.RegisterNodeRequest;
import dev.drover.api.v1.RegisterNodeResponse;
import dev.drover.api.v1.Taint;
import dev.drover.api.v1.UpdatePodStatusesRequest;
import dev.drover.api.v1.WatchEvent;
import dev.drover.api.v1.WatchPodsRequest;
import dev.drover.client.Backoff;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's session with the masters over {@code NodeService}: registers the Node, renews its
 * lease by heartbeats, watches the pods bound to it (resuming from the last resource_version after
 * a break) and hands them to the {@link PodSyncer}. On any failure it moves to the next master of
 * its list and carries on; containers are never touched because a master went away. Also the {@link
 * MasterClient} the syncer uses for statuses, events, confirmations and dependencies.
 */
public final class NodeSession implements MasterClient, VolumeReclaimer.Masters, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(NodeSession.class);
  // After a whole round of masters failed: 250 ms more per failure, at most 5 s.
  private static final Duration RECONNECT_STEP = Duration.ofMillis(250);
  private static final Duration RECONNECT_MAX = Duration.ofSeconds(5);

  /** Settings of a session. */
  public record Settings(
      String nodeName,
      List<String> masterEndpoints,
      Map<String, String> labels,
      List<Taint> taints,
      int maxPods,
      String hostIp,
      Duration heartbeatInterval,
      Duration callTimeout,
      Duration orphanSweepDelay,
      String agentVersion) {}

  private final Settings settings;
  private final PodSyncer syncer;
  private final Function<String, ManagedChannel> channelFactory;
  private final HostFacts facts;
  private final int daemonPort;
  private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
  private final Object lock = new Object();
  private final Map<String, Pod> knownPods = new ConcurrentHashMap<>();
  private volatile int current;
  private volatile long lastResourceVersion;
  private volatile boolean closed;
  private volatile boolean watchBroken;
  private volatile boolean orphansSwept;
  private volatile boolean registered;
  private volatile boolean everRegistered;
  private volatile Duration heartbeatInterval;

  /** The node lease the master last announced; zero until a master said. */
  private volatile Duration leaseDuration = Duration.ZERO;

  private Context.CancellableContext watchContext;
  private Thread thread;

  public NodeSession(
      Settings settings,
      PodSyncer syncer,
      Function<String, ManagedChannel> channelFactory,
      HostFacts facts,
      int daemonPort) {
    if (settings.masterEndpoints().isEmpty()) {
      throw new IllegalArgumentException(
          "masterEndpoints: at least one master endpoint is required");
    }
    this.settings = settings;
    this.syncer = syncer;
    this.channelFactory = channelFactory;
    this.facts = facts;
    this.daemonPort = daemonPort;
    this.heartbeatInterval = settings.heartbeatInterval();
  }

  /** Starts the session thread. */
  public void start() {
    thread = new Thread(this::run, "drover-session-" + settings.nodeName());
    thread.setDaemon(true);
    thread.start();
  }

  /** True once a master accepted the registration (and until a failure). */
  public boolean registered() {
    return registered;
  }

  /** The endpoint the session currently talks to. */
  public String currentEndpoint() {
    return settings.masterEndpoints().get(current);
  }

  private void run() {
    Backoff reconnect = Backoff.linear(RECONNECT_STEP, RECONNECT_MAX);
    while (!closed) {
      String endpoint = currentEndpoint();
      try {
        long beat = System.nanoTime();
        if (everRegistered) {
          // A new master (or the same after a failure): renew the lease first, with the cheap
          // heartbeat, before the registration and the watch's start, which take longer on a
          // loaded master; the lease must not run out while the session moves.
          heartbeat();
        }
        register();
        reconnect = reconnect.reset();
        startWatch();
        long watchStarted = System.nanoTime();
        while (!closed) {
          // At a fixed rate: the time a heartbeat took is not added to the next interval, so a
          // slow master does not stretch the renewals towards the node's grace period.
          waitFor(heartbeatInterval.minusNanos(System.nanoTime() - beat));
          if (closed) {
            break;
          }
          beat = System.nanoTime();
          HeartbeatResponse hb = heartbeat();
          if (hb.getRegistrationRequired()) {
            register();
          }
          if (watchBroken) {
            startWatch();
            watchStarted = System.nanoTime();
          }
          if (!orphansSwept
              && Duration.ofNanos(System.nanoTime() - watchStarted)
                      .compareTo(settings.orphanSweepDelay())
                  >= 0) {
            sweepOrphans("no bookmark within " + settings.orphanSweepDelay());
          }
        }
      } catch (StatusRuntimeException e) {
        registered = false;
        reconnect = reconnect.failed(Instant.now(), Duration.ZERO);
        log.info("master {} failed ({}); trying the next one", endpoint, e.getStatus());
        cancelWatch();
        current = (current + 1) % settings.masterEndpoints().size();
        if (reconnect.failures() >= settings.masterEndpoints().size()) {
          // Went round the whole list: pause before the next round.
          waitFor(reconnect.lastDelay());
        }
      } catch (RuntimeException e) {
        log.warn("session error; retrying", e);
        cancelWatch();
        waitFor(Duration.ofSeconds(1));
      }
    }
    cancelWatch();
  }

  private void waitFor(Duration d) {
    synchronized (lock) {
      if (closed || watchBroken) {
        return;
      }
      try {
        lock.wait(Math.max(1, d.toMillis()));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        closed = true;
      }
    }
  }

  private NodeServiceGrpc.NodeServiceBlockingStub blocking() {
    return blocking(settings.callTimeout());
  }

  private NodeServiceGrpc.NodeServiceBlockingStub blocking(Duration deadline) {
    return NodeServiceGrpc.newBlockingStub(channel(currentEndpoint()))
        .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The session's channel to a master endpoint; other agent parts share it (service proxy). */
  public ManagedChannel channel(String endpoint) {
    return channels.computeIfAbsent(endpoint, channelFactory);
  }

  private void register() {
    RegisterNodeResponse r =
        blocking().register(RegisterNodeRequest.newBuilder().setNode(node()).build());
    boolean again = everRegistered;
    registered = true;
    everRegistered = true;
    if (again) {
      syncer.reportAllStatuses();
    }
    if (r.getLeaseDurationSeconds() > 0) {
      leaseDuration = Duration.ofSeconds(r.getLeaseDurationSeconds());
    }
    if (r.getHeartbeatIntervalSeconds() > 0) {
      Duration fromMaster = Duration.ofSeconds(r.getHeartbeatIntervalSeconds());
      heartbeatInterval =
          fromMaster.compareTo(settings.heartbeatInterval()) < 0
              ? fromMaster
              : settings.heartbeatInterval();
    }
    log.info("registered node {} with {}", settings.nodeName(), currentEndpoint());
  }

  private HeartbeatResponse heartbeat() {
    HeartbeatRequest.Builder req =
        HeartbeatRequest.newBuilder()
            .setNodeName(settings.nodeName())
            .addConditions(readyCondition())
            // The master replaces the node's allocatable with the summary's: always send it, or
            // a heartbeat would leave the node with nothing to schedule on.
            .setStatusSummary(
                NodeStatusSummary.newBuilder()
                    .putAllAllocatable(capacity())
                    .setRunningPods(syncer.runningPods()));
    return blocking(heartbeatDeadline()).heartbeat(req.build());
  }

  /**
   * How long a heartbeat may take before the session gives up on its master and moves to the next.
   * A master that hangs (partitioned, not crashed: no connection reset) must be left in time for
   * another to renew the lease: a heartbeat starts one interval after the last renewal, so half of
   * what is then left of the lease goes to waiting and half to registering with the next master.
   * Never more than the general call timeout, never under half a second.
   */
  Duration heartbeatDeadline() {
    Duration lease = leaseDuration;
    if (lease.isZero()) {
      return settings.callTimeout();
    }
    Duration half = lease.minus(heartbeatInterval).dividedBy(2);
    if (half.compareTo(Duration.ofMillis(500)) < 0) {
      half = Duration.ofMillis(500);
    }
    return half.compareTo(settings.callTimeout()) < 0 ? half : settings.callTimeout();
  }

  private Condition readyCondition() {
    boolean ready = !syncer.runtimeDown();
    return Condition.newBuilder()
        .setType(Conditions.READY)
        .setStatus(
            ready ? ConditionStatus.CONDITION_STATUS_TRUE : ConditionStatus.CONDITION_STATUS_FALSE)
        .setReason(ready ? "AgentReady" : "RuntimeUnavailable")
        .build();
  }

  /** What the node offers: CPUs and memory of the host, and the configured pod limit. */
  private Map<String, String> capacity() {
    Map<String, String> capacity = new HashMap<>();
    capacity.put("cpu", Integer.toString(facts.cpus()));
    capacity.put("memory", Long.toString(facts.memoryBytes()));
    capacity.put("pods", Integer.toString(settings.maxPods()));
    return capacity;
  }

  /** The Node this agent registers. */
  Node node() {
    Map<String, String> labels = new HashMap<>(settings.labels());
    labels.putIfAbsent("kubernetes.io/hostname", settings.nodeName());
    labels.putIfAbsent("kubernetes.io/os", facts.os());
    labels.putIfAbsent("kubernetes.io/arch", facts.architecture());
    Map<String, String> capacity = capacity();
    return Node.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setName(settings.nodeName()).putAllLabels(labels))
        .setSpec(NodeSpec.newBuilder().addAllTaints(settings.taints()))
        .setStatus(
            NodeStatus.newBuilder()
                .putAllCapacity(capacity)
                .putAllAllocatable(capacity)
                .addConditions(readyCondition())
                .addAddresses(
                    NodeAddress.newBuilder()
                        .setType(NodeAddressType.NODE_ADDRESS_TYPE_INTERNAL_IP)
                        .setAddress(settings.hostIp()))
                .addAddresses(
                    NodeAddress.newBuilder()
                        .setType(NodeAddressType.NODE_ADDRESS_TYPE_HOSTNAME)
                        .setAddress(settings.nodeName()))
                .setNodeInfo(
                    NodeSystemInfo.newBuilder()
                        .setOs(facts.os())
                        .setArchitecture(facts.architecture())
                        .setKernelVersion(facts.kernelVersion())
                        .setContainerRuntimeVersion(facts.runtimeVersion())
                        .setOsImage(facts.osImage())
                        .setAgentVersion(settings.agentVersion()))
                .setDaemonEndpoint(
                    DaemonEndpoint.newBuilder().setAddress(settings.hostIp()).setPort(daemonPort)))
        .build();
  }

  private void startWatch() {
    cancelWatch();
    watchBroken = false;
    long from = lastResourceVersion;
    Context.CancellableContext ctx = Context.current().withCancellation();
    synchronized (lock) {
      watchContext = ctx;
    }
    WatchPodsRequest req =
        WatchPodsRequest.newBuilder()
            .setNodeName(settings.nodeName())
            .setResourceVersion(from)
            .setAllowBookmarks(true)
            .build();
    ManagedChannel ch = channel(currentEndpoint());
    ctx.run(() -> NodeServiceGrpc.newStub(ch).watchPods(req, new Watcher(ctx, from == 0)));
  }

  private void cancelWatch() {
    Context.CancellableContext ctx;
    synchronized (lock) {
      ctx = watchContext;
      watchContext = null;
    }
    if (ctx != null) {
      ctx.cancel(null);
    }
  }

  private void watchFailed(Context.CancellableContext ctx, String why) {
    synchronized (lock) {
      if (watchContext != ctx) {
        return;
      }
      log.info("pod watch ended ({}); resuming from {}", why, lastResourceVersion);
      watchBroken = true;
      lock.notifyAll();
    }
  }

  private void sweepOrphans(String why) {
    orphansSwept = true;
    int removed = syncer.removeOrphans(Set.copyOf(knownPods.keySet()));
    log.info("initial pod list complete ({}); removed {} orphaned containers", why, removed);
  }

  /** Receives one WatchPods stream. */
  private final class Watcher implements StreamObserver<WatchEvent> {
    private final Context.CancellableContext ctx;
    private boolean initial;

    Watcher(Context.CancellableContext ctx, boolean initial) {
      this.ctx = ctx;
      this.initial = initial;
    }

    @Override
    public void onNext(WatchEvent event) {
      if (ctx.isCancelled()) {
        return;
      }
      switch (event.getType()) {
        case WATCH_EVENT_TYPE_ADDED, WATCH_EVENT_TYPE_MODIFIED -> {
          Pod pod = event.getObject().getPod();
          knownPods.put(pod.getMetadata().getUid(), pod);
          syncer.podUpdated(pod);
        }
        case WATCH_EVENT_TYPE_DELETED -> {
          Pod pod = event.getObject().getPod();
          knownPods.remove(pod.getMetadata().getUid());
          syncer.podDeleted(pod);
        }
        case WATCH_EVENT_TYPE_BOOKMARK -> {
          if (initial) {
            initial = false;
            if (!orphansSwept) {
              sweepOrphans("bookmark");
            }
          }
        }
        case WATCH_EVENT_TYPE_ERROR -> {
          if ("Expired".equals(event.getError().getReason())) {
            // History is gone: start over with the full list; pods missing from it are
            // orphans once it is complete.
            lastResourceVersion = 0;
            orphansSwept = false;
            knownPods.clear();
          }
          watchFailed(
              ctx, "error " + event.getError().getReason() + ": " + event.getError().getMessage());
          return;
        }
        default -> {
          return;
        }
      }
      if (event.getResourceVersion() > lastResourceVersion) {
        lastResourceVersion = event.getResourceVersion();
      }
    }

    @Override
    public void onError(Throwable t) {
      watchFailed(ctx, t.toString());
    }

    @Override
    public void onCompleted() {
      watchFailed(ctx, "completed by the master");
    }
  }

  // MasterClient ----------------------------------------------------------------------------

  @Override
  public List<PodStatusUpdateResult> updatePodStatuses(List<PodStatusUpdate> updates) {
    return blocking()
        .updatePodStatuses(
            UpdatePodStatusesRequest.newBuilder()
                .setNodeName(settings.nodeName())
                .addAllUpdates(updates)
                .build())
        .getResultsList();
  }

  @Override
  public void recordEvents(List<Event> events) {
    blocking().recordEvents(RecordEventsRequest.newBuilder().addAllEvents(events).build());
  }

  @Override
  public boolean confirmPodTermination(String namespace, String name, String uid) {
    return blocking()
        .confirmPodTermination(
            ConfirmPodTerminationRequest.newBuilder()
                .setNamespace(namespace)
                .setName(name)
                .setUid(uid)
                .setNodeName(settings.nodeName())
                .build())
        .getRemoved();
  }

  @Override
  public GetPodDependenciesResponse podDependencies(
      String namespace, Collection<String> secretNames, Collection<String> configMapNames) {
    return podDependencies(namespace, secretNames, configMapNames, List.of());
  }

  @Override
  public GetPodDependenciesResponse podDependencies(
      String namespace,
      Collection<String> secretNames,
      Collection<String> configMapNames,
      Collection<String> claimNames) {
    return blocking()
        .getPodDependencies(
            GetPodDependenciesRequest.newBuilder()
                .setNamespace(namespace)
                .addAllSecretNames(new ArrayList<>(secretNames))
                .addAllConfigMapNames(new ArrayList<>(configMapNames))
                .addAllPersistentVolumeClaimNames(new ArrayList<>(claimNames))
                .setNodeName(settings.nodeName())
                .build());
  }

  @Override
  public List<PersistentVolume> volumesToReclaim() {
    return blocking()
        .listVolumesToReclaim(
            ListVolumesToReclaimRequest.newBuilder().setNodeName(settings.nodeName()).build())
        .getVolumesList();
  }

  @Override
  public boolean confirmVolumeReclaimed(String name, String uid) {
    return blocking()
        .confirmVolumeReclaimed(
            ConfirmVolumeReclaimedRequest.newBuilder()
                .setNodeName(settings.nodeName())
                .setName(name)
                .setUid(uid)
                .build())
        .getRemoved();
  }

  /** Stops the session thread and closes the channels; containers are left alone. */
  @Override
  public void close() {
    synchronized (lock) {
      closed = true;
      lock.notifyAll();
    }
    if (thread != null) {
      try {
        thread.join(TimeUnit.SECONDS.toMillis(30));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    cancelWatch();
    for (ManagedChannel ch : channels.values()) {
      ch.shutdownNow();
    }
    for (ManagedChannel ch : channels.values()) {
      try {
        ch.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
