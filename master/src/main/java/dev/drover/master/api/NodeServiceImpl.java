package dev.drover.master.api;

import com.google.protobuf.Timestamp;
import com.google.protobuf.util.Timestamps;
import dev.drover.api.ApiObjects;
import dev.drover.api.v1.Condition;
import dev.drover.api.v1.ConfirmPodTerminationRequest;
import dev.drover.api.v1.ConfirmPodTerminationResponse;
import dev.drover.api.v1.ConfirmVolumeReclaimedRequest;
import dev.drover.api.v1.ConfirmVolumeReclaimedResponse;
import dev.drover.api.v1.Event;
import dev.drover.api.v1.GetPodDependenciesRequest;
import dev.drover.api.v1.GetPodDependenciesResponse;
import dev.drover.api.v1.HeartbeatRequest;
import dev.drover.api.v1.HeartbeatResponse;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.LeaseSpec;
import dev.drover.api.v1.ListVolumesToReclaimRequest;
import dev.drover.api.v1.ListVolumesToReclaimResponse;
import dev.drover.api.v1.Node;
import dev.drover.api.v1.NodeServiceGrpc;
import dev.drover.api.v1.NodeStatus;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodStatus;
import dev.drover.api.v1.PodStatusUpdate;
import dev.drover.api.v1.PodStatusUpdateOutcome;
import dev.drover.api.v1.PodStatusUpdateResult;
import dev.drover.api.v1.RecordEventsRequest;
import dev.drover.api.v1.RecordEventsResponse;
import dev.drover.api.v1.RegisterNodeRequest;
import dev.drover.api.v1.RegisterNodeResponse;
import dev.drover.api.v1.UpdatePodStatusesRequest;
import dev.drover.api.v1.UpdatePodStatusesResponse;
import dev.drover.api.v1.WatchEvent;
import dev.drover.api.v1.WatchPodsRequest;
import dev.drover.master.auth.AuthContext;
import dev.drover.master.auth.NodeAuthorizer;
import dev.drover.master.auth.Principal;
import dev.drover.master.cache.WatchCache;
import dev.drover.master.cache.WatchFrame;
import dev.drover.master.events.EventSeries;
import dev.drover.master.registry.AlreadyExistsException;
import dev.drover.master.registry.ConflictException;
import dev.drover.master.registry.InvalidObjectException;
import dev.drover.master.registry.NotFoundException;
import dev.drover.master.registry.Registry;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The NodeService: the session of node agents with the masters. Registers nodes, renews their
 * heartbeat Lease objects (namespace {@value #NODE_LEASE_NAMESPACE}), streams the pods bound to a
 * node, writes batched pod statuses and removes pods whose containers the agent confirmed gone;
 * hands out the deleted provisioned volumes a node is to remove from its disk ({@link
 * NodeVolumes}).
 *
 * <p>A caller that is a node ({@link Principal#nodeName()}) speaks only for itself: its node name
 * comes from its principal, a request naming another node is refused, and re-registering keeps the
 * taints an admin set (see {@link NodeAuthorizer}, which refuses the rest before a call gets here).
 * Other callers (an insecure master's) are trusted with the node name they send. No caller moves a
 * pod's phase back from Succeeded or Failed.
 */
public final class NodeServiceImpl extends NodeServiceGrpc.NodeServiceImplBase
    implements AutoCloseable {
  /** Namespace of the nodes' heartbeat leases (Kubernetes' kube-node-lease). */
  public static final String NODE_LEASE_NAMESPACE = "drover-node-lease";

  private static final Logger LOG = LoggerFactory.getLogger(NodeServiceImpl.class);
  private static final int HEARTBEAT_THREADS = 4;

  private final Registry store;
  private final WatchCache cache;
  private final EventSeries events;
  private final StreamRegistry streams;
  private final Clock clock;
  private final Duration leaseDuration;
  private final Duration heartbeatInterval;
  private final NodeVolumes volumes;
  private final ExecutorService releases = Executors.newSingleThreadExecutor(daemon("node-lease"));
  private final ExecutorService beats =
      Executors.newFixedThreadPool(HEARTBEAT_THREADS, daemon("node-heartbeat"));
  private final LeaseRenewals renewals;

  /** A service with the given lease timings. */
  public NodeServiceImpl(
      Registry store,
      WatchCache cache,
      EventSeries events,
      StreamRegistry streams,
      Clock clock,
      Duration leaseDuration,
      Duration heartbeatInterval) {
    this.store = store;
    this.cache = cache;
    this.events = events;
    this.streams = streams;
    this.clock = clock;
    this.leaseDuration = leaseDuration;
    this.heartbeatInterval = heartbeatInterval;
    this.volumes = new NodeVolumes(store, cache);
    this.renewals = new LeaseRenewals(store, clock, leaseDuration);
  }

  /**
   * Serves node heartbeats on threads of their own and every other call on the server's default
   * executor: a lease renewal never waits in a queue behind bulk calls (lists, writes, watches'
   * starts) for a thread of the shared pool, so a loaded master does not starve the renewals that
   * keep live nodes from being marked unreachable (as Kubernetes keeps node leases apart).
   */
  public ServerCallExecutorSupplier callExecutor() {
    String heartbeat = NodeServiceGrpc.getHeartbeatMethod().getFullMethodName();
    return new ServerCallExecutorSupplier() {
      @Override
      public <Q, R> Executor getExecutor(ServerCall<Q, R> call, Metadata headers) {
        // null: the server's default executor.
        return heartbeat.equals(call.getMethodDescriptor().getFullMethodName()) ? beats : null;
      }
    };
  }

  /**
   * Stops the heartbeat, lease-renewal and lease-release threads (once the server no longer
   * serves).
   */
  @Override
  public void close() {
    renewals.close();
    beats.shutdownNow();
    releases.shutdownNow();
  }

  private static ThreadFactory daemon(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  private Timestamp now() {
    return Timestamps.fromMillis(clock.millis());
  }

  /**
   * The node a call speaks for: the caller's own when it is a node (a different {@code requested}
   * name is refused), else {@code requested}.
   */
  private static String nodeOf(String requested) {
    Principal p = AuthContext.current();
    String own = p == null ? null : p.nodeName();
    if (own == null) {
      return requested;
    }
    if (!requested.isEmpty() && !requested.equals(own)) {
      throw Status.PERMISSION_DENIED
          .withDescription(p.name() + " may not speak for node " + requested)
          .asRuntimeException();
    }
    return own;
  }

  /** {@link #nodeOf}, refusing a call that names no node (and is not made by one). */
  private static String requiredNodeOf(String requested) {
    String node = nodeOf(requested);
    if (node.isEmpty()) {
      throw ApiErrors.invalid("nodeName", "is required");
    }
    return node;
  }

  private static boolean callerIsNode() {
    Principal p = AuthContext.current();
    return p != null && p.nodeName() != null;
  }

  @Override
  public void register(RegisterNodeRequest request, StreamObserver<RegisterNodeResponse> out) {
    Calls.unary(
        out,
        () -> {
          String name = nodeOf(request.getNode().getMetadata().getName());
          Node in = request.getNode();
          in = in.toBuilder().setMetadata(in.getMetadata().toBuilder().setName(name)).build();
          if (name.isEmpty()) {
            throw ApiErrors.invalid("node.metadata.name", "is required");
          }
          Object stored;
          Optional<Object> existing = store.get(Kind.KIND_NODE, "", name);
          if (existing.isEmpty()) {
            try {
              stored =
                  store.create(
                      Object.newBuilder()
                          .setNode(
                              in.toBuilder()
                                  .setMetadata(in.getMetadata().toBuilder().clearNamespace()))
                          .build(),
                      false);
            } catch (AlreadyExistsException e) {
              stored = reRegister(in);
            }
          } else {
            stored = reRegister(in);
          }
          long leaseRevision = renewals.renewNow(name);
          // Read-your-writes for the agent: the lease is written after the node, so wait for it.
          cache.waitForRevision(
              Math.max(ApiObjects.meta(stored).getResourceVersion(), leaseRevision),
              Duration.ofSeconds(5));
          return RegisterNodeResponse.newBuilder()
              .setNode(stored.getNode())
              .setLeaseDurationSeconds(leaseDuration.toSeconds())
              .setHeartbeatIntervalSeconds(Math.max(1, heartbeatInterval.toSeconds()))
              .build();
        });
  }

  /**
   * Updates an existing node from the agent: labels and taints merge, status is replaced;
   * unschedulable stays.
   */
  private Object reRegister(Node in) {
    String name = in.getMetadata().getName();
    // NodeRestriction: a node's taints are set at creation and afterwards by admins only.
    boolean keepTaints = callerIsNode();
    Object written =
        store.mutate(
            Kind.KIND_NODE,
            "",
            name,
            0,
            cur -> {
              Node.Builder n = cur.getNode().toBuilder();
              n.getMetadataBuilder().putAllLabels(in.getMetadata().getLabelsMap());
              if (!keepTaints) {
                n.getSpecBuilder().clearTaints().addAllTaints(in.getSpec().getTaintsList());
              }
              return cur.toBuilder().setNode(n).build();
            });
    Object current = written;
    for (int attempt = 0; ; attempt++) {
      Object next =
          current.toBuilder()
              .setNode(current.getNode().toBuilder().setStatus(in.getStatus()))
              .build();
      try {
        return store.updateStatus(next);
      } catch (ConflictException e) {
        if (attempt > 20) {
          throw e;
        }
        current = store.require(Kind.KIND_NODE, "", name);
      }
    }
  }

  /**
   * Releases {@code node}'s lease on its behalf because the connection of its session ended at
   * {@code at} (see {@link NodeSessions}): as a Kubernetes lease holder that lets go, the holder
   * becomes empty and the lease runs out one heartbeat interval after {@code at}, so the node
   * lifecycle controller finds a dead agent after that interval instead of the whole grace period.
   * A live agent re-beats at once when its watch breaks, and its renewal takes the lease back. A
   * renewal newer than {@code at} (the agent is already back) wins: nothing is written. Runs on its
   * own thread; the caller (a transport thread) does not wait.
   */
  public void releaseLease(String node, Instant at) {
    releases.execute(
        () -> {
          try {
            Object after =
                store.mutate(
                    Kind.KIND_LEASE,
                    NODE_LEASE_NAMESPACE,
                    node,
                    0,
                    cur -> {
                      LeaseSpec spec = cur.getLease().getSpec();
                      boolean renewedSince =
                          spec.hasRenewTime()
                              && Timestamps.toMillis(spec.getRenewTime()) > at.toEpochMilli();
                      if (!node.equals(spec.getHolderIdentity()) || renewedSince) {
                        return cur;
                      }
                      return cur.toBuilder()
                          .setLease(
                              cur.getLease().toBuilder()
                                  .setSpec(
                                      spec.toBuilder()
                                          .setHolderIdentity("")
                                          .setLeaseDurationSeconds(releasedLeaseSeconds())
                                          .setRenewTime(Timestamps.fromMillis(at.toEpochMilli()))))
                          .build();
                    });
            if (after.getLease().getSpec().getHolderIdentity().isEmpty()) {
              LOG.info(
                  "node {}: its session's connection ended at {}; lease released (expires in {} s"
                      + " unless renewed)",
                  node,
                  at,
                  releasedLeaseSeconds());
            }
          } catch (NotFoundException e) {
            // No lease (never registered, or deleted with its node): nothing to release.
          } catch (RuntimeException e) {
            LOG.warn("releasing the lease of node {} failed; its grace period applies", node, e);
          }
        });
  }

  private int releasedLeaseSeconds() {
    return (int) Math.max(1, heartbeatInterval.toSeconds());
  }

  /**
   * Renews the node's lease and records what it reports. The renewal waits in {@link LeaseRenewals}
   * for the store Txn it shares with other nodes' renewals; no thread waits for it or for the read
   * of the node.
   */
  @Override
  public void heartbeat(HeartbeatRequest request, StreamObserver<HeartbeatResponse> out) {
    Calls.unaryAsync(
        out,
        () -> {
          String name = nodeOf(request.getNodeName());
          if (name.isEmpty()) {
            throw ApiErrors.invalid("node_name", "is required");
          }
          return store
              .getAsync(Kind.KIND_NODE, "", name)
              .thenCompose(
                  node -> {
                    if (node.isEmpty()) {
                      return CompletableFuture.completedFuture(
                          HeartbeatResponse.newBuilder().setRegistrationRequired(true).build());
                    }
                    return renewals
                        .renew(name)
                        .thenApplyAsync(
                            revision -> {
                              updateNodeStatus(node.get(), request);
                              return HeartbeatResponse.newBuilder().setRenewTime(now()).build();
                            },
                            beats);
                  });
        });
  }

  /**
   * Writes reported conditions and the status summary, only when they changed (heartbeats stay
   * cheap).
   */
  private void updateNodeStatus(Object node, HeartbeatRequest request) {
    Object current = node;
    for (int attempt = 0; attempt < 20; attempt++) {
      NodeStatus old = current.getNode().getStatus();
      NodeStatus.Builder st = old.toBuilder();
      Timestamp now = now();
      if (request.getConditionsCount() > 0) {
        st.clearConditions();
        for (Condition c : request.getConditionsList()) {
          Condition prev =
              old.getConditionsList().stream()
                  .filter(o -> o.getType().equals(c.getType()))
                  .findFirst()
                  .orElse(null);
          Condition.Builder b = c.toBuilder().setLastHeartbeatTime(now);
          if (prev != null && prev.getStatus() == c.getStatus()) {
            b.setLastTransitionTime(prev.getLastTransitionTime());
          } else if (!c.hasLastTransitionTime()) {
            b.setLastTransitionTime(now);
          }
          st.addConditions(b);
        }
      }
      if (request.hasStatusSummary()) {
        st.clearAllocatable().putAllAllocatable(request.getStatusSummary().getAllocatableMap());
        if (request.getStatusSummary().getImagesCount() > 0) {
          st.clearImages().addAllImages(request.getStatusSummary().getImagesList());
        }
      }
      if (!changedIgnoringHeartbeats(old, st.build())) {
        return;
      }
      try {
        store.updateStatus(
            current.toBuilder().setNode(current.getNode().toBuilder().setStatus(st)).build());
        return;
      } catch (ConflictException e) {
        current = store.require(Kind.KIND_NODE, "", current.getNode().getMetadata().getName());
      }
    }
  }

  private static boolean changedIgnoringHeartbeats(NodeStatus a, NodeStatus b) {
    return !strip(a).equals(strip(b));
  }

  private static NodeStatus strip(NodeStatus s) {
    NodeStatus.Builder b = s.toBuilder();
    for (int i = 0; i < b.getConditionsCount(); i++) {
      b.setConditions(i, b.getConditions(i).toBuilder().clearLastHeartbeatTime());
    }
    return b.build();
  }

  /**
   * The service as the master serves it: {@link #bindService()} with WatchPods answered from
   * pre-encoded frames shared by every stream (see {@link WatchFrames}).
   */
  public ServerServiceDefinition framedService() {
    return WatchFrames.rebind(
        super.bindService(),
        NodeServiceGrpc.getWatchPodsMethod(),
        WatchFrames.MARSHALLER,
        (request, out) -> watchPods(request, out, Calls::eachFrame));
  }

  @Override
  public void watchPods(WatchPodsRequest request, StreamObserver<WatchEvent> out) {
    watchPods(request, out, Calls::eachEvent);
  }

  private <T> void watchPods(
      WatchPodsRequest request,
      StreamObserver<T> out,
      Function<List<WatchFrame>, List<T>> messages) {
    String node;
    try {
      node = requiredNodeOf(request.getNodeName());
    } catch (RuntimeException e) {
      out.onError(e);
      return;
    }
    if (request.getResourceVersion() < 0) {
      out.onError(ApiErrors.invalid("resource_version", "must not be negative"));
      return;
    }
    NodeSessions.watchStarted(node);
    Calls.watch(
        cache,
        streams,
        new WatchCache.WatchSpec(
            Kind.KIND_POD,
            "",
            o -> node.equals(o.getPod().getSpec().getNodeName()),
            request.getResourceVersion(),
            request.getAllowBookmarks(),
            request.getResourceVersion() == 0,
            node),
        out,
        messages);
  }

  @Override
  public void updatePodStatuses(
      UpdatePodStatusesRequest request, StreamObserver<UpdatePodStatusesResponse> out) {
    Calls.unary(
        out,
        () -> {
          String node = requiredNodeOf(request.getNodeName());
          UpdatePodStatusesResponse.Builder resp = UpdatePodStatusesResponse.newBuilder();
          long max = 0;
          for (PodStatusUpdate u : request.getUpdatesList()) {
            PodStatusUpdateResult r = updateOne(node, u);
            max = Math.max(max, r.getResourceVersion());
            resp.addResults(r);
          }
          cache.waitForRevision(max, Duration.ofSeconds(5));
          return resp.build();
        });
  }

  private PodStatusUpdateResult updateOne(String nodeName, PodStatusUpdate u) {
    PodStatusUpdateResult.Builder r =
        PodStatusUpdateResult.newBuilder().setNamespace(u.getNamespace()).setName(u.getName());
    String ns = Registry.namespaceOf(Kind.KIND_POD, u.getNamespace());
    for (int attempt = 0; attempt < 20; attempt++) {
      Optional<Object> found = store.get(Kind.KIND_POD, ns, u.getName());
      if (found.isEmpty() || !found.get().getPod().getMetadata().getUid().equals(u.getUid())) {
        return r.setOutcome(PodStatusUpdateOutcome.POD_STATUS_UPDATE_OUTCOME_NOT_FOUND)
            .setMessage(found.isEmpty() ? "pod does not exist" : "pod has another uid (replaced)")
            .build();
      }
      Pod pod = found.get().getPod();
      if (!nodeName.equals(pod.getSpec().getNodeName())) {
        return r.setOutcome(PodStatusUpdateOutcome.POD_STATUS_UPDATE_OUTCOME_REJECTED)
            .setMessage("pod is bound to '" + pod.getSpec().getNodeName() + "', not " + nodeName)
            .build();
      }
      if (NodeAuthorizer.phaseGoesBack(pod.getStatus().getPhase(), u.getStatus().getPhase())) {
        return r.setOutcome(PodStatusUpdateOutcome.POD_STATUS_UPDATE_OUTCOME_REJECTED)
            .setMessage(
                "the pod has ended ("
                    + pod.getStatus().getPhase()
                    + "); its phase cannot become "
                    + u.getStatus().getPhase())
            .build();
      }
      PodStatus.Builder st = u.getStatus().toBuilder();
      // The scheduler owns PodScheduled and nominated_node_name: keep the stored ones.
      st.clearConditions();
      for (Condition c : u.getStatus().getConditionsList()) {
        if (!c.getType().equals("PodScheduled")) {
          st.addConditions(c);
        }
      }
      for (Condition c : pod.getStatus().getConditionsList()) {
        if (c.getType().equals("PodScheduled")) {
          st.addConditions(c);
        }
      }
      st.setNominatedNodeName(pod.getStatus().getNominatedNodeName());
      try {
        Object written =
            store.updateStatus(
                found.get().toBuilder().setPod(pod.toBuilder().setStatus(st)).build());
        return r.setOutcome(PodStatusUpdateOutcome.POD_STATUS_UPDATE_OUTCOME_UPDATED)
            .setResourceVersion(ApiObjects.meta(written).getResourceVersion())
            .build();
      } catch (ConflictException e) {
        continue;
      } catch (NotFoundException e) {
        return r.setOutcome(PodStatusUpdateOutcome.POD_STATUS_UPDATE_OUTCOME_NOT_FOUND)
            .setMessage("pod does not exist")
            .build();
      } catch (InvalidObjectException e) {
        return r.setOutcome(PodStatusUpdateOutcome.POD_STATUS_UPDATE_OUTCOME_REJECTED)
            .setMessage(e.getMessage())
            .build();
      }
    }
    return r.setOutcome(PodStatusUpdateOutcome.POD_STATUS_UPDATE_OUTCOME_REJECTED)
        .setMessage("the pod kept changing; report again")
        .build();
  }

  @Override
  public void confirmPodTermination(
      ConfirmPodTerminationRequest request, StreamObserver<ConfirmPodTerminationResponse> out) {
    Calls.unary(
        out,
        () -> {
          if (request.getName().isEmpty()) {
            throw ApiErrors.invalid("name", "is required");
          }
          if (request.getUid().isEmpty()) {
            throw ApiErrors.invalid(
                "uid", "is required so that a new pod of the same name is never removed");
          }
          boolean removed =
              store
                  .pods()
                  .confirmTermination(
                      Registry.namespaceOf(Kind.KIND_POD, request.getNamespace()),
                      request.getName(),
                      request.getUid(),
                      nodeOf(request.getNodeName()));
          cache.waitForRevision(store.kv().currentRevision(), Duration.ofSeconds(5));
          return ConfirmPodTerminationResponse.newBuilder().setRemoved(removed).build();
        });
  }

  @Override
  public void getPodDependencies(
      GetPodDependenciesRequest request, StreamObserver<GetPodDependenciesResponse> out) {
    Calls.unary(
        out,
        () -> {
          String ns = Registry.namespaceOf(Kind.KIND_SECRET, request.getNamespace());
          GetPodDependenciesResponse.Builder b = GetPodDependenciesResponse.newBuilder();
          for (String s : request.getSecretNamesList()) {
            cache
                .get(Kind.KIND_SECRET, ns, s)
                .ifPresentOrElse(
                    o -> b.addSecrets(o.getSecret()), () -> b.addMissing("secret/" + s));
          }
          for (String c : request.getConfigMapNamesList()) {
            cache
                .get(Kind.KIND_CONFIG_MAP, ns, c)
                .ifPresentOrElse(
                    o -> b.addConfigMaps(o.getConfigMap()), () -> b.addMissing("configmap/" + c));
          }
          for (String c : request.getPersistentVolumeClaimNamesList()) {
            Optional<Object> claim = cache.get(Kind.KIND_PERSISTENT_VOLUME_CLAIM, ns, c);
            if (claim.isEmpty()) {
              b.addMissing("persistentvolumeclaim/" + c);
              continue;
            }
            b.addPersistentVolumeClaims(claim.get().getPersistentVolumeClaim());
            String volume = claim.get().getPersistentVolumeClaim().getSpec().getVolumeName();
            if (!volume.isEmpty()) {
              cache
                  .get(Kind.KIND_PERSISTENT_VOLUME, "", volume)
                  .ifPresent(o -> b.addPersistentVolumes(o.getPersistentVolume()));
            }
          }
          return b.build();
        });
  }

  @Override
  public void listVolumesToReclaim(
      ListVolumesToReclaimRequest request, StreamObserver<ListVolumesToReclaimResponse> out) {
    Calls.unary(
        out,
        () -> {
          String node = requiredNodeOf(request.getNodeName());
          return ListVolumesToReclaimResponse.newBuilder()
              .addAllVolumes(volumes.toReclaim(node))
              .build();
        });
  }

  @Override
  public void confirmVolumeReclaimed(
      ConfirmVolumeReclaimedRequest request, StreamObserver<ConfirmVolumeReclaimedResponse> out) {
    Calls.unary(
        out,
        () -> {
          String node = requiredNodeOf(request.getNodeName());
          if (request.getName().isEmpty() || request.getUid().isEmpty()) {
            throw ApiErrors.invalid(
                request.getName().isEmpty() ? "name" : "uid",
                "is required so that only the volume whose data is gone is released");
          }
          boolean removed = volumes.confirmReclaimed(node, request.getName(), request.getUid());
          cache.waitForRevision(store.kv().currentRevision(), Duration.ofSeconds(5));
          return ConfirmVolumeReclaimedResponse.newBuilder().setRemoved(removed).build();
        });
  }

  @Override
  public void recordEvents(RecordEventsRequest request, StreamObserver<RecordEventsResponse> out) {
    Calls.unary(
        out,
        () -> {
          int created = 0;
          int merged = 0;
          List<String> problems = new ArrayList<>();
          for (int i = 0; i < request.getEventsCount(); i++) {
            Event e = request.getEvents(i);
            try {
              if (events.record(e).merged()) {
                merged++;
              } else {
                created++;
              }
            } catch (InvalidObjectException ex) {
              problems.add("events[" + i + "]: " + ex.getMessage());
            }
          }
          if (!problems.isEmpty() && created + merged == 0) {
            throw ApiErrors.invalid("events", String.join("; ", problems));
          }
          return RecordEventsResponse.newBuilder().setCreated(created).setMerged(merged).build();
        });
  }
}
