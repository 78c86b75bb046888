package dev.drover.bench.scale;

import dev.drover.api.Conditions;
import dev.drover.api.v1.Condition;
import dev.drover.api.v1.ConditionStatus;
import dev.drover.api.v1.HeartbeatRequest;
import dev.drover.api.v1.HeartbeatResponse;
import dev.drover.api.v1.Node;
import dev.drover.api.v1.NodeServiceGrpc;
import dev.drover.api.v1.NodeStatus;
import dev.drover.api.v1.NodeStatusSummary;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodPhase;
import dev.drover.api.v1.PodStatus;
import dev.drover.api.v1.PodStatusUpdate;
import dev.drover.api.v1.RegisterNodeRequest;
import dev.drover.api.v1.RegisterNodeResponse;
import dev.drover.api.v1.UpdatePodStatusesRequest;
import dev.drover.api.v1.UpdatePodStatusesResponse;
import dev.drover.api.v1.WatchEvent;
import dev.drover.api.v1.WatchEventType;
import dev.drover.api.v1.WatchPodsRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Many simulated nodes in one process, each a lean node session over {@code NodeService} as the
 * agent's {@code NodeSession} speaks it: Register, a Heartbeat at the interval the master asks for
 * (at most the agent's shipped 5 s), a WatchPods stream of the pods bound to it, and for each new
 * pod an UpdatePodStatuses saying it runs (a simulated runtime that starts every container at
 * once). Ten nodes share a gRPC channel, each channel from its own loopback address ({@link
 * SourceAddress}: the master limits streams and calls per client, and real nodes are clients of
 * their own); their timers share a small scheduler, so the process's cost grows with the calls it
 * makes, not with the node count.
 */
final class SimNodes implements AutoCloseable {
  private static final long SHIPPED_HEARTBEAT_S = 5;

  /** Nodes per connection; each connection comes from its own address (a client of its own). */
  private static final int NODES_PER_CHANNEL = 10;

  private final String endpoint;
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final ScheduledExecutorService timers =
      Executors.newScheduledThreadPool(
          2,
          r -> {
            Thread t = new Thread(r, "sim-node-timer");
            t.setDaemon(true);
            return t;
          });
  private final Map<String, SimNode> nodes = new ConcurrentHashMap<>();

  /** Heartbeat answer latency, ns. */
  final Histogram heartbeatLatency = new ConcurrentHistogram(TimeUnit.SECONDS.toNanos(60), 2);

  final AtomicLong heartbeats = new AtomicLong();
  final AtomicLong heartbeatErrors = new AtomicLong();
  final AtomicLong podsSeen = new AtomicLong();
  final AtomicLong podsRunning = new AtomicLong();
  final AtomicLong lastPodSeenNanos = new AtomicLong();
  final AtomicLong statusErrors = new AtomicLong();
  final AtomicLong watchErrors = new AtomicLong();
  private final Set<String> failuresSeen = ConcurrentHashMap.newKeySet();

  SimNodes(String endpoint) {
    this.endpoint = endpoint;
    // Pending Running reports go out every 200 ms, one call per node that has some.
    timers.scheduleWithFixedDelay(this::flushStatuses, 200, 200, TimeUnit.MILLISECONDS);
  }

  int size() {
    return nodes.size();
  }

  /** Registers nodes {@code from..to-1} (blocking, a few at a time) and starts their sessions. */
  void add(int from, int to) throws InterruptedException {
    var pool = Executors.newFixedThreadPool(8);
    for (int i = from; i < to; i++) {
      String name = String.format("sim-%05d", i);
      while (channels.size() <= i / NODES_PER_CHANNEL) {
        // Addresses from 16 on: the harness's own clients use the first ones.
        channels.add(SourceAddress.channel(endpoint, SourceAddress.loopback(16 + channels.size())));
      }
      ManagedChannel ch = channels.get(i / NODES_PER_CHANNEL);
      pool.submit(
          () -> {
            SimNode n = new SimNode(name, ch);
            n.register();
            nodes.put(name, n);
            n.watch();
            return null;
          });
    }
    pool.shutdown();
    if (!pool.awaitTermination(30, TimeUnit.MINUTES)) {
      throw new IllegalStateException("registering nodes took over 30 minutes");
    }
  }

  private void flushStatuses() {
    for (SimNode n : nodes.values()) {
      n.flush();
    }
  }

  @Override
  public void close() {
    timers.shutdownNow();
    channels.forEach(ManagedChannel::shutdownNow);
  }

  /** One simulated node's session. */
  private final class SimNode {
    private final String name;
    private final ManagedChannel channel;
    private final Map<String, Pod> pending = new ConcurrentHashMap<>();

    SimNode(String name, ManagedChannel channel) {
      this.name = name;
      this.channel = channel;
    }

    private Condition ready() {
      return Condition.newBuilder()
          .setType(Conditions.READY)
          .setStatus(ConditionStatus.CONDITION_STATUS_TRUE)
          .setReason("AgentReady")
          .build();
    }

    private Map<String, String> capacity() {
      return Map.of("cpu", "8", "memory", Long.toString(32L << 30), "pods", "110");
    }

    void register() {
      RegisterNodeResponse r =
          NodeServiceGrpc.newBlockingStub(channel)
              .withDeadlineAfter(60, TimeUnit.SECONDS)
              .register(
                  RegisterNodeRequest.newBuilder()
                      .setNode(
                          Node.newBuilder()
                              .setMetadata(
                                  ObjectMeta.newBuilder()
                                      .setName(name)
                                      .putLabels("kubernetes.io/hostname", name))
                              .setStatus(
                                  NodeStatus.newBuilder()
                                      .putAllCapacity(capacity())
                                      .putAllAllocatable(capacity())
                                      .addConditions(ready())))
                      .build());
      long interval = SHIPPED_HEARTBEAT_S;
      if (r.getHeartbeatIntervalSeconds() > 0) {
        interval = Math.min(interval, r.getHeartbeatIntervalSeconds());
      }
      long periodMs = TimeUnit.SECONDS.toMillis(interval);
      // Spread the first beats over one period, as agents started at different times are.
      timers.scheduleAtFixedRate(
          this::beat,
          ThreadLocalRandom.current().nextLong(periodMs),
          periodMs,
          TimeUnit.MILLISECONDS);
    }

    private void beat() {
      long t0 = System.nanoTime();
      NodeServiceGrpc.newStub(channel)
          .withDeadlineAfter(5, TimeUnit.SECONDS)
          .heartbeat(
              HeartbeatRequest.newBuilder()
                  .setNodeName(name)
                  .addConditions(ready())
                  .setStatusSummary(NodeStatusSummary.newBuilder().putAllAllocatable(capacity()))
                  .build(),
              new StreamObserver<HeartbeatResponse>() {
                @Override
                public void onNext(HeartbeatResponse r) {
                  heartbeats.incrementAndGet();
                  heartbeatLatency.recordValue(Math.min(System.nanoTime() - t0, 59_000_000_000L));
                }

                @Override
                public void onError(Throwable t) {
                  heartbeatErrors.incrementAndGet();
                  failed("heartbeat", t);
                }

                @Override
                public void onCompleted() {}
              });
    }

    void watch() {
      NodeServiceGrpc.newStub(channel)
          .watchPods(
              WatchPodsRequest.newBuilder().setNodeName(name).setAllowBookmarks(true).build(),
              new StreamObserver<WatchEvent>() {
                @Override
                public void onNext(WatchEvent e) {
                  if (e.getType() != WatchEventType.WATCH_EVENT_TYPE_ADDED
                      || !e.getObject().hasPod()) {
                    return;
                  }
                  Pod p = e.getObject().getPod();
                  if (p.getStatus().getPhase() != PodPhase.POD_PHASE_RUNNING
                      && !p.getMetadata().hasDeletionTime()) {
                    podsSeen.incrementAndGet();
                    lastPodSeenNanos.set(System.nanoTime());
                    pending.put(p.getMetadata().getUid(), p);
                  }
                }

                @Override
                public void onError(Throwable t) {
                  // As the agent does: watch again (from a fresh list; Running pods are skipped).
                  // Not once the nodes are closed: closing their channels ends every watch.
                  if (timers.isShutdown()) {
                    return;
                  }
                  watchErrors.incrementAndGet();
                  failed("pod watch", t);
                  try {
                    timers.schedule(SimNode.this::watch, 1, TimeUnit.SECONDS);
                  } catch (RejectedExecutionException closing) {
                    // Closed meanwhile.
                  }
                }

                @Override
                public void onCompleted() {}
              });
    }

    void flush() {
      if (pending.isEmpty()) {
        return;
      }
      List<Pod> batch = new ArrayList<>(pending.values());
      batch.forEach(p -> pending.remove(p.getMetadata().getUid()));
      UpdatePodStatusesRequest.Builder req =
          UpdatePodStatusesRequest.newBuilder().setNodeName(name);
      com.google.protobuf.Timestamp now =
          com.google.protobuf.Timestamp.newBuilder()
              .setSeconds(System.currentTimeMillis() / 1000)
              .build();
      for (Pod p : batch) {
        req.addUpdates(
            PodStatusUpdate.newBuilder()
                .setNamespace(p.getMetadata().getNamespace())
                .setName(p.getMetadata().getName())
                .setUid(p.getMetadata().getUid())
                .setStatus(
                    PodStatus.newBuilder()
                        .setPhase(PodPhase.POD_PHASE_RUNNING)
                        .addConditions(ready().toBuilder().setReason(""))
                        .setStartTime(now)));
      }
      NodeServiceGrpc.newStub(channel)
          .withDeadlineAfter(30, TimeUnit.SECONDS)
          .updatePodStatuses(
              req.build(),
              new StreamObserver<UpdatePodStatusesResponse>() {
                @Override
                public void onNext(UpdatePodStatusesResponse r) {
                  podsRunning.addAndGet(batch.size());
                }

                @Override
                public void onError(Throwable t) {
                  // As the agent does: the statuses go again with the next flush.
                  statusErrors.incrementAndGet();
                  failed("status report", t);
                  batch.forEach(p -> pending.putIfAbsent(p.getMetadata().getUid(), p));
                }

                @Override
                public void onCompleted() {}
              });
    }
  }

  /**
   * Says once per kind of call and status code why such a call failed (the counts say how often).
   */
  private void failed(String call, Throwable t) {
    Status st = Status.fromThrowable(t);
    if (failuresSeen.add(call + " " + st.getCode())) {
      System.err.printf(Locale.ROOT, "simulated nodes: a %s failed: %s%n", call, st);
    }
  }
}
