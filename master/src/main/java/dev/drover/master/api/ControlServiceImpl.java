package dev.drover.master.api;

import com.google.protobuf.util.Timestamps;
import dev.drover.api.ApiObjects;
import dev.drover.api.ServiceTypes;
import dev.drover.api.WellKnown;
import dev.drover.api.v1.AgentServiceGrpc;
import dev.drover.api.v1.ApplyRequest;
import dev.drover.api.v1.ApplyResponse;
import dev.drover.api.v1.ApplyResult;
import dev.drover.api.v1.ClusterInfoRequest;
import dev.drover.api.v1.ClusterInfoResponse;
import dev.drover.api.v1.Condition;
import dev.drover.api.v1.ConditionStatus;
import dev.drover.api.v1.ControlServiceGrpc;
import dev.drover.api.v1.CreateRequest;
import dev.drover.api.v1.DeleteRequest;
import dev.drover.api.v1.DeleteResponse;
import dev.drover.api.v1.Deployment;
import dev.drover.api.v1.EvictRequest;
import dev.drover.api.v1.EvictResponse;
import dev.drover.api.v1.ExecInput;
import dev.drover.api.v1.ExecOutput;
import dev.drover.api.v1.GetRequest;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.ListRequest;
import dev.drover.api.v1.ListResponse;
import dev.drover.api.v1.LogChunk;
import dev.drover.api.v1.LogsRequest;
import dev.drover.api.v1.NodeActionRequest;
import dev.drover.api.v1.NodeActionResponse;
import dev.drover.api.v1.NodeActionType;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.ObjectReference;
import dev.drover.api.v1.OwnerReference;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodMetrics;
import dev.drover.api.v1.PodMetricsRequest;
import dev.drover.api.v1.PodTemplateSpec;
import dev.drover.api.v1.PortForwardInput;
import dev.drover.api.v1.PortForwardOutput;
import dev.drover.api.v1.PropagationPolicy;
import dev.drover.api.v1.RecordEventRequest;
import dev.drover.api.v1.ReplicaSet;
import dev.drover.api.v1.RollbackRequest;
import dev.drover.api.v1.RolloutActionRequest;
import dev.drover.api.v1.ScaleRequest;
import dev.drover.api.v1.ServiceType;
import dev.drover.api.v1.UpdateRequest;
import dev.drover.api.v1.UpdateStatusRequest;
import dev.drover.api.v1.WatchEvent;
import dev.drover.api.v1.WatchEventBatch;
import dev.drover.api.v1.WatchRequest;
import dev.drover.master.cache.WatchCache;
import dev.drover.master.cache.WatchFrame;
import dev.drover.master.disruption.DrainPlanner;
import dev.drover.master.events.EventSeries;
import dev.drover.master.registry.NotFoundException;
import dev.drover.master.registry.Objects;
import dev.drover.master.registry.Registry;
import dev.drover.master.registry.Registry.DeleteOptions;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The ControlService: generic verbs over objects of every kind, served from this master's watch
 * cache (reads) and the object store (writes), plus the specific verbs of docs/API.md.
 *
 * <p>After a write the call waits (briefly) until this master's cache reflects it, so a client
 * reading through the same master sees its own writes.
 */
public final class ControlServiceImpl extends ControlServiceGrpc.ControlServiceImplBase {
  /** The version the API reports in ClusterInfo. */
  public static final String VERSION = "drover.v1/0.1.0";

  private static final Duration READ_YOUR_WRITES = Duration.ofSeconds(5);

  private final Registry store;
  private final WatchCache cache;
  private final EventSeries events;
  private final AgentChannels agents;
  private final ClusterView cluster;
  private final StreamRegistry streams;
  private final Clock clock;
  private final StreamProxy proxy;

  /** A service over the given store and cache. */
  public ControlServiceImpl(
      Registry store,
      WatchCache cache,
      EventSeries events,
      AgentChannels agents,
      ClusterView cluster,
      StreamRegistry streams,
      Clock clock) {
    this.store = store;
    this.cache = cache;
    this.events = events;
    this.agents = agents;
    this.cluster = cluster;
    this.streams = streams;
    this.clock = clock;
    this.proxy = new StreamProxy(cache, agents, streams);
  }

  private Object visible(Object written) {
    cache.waitForRevision(ApiObjects.meta(written).getResourceVersion(), READ_YOUR_WRITES);
    return written;
  }

  private static Object requireObject(Object o, String field) {
    if (o == null || Objects.kind(o) == Kind.KIND_UNSPECIFIED) {
      throw ApiErrors.invalid(field, "is required and must hold one object of a known kind");
    }
    return o;
  }

  static void requireKind(Kind kind) {
    if (!Objects.known(kind)) {
      throw ApiErrors.invalid("kind", "unknown kind " + kind);
    }
  }

  private static void requireName(String name, String field) {
    if (name.isEmpty()) {
      throw ApiErrors.invalid(field, "is required");
    }
  }

  // ------------------------------------------------------------------ generic verbs

  @Override
  public void create(CreateRequest request, StreamObserver<Object> out) {
    Calls.unary(
        out,
        () -> {
          Object o = requireObject(request.getObject(), "object");
          Object created = store.create(o, request.getDryRun());
          return request.getDryRun() ? created : visible(created);
        });
  }

  @Override
  public void get(GetRequest request, StreamObserver<Object> out) {
    Calls.unary(
        out,
        () -> {
          requireKind(request.getKind());
          requireName(request.getName(), "name");
          String ns = Registry.namespaceOf(request.getKind(), request.getNamespace());
          // Read from the store (a linearizable Raft read), not this master's cache: the cache may
          // trail a write acknowledged through another master, or everything written while this
          // master was frozen or cut off, and a get must never return an older version than one
          // already acknowledged (the e2e fault scenarios caught stale gets after failovers).
          var stored =
              store.await(store.kv().get(Registry.key(request.getKind(), ns, request.getName())));
          if (stored.getKvsCount() > 0) {
            return Registry.decode(stored.getKvs(0));
          }
          throw ApiErrors.notFound(Objects.describe(request.getKind(), ns, request.getName()));
        });
  }

  @Override
  public void list(ListRequest request, StreamObserver<ListResponse> out) {
    Calls.unary(
        out,
        () -> {
          requireKind(request.getKind());
          if (Objects.clusterScoped(request.getKind()) && !request.getNamespace().isEmpty()) {
            throw ApiErrors.invalid(
                "namespace", "must be empty for the cluster-scoped kind " + request.getKind());
          }
          if (request.getLimit() < 0) {
            throw ApiErrors.invalid("limit", "must not be negative");
          }
          if (request.getResourceVersion() < 0) {
            throw ApiErrors.invalid("resource_version", "must not be negative");
          }
          Predicate<Object> filter =
              Filters.of(request.getKind(), request.getLabelSelector(), request.getFieldSelector());
          WatchCache.Page page;
          try {
            page =
                cache.list(
                    request.getKind(),
                    request.getNamespace(),
                    filter,
                    request.getLimit(),
                    request.getContinueToken(),
                    request.getResourceVersion());
          } catch (IllegalArgumentException e) {
            throw ApiErrors.invalid("continue_token", e.getMessage());
          }
          return ListResponse.newBuilder()
              .addAllItems(page.items())
              .setResourceVersion(page.resourceVersion())
              .setContinueToken(page.continueToken())
              .setRemainingItemCount(page.remaining())
              .build();
        });
  }

  @Override
  public void update(UpdateRequest request, StreamObserver<Object> out) {
    Calls.unary(
        out,
        () -> {
          Object o = requireObject(request.getObject(), "object");
          Object updated = store.update(o, request.getDryRun());
          return request.getDryRun() ? updated : visible(updated);
        });
  }

  @Override
  public void updateStatus(UpdateStatusRequest request, StreamObserver<Object> out) {
    Calls.unary(
        out, () -> visible(store.updateStatus(requireObject(request.getObject(), "object"))));
  }

  @Override
  public void delete(DeleteRequest request, StreamObserver<DeleteResponse> out) {
    Calls.unary(
        out,
        () -> {
          requireKind(request.getKind());
          requireName(request.getName(), "name");
          if (request.hasGracePeriodSeconds() && request.getGracePeriodSeconds() < 0) {
            throw ApiErrors.invalid("grace_period_seconds", "must not be negative");
          }
          DeleteOptions opts =
              new DeleteOptions(
                  request.hasGracePeriodSeconds() ? request.getGracePeriodSeconds() : null,
                  request.getPreconditions().hasUid() ? request.getPreconditions().getUid() : null,
                  request.getPreconditions().hasResourceVersion()
                      ? request.getPreconditions().getResourceVersion()
                      : null,
                  request.getPropagationPolicy(),
                  request.getForce());
          Registry.DeleteResult r =
              store.delete(
                  request.getKind(), request.getNamespace(), request.getName(), opts, null);
          cache.waitForRevision(r.revision(), READ_YOUR_WRITES);
          return DeleteResponse.newBuilder()
              .setObject(r.object())
              .setDeletedImmediately(r.deletedImmediately())
              .build();
        });
  }

  /**
   * The service as the master serves it: {@link #bindService()} with Watch and WatchBatched
   * answered from pre-encoded frames shared by every stream (see {@link WatchFrames}).
   */
  public ServerServiceDefinition framedService() {
    ServerServiceDefinition perEvent =
        WatchFrames.rebind(
            super.bindService(),
            ControlServiceGrpc.getWatchMethod(),
            WatchFrames.MARSHALLER,
            (request, out) -> watch(request, out, Calls::eachFrame));
    return WatchFrames.rebind(
        perEvent,
        ControlServiceGrpc.getWatchBatchedMethod(),
        WatchFrames.BATCH_MARSHALLER,
        (request, out) -> watch(request, batching(out), WatchFrames::batchOf));
  }

  /**
   * A WatchBatched stream counts as ready only while nothing it sent waits in the transport, so
   * that while one message is on its way the next events gather in the cache's backlog and go out
   * together. With gRPC's default (32 KiB queued per stream) a busy master would pass dozens of
   * one-event messages to the transport per stream and the client would pay for each: the batches
   * would grow only after the transport had fallen far behind.
   */
  private static <T> StreamObserver<T> batching(StreamObserver<T> out) {
    if (out instanceof io.grpc.stub.ServerCallStreamObserver<T> call) {
      call.setOnReadyThreshold(1);
    }
    return out;
  }

  @Override
  public void watch(WatchRequest request, StreamObserver<WatchEvent> out) {
    watch(request, out, Calls::eachEvent);
  }

  @Override
  public void watchBatched(WatchRequest request, StreamObserver<WatchEventBatch> out) {
    watch(request, batching(out), Calls::wholeBatch);
  }

  private <T> void watch(
      WatchRequest request, StreamObserver<T> out, Function<List<WatchFrame>, List<T>> messages) {
    Predicate<Object> filter;
    try {
      requireKind(request.getKind());
      if (request.getResourceVersion() < 0) {
        throw ApiErrors.invalid("resource_version", "must not be negative");
      }
      filter =
          Filters.of(request.getKind(), request.getLabelSelector(), request.getFieldSelector());
    } catch (StatusRuntimeException e) {
      out.onError(e);
      return;
    }
    Calls.watch(
        cache,
        streams,
        new WatchCache.WatchSpec(
            request.getKind(),
            request.getNamespace(),
            filter,
            request.getResourceVersion(),
            request.getAllowBookmarks(),
            request.getSendInitialEvents()),
        out,
        messages);
  }

  @Override
  public void apply(ApplyRequest request, StreamObserver<ApplyResponse> out) {
    Calls.unary(
        out,
        () -> {
          if (request.getObjectsCount() == 0) {
            throw ApiErrors.invalid("objects", "at least one object is required");
          }
          List<Registry.Applied> applied =
              store.apply(request.getObjectsList(), request.getDryRun(), request.getFieldManager());
          ApplyResponse.Builder b = ApplyResponse.newBuilder();
          long max = 0;
          for (Registry.Applied a : applied) {
            b.addResults(
                ApplyResult.newBuilder()
                    .setObject(a.object())
                    .setAction(a.action())
                    .addAllChangedFields(a.changedFields())
                    .addAllWarnings(warnings(a.object())));
            max = Math.max(max, ApiObjects.meta(a.object()).getResourceVersion());
          }
          if (!request.getDryRun()) {
            cache.waitForRevision(max, READ_YOUR_WRITES);
          }
          return b.build();
        });
  }

  /** What the client should be told about an object that was admitted all the same. */
  static List<String> warnings(Object object) {
    if (object.hasService()
        && object.getService().getSpec().getType() == ServiceType.SERVICE_TYPE_LOAD_BALANCER) {
      return List.of(ServiceTypes.LOAD_BALANCER_WARNING);
    }
    return List.of();
  }

  // ------------------------------------------------------------------ specific verbs

  @Override
  public void scale(ScaleRequest request, StreamObserver<Object> out) {
    Calls.unary(
        out,
        () -> {
          if (request.getKind() != Kind.KIND_DEPLOYMENT
              && request.getKind() != Kind.KIND_REPLICA_SET
              && request.getKind() != Kind.KIND_STATEFUL_SET
              && request.getKind() != Kind.KIND_JOB) {
            throw ApiErrors.invalid(
                "kind",
                "only KIND_DEPLOYMENT, KIND_REPLICA_SET, KIND_STATEFUL_SET and KIND_JOB scale, not "
                    + request.getKind());
          }
          requireName(request.getName(), "name");
          if (request.getReplicas() < 0) {
            throw ApiErrors.invalid("replicas", "must be at least 0");
          }
          long rv = request.hasResourceVersion() ? request.getResourceVersion() : 0;
          String ns = Registry.namespaceOf(request.getKind(), request.getNamespace());
          int n = request.getReplicas();
          return visible(
              store.mutate(
                  request.getKind(),
                  ns,
                  request.getName(),
                  rv,
                  cur -> {
                    switch (request.getKind()) {
                      case KIND_DEPLOYMENT:
                        return cur.toBuilder()
                            .setDeployment(
                                cur.getDeployment().toBuilder()
                                    .setSpec(
                                        cur.getDeployment().getSpec().toBuilder().setReplicas(n)))
                            .build();
                      case KIND_REPLICA_SET:
                        return cur.toBuilder()
                            .setReplicaSet(
                                cur.getReplicaSet().toBuilder()
                                    .setSpec(
                                        cur.getReplicaSet().getSpec().toBuilder().setReplicas(n)))
                            .build();
                      case KIND_STATEFUL_SET:
                        return cur.toBuilder()
                            .setStatefulSet(
                                cur.getStatefulSet().toBuilder()
                                    .setSpec(
                                        cur.getStatefulSet().getSpec().toBuilder().setReplicas(n)))
                            .build();
                      default:
                        return cur.toBuilder()
                            .setJob(
                                cur.getJob().toBuilder()
                                    .setSpec(cur.getJob().getSpec().toBuilder().setParallelism(n)))
                            .build();
                    }
                  }));
        });
  }

  @Override
  public void rollback(RollbackRequest request, StreamObserver<Object> out) {
    Calls.unary(
        out,
        () -> {
          requireName(request.getName(), "name");
          if (request.getRevision() < 0) {
            throw ApiErrors.invalid("revision", "must not be negative");
          }
          String ns = Registry.namespaceOf(Kind.KIND_DEPLOYMENT, request.getNamespace());
          return visible(
              store.mutate(
                  Kind.KIND_DEPLOYMENT,
                  ns,
                  request.getName(),
                  0,
                  cur -> {
                    Deployment d = cur.getDeployment();
                    ReplicaSet target = revisionToRestore(d, request.getRevision());
                    PodTemplateSpec.Builder t = target.getSpec().getTemplate().toBuilder();
                    t.getMetadataBuilder().removeLabels(WellKnown.POD_TEMPLATE_HASH);
                    return cur.toBuilder()
                        .setDeployment(
                            d.toBuilder()
                                .setMetadata(
                                    d.getMetadata().toBuilder()
                                        .putAnnotations(
                                            WellKnown.ROLLED_BACK_TO,
                                            Long.toString(revisionOf(target))))
                                .setSpec(d.getSpec().toBuilder().setTemplate(t)))
                        .build();
                  }));
        });
  }

  /** The ReplicaSet of the deployment holding {@code revision} (0: the one before the current). */
  private ReplicaSet revisionToRestore(Deployment d, long revision) {
    String uid = d.getMetadata().getUid();
    List<ReplicaSet> owned = new ArrayList<>();
    for (Object o :
        cache.list(
            Kind.KIND_REPLICA_SET,
            x ->
                x.getReplicaSet()
                    .getMetadata()
                    .getNamespace()
                    .equals(d.getMetadata().getNamespace()))) {
      for (OwnerReference ref : o.getReplicaSet().getMetadata().getOwnerReferencesList()) {
        if (ref.getUid().equals(uid) && revisionOf(o.getReplicaSet()) > 0) {
          owned.add(o.getReplicaSet());
        }
      }
    }
    owned.sort((a, b) -> Long.compare(revisionOf(b), revisionOf(a)));
    if (revision == 0) {
      if (owned.size() < 2) {
        throw ApiErrors.failedPrecondition(
            "deployment "
                + d.getMetadata().getNamespace()
                + "/"
                + d.getMetadata().getName()
                + " has no earlier revision to roll back to");
      }
      return owned.get(1);
    }
    for (ReplicaSet rs : owned) {
      if (revisionOf(rs) == revision) {
        return rs;
      }
    }
    throw ApiErrors.failedPrecondition(
        "deployment "
            + d.getMetadata().getNamespace()
            + "/"
            + d.getMetadata().getName()
            + " has no revision "
            + revision
            + " (kept: "
            + owned.stream().map(rs -> Long.toString(revisionOf(rs))).toList()
            + ")");
  }

  private static long revisionOf(ReplicaSet rs) {
    return WellKnown.revision(rs.getMetadata());
  }

  @Override
  public void rolloutAction(RolloutActionRequest request, StreamObserver<Object> out) {
    Calls.unary(
        out,
        () -> {
          requireName(request.getName(), "name");
          String ns = Registry.namespaceOf(Kind.KIND_DEPLOYMENT, request.getNamespace());
          switch (request.getAction()) {
            case ROLLOUT_ACTION_TYPE_PAUSE:
            case ROLLOUT_ACTION_TYPE_RESUME:
            case ROLLOUT_ACTION_TYPE_RESTART:
            case ROLLOUT_ACTION_TYPE_PROMOTE:
              break;
            default:
              throw ApiErrors.invalid("action", "must be PAUSE, RESUME, RESTART or PROMOTE");
          }
          return visible(
              store.mutate(
                  Kind.KIND_DEPLOYMENT,
                  ns,
                  request.getName(),
                  0,
                  cur -> {
                    Deployment.Builder d = cur.getDeployment().toBuilder();
                    switch (request.getAction()) {
                      case ROLLOUT_ACTION_TYPE_PAUSE:
                        d.getSpecBuilder().setPaused(true);
                        break;
                      case ROLLOUT_ACTION_TYPE_RESUME:
                        d.getSpecBuilder().setPaused(false);
                        break;
                      case ROLLOUT_ACTION_TYPE_RESTART:
                        d.getSpecBuilder()
                            .getTemplateBuilder()
                            .getMetadataBuilder()
                            .putAnnotations(
                                WellKnown.RESTARTED_AT,
                                Timestamps.toString(Timestamps.fromMillis(clock.millis())));
                        break;
                      default:
                        if (!d.getSpec().hasCanary()) {
                          throw ApiErrors.failedPrecondition(
                              "deployment "
                                  + ns
                                  + "/"
                                  + request.getName()
                                  + " has no canary strategy");
                        }
                        d.getMetadataBuilder()
                            .putAnnotations(
                                WellKnown.CANARY_PROMOTED_STEP,
                                Integer.toString(d.getStatus().getCanary().getCurrentStep()));
                        break;
                    }
                    return cur.toBuilder().setDeployment(d).build();
                  }));
        });
  }

  @Override
  public void evict(EvictRequest request, StreamObserver<EvictResponse> out) {
    Calls.unary(
        out,
        () -> {
          requireName(request.getName(), "name");
          Object pod =
              evictPod(
                  Registry.namespaceOf(Kind.KIND_POD, request.getNamespace()),
                  request.getName(),
                  request.hasGracePeriodSeconds() ? request.getGracePeriodSeconds() : null);
          return EvictResponse.newBuilder().setPod(pod.getPod()).build();
        });
  }

  /** Gracefully deletes a pod, recording the eviction in its status. */
  private Object evictPod(String ns, String name, Long grace) {
    if (grace != null && grace < 0) {
      throw ApiErrors.invalid("grace_period_seconds", "must not be negative");
    }
    Registry.DeleteResult r =
        store.delete(
            Kind.KIND_POD,
            ns,
            name,
            new DeleteOptions(
                grace, null, null, PropagationPolicy.PROPAGATION_POLICY_BACKGROUND, false),
            p -> {
              Pod.Builder b = p.getPod().toBuilder();
              b.getStatusBuilder()
                  .setReason("Evicted")
                  .setMessage("The pod was evicted through the API.")
                  .addConditions(
                      Condition.newBuilder()
                          .setType("DisruptionTarget")
                          .setStatus(ConditionStatus.CONDITION_STATUS_TRUE)
                          .setReason("EvictionByEvictionAPI")
                          .setLastTransitionTime(Timestamps.fromMillis(clock.millis())));
              return p.toBuilder().setPod(b).build();
            });
    events.record(
        dev.drover.api.v1.Event.newBuilder()
            .setInvolvedObject(EventSeries.referenceTo(r.object()))
            .setReason("Evicted")
            .setMessage("Evicted through the API")
            .setSource(dev.drover.api.v1.EventSource.newBuilder().setComponent("master"))
            .build());
    return r.object();
  }

  @Override
  public void nodeAction(NodeActionRequest request, StreamObserver<NodeActionResponse> out) {
    Calls.unary(
        out,
        () -> {
          requireName(request.getNodeName(), "node_name");
          NodeActionType action = request.getAction();
          if (action != NodeActionType.NODE_ACTION_TYPE_CORDON
              && action != NodeActionType.NODE_ACTION_TYPE_UNCORDON
              && action != NodeActionType.NODE_ACTION_TYPE_DRAIN) {
            throw ApiErrors.invalid("action", "must be CORDON, UNCORDON or DRAIN");
          }
          store.require(Kind.KIND_NODE, "", request.getNodeName());
          DrainPlanner.Plan plan = null;
          if (action == NodeActionType.NODE_ACTION_TYPE_DRAIN) {
            plan =
                DrainPlanner.plan(
                    new CachedClusterReads(cache), request.getNodeName(), clock.instant());
            if (!plan.daemonSetPods().isEmpty() && !request.getIgnoreDaemonSets()) {
              ObjectMeta first = plan.daemonSetPods().get(0).getMetadata();
              throw ApiErrors.failedPrecondition(
                  "node "
                      + request.getNodeName()
                      + " runs "
                      + plan.daemonSetPods().size()
                      + " DaemonSet pod(s) (e.g. "
                      + Objects.describe(Kind.KIND_POD, first.getNamespace(), first.getName())
                      + "); set ignore_daemon_sets to drain anyway");
            }
          }
          boolean unschedulable = action != NodeActionType.NODE_ACTION_TYPE_UNCORDON;
          Object node =
              store.mutate(
                  Kind.KIND_NODE,
                  "",
                  request.getNodeName(),
                  0,
                  cur ->
                      cur.toBuilder()
                          .setNode(
                              cur.getNode().toBuilder()
                                  .setSpec(
                                      cur.getNode().getSpec().toBuilder()
                                          .setUnschedulable(unschedulable)))
                          .build());
          NodeActionResponse.Builder resp = NodeActionResponse.newBuilder();
          Object lastWrite = node;
          if (plan != null) {
            // Only what the owners' availability allows now; the rest is reported as waiting and a
            // later DRAIN (the CLI repeats it) evicts it once replacements are available.
            for (Pod p : plan.evictNow()) {
              ObjectMeta m = p.getMetadata();
              try {
                lastWrite =
                    evictPod(
                        m.getNamespace(),
                        m.getName(),
                        request.hasGracePeriodSeconds() ? request.getGracePeriodSeconds() : null);
                resp.addEvictedPods(reference(m));
              } catch (NotFoundException e) {
                // Gone meanwhile: nothing left to evict.
              }
            }
            for (Pod p : plan.waiting()) {
              resp.addWaitingPods(reference(p.getMetadata()));
            }
          }
          // The next DRAIN plans from the cache: it must see these evictions, or it would count the
          // evicted pods as still available and evict more than the owners can spare.
          visible(lastWrite);
          return resp.setNode(node.getNode()).build();
        });
  }

  private static ObjectReference reference(ObjectMeta pod) {
    return ObjectReference.newBuilder()
        .setKind(Kind.KIND_POD)
        .setNamespace(pod.getNamespace())
        .setName(pod.getName())
        .setUid(pod.getUid())
        .build();
  }

  @Override
  public void recordEvent(RecordEventRequest request, StreamObserver<dev.drover.api.v1.Event> out) {
    Calls.unary(out, () -> visible(events.record(request.getEvent()).event()).getEvent());
  }

  @Override
  public void logs(LogsRequest request, StreamObserver<LogChunk> out) {
    ServerCallStreamObserver<LogChunk> call = (ServerCallStreamObserver<LogChunk>) out;
    ManagedTarget target;
    try {
      target = logTarget(request);
    } catch (Throwable t) {
      out.onError(Calls.toStatus(t));
      return;
    }
    long deadlineSeconds = request.getFollow() ? TimeUnit.DAYS.toSeconds(1) : 60;
    // Guards the client call (a server stream takes one caller at a time) and the upstream.
    java.lang.Object lock = new java.lang.Object();
    @SuppressWarnings("unchecked")
    ClientCallStreamObserver<LogsRequest>[] upstream = new ClientCallStreamObserver[1];
    boolean[] ended = new boolean[1];
    // A draining master ends the call itself with UNAVAILABLE (the client may ask another
    // master) and then cancels the agent's stream.
    StreamRegistry.Stream self =
        status -> {
          synchronized (lock) {
            if (!ended[0] && !call.isCancelled()) {
              ended[0] = true;
              call.onError(status.asRuntimeException());
            }
            ended[0] = true;
            if (upstream[0] != null) {
              upstream[0].cancel("master is shutting down", null);
            }
          }
        };
    call.setOnCancelHandler(
        () -> {
          streams.remove(self);
          synchronized (lock) {
            ended[0] = true;
            if (upstream[0] != null) {
              upstream[0].cancel("client cancelled", null);
            }
          }
        });
    if (!streams.add(self)) {
      out.onError(ApiErrors.unavailable("master is shutting down; ask another master"));
      return;
    }
    AgentServiceGrpc.newStub(target.channel)
        .withDeadlineAfter(deadlineSeconds, TimeUnit.SECONDS)
        .logs(
            target.request,
            new ClientResponseObserver<LogsRequest, LogChunk>() {
              @Override
              public void beforeStart(ClientCallStreamObserver<LogsRequest> requestStream) {
                synchronized (lock) {
                  upstream[0] = requestStream;
                }
              }

              @Override
              public void onNext(LogChunk value) {
                synchronized (lock) {
                  if (!ended[0] && !call.isCancelled()) {
                    call.onNext(value);
                  }
                }
              }

              @Override
              public void onError(Throwable t) {
                streams.remove(self);
                synchronized (lock) {
                  if (!ended[0] && !call.isCancelled()) {
                    ended[0] = true;
                    Status s = Status.fromThrowable(t);
                    call.onError(
                        s.withDescription("node agent: " + s.getDescription())
                            .asRuntimeException());
                  }
                }
              }

              @Override
              public void onCompleted() {
                streams.remove(self);
                synchronized (lock) {
                  if (!ended[0] && !call.isCancelled()) {
                    ended[0] = true;
                    call.onCompleted();
                  }
                }
              }
            });
  }

  private record ManagedTarget(io.grpc.Channel channel, LogsRequest request) {}

  private ManagedTarget logTarget(LogsRequest request) {
    requireName(request.getPod(), "pod");
    if (request.hasSinceSeconds() && request.hasSinceTime()) {
      throw ApiErrors.invalid("since_seconds", "since_seconds and since_time are exclusive");
    }
    StreamProxy.PodTarget t =
        proxy.target(request.getNamespace(), request.getPod(), request.getContainer(), true);
    return new ManagedTarget(
        t.channel(),
        request.toBuilder().setNamespace(t.namespace()).setContainer(t.container()).build());
  }

  @Override
  public StreamObserver<ExecInput> exec(StreamObserver<ExecOutput> out) {
    return proxy.exec(out);
  }

  @Override
  public StreamObserver<PortForwardInput> portForward(StreamObserver<PortForwardOutput> out) {
    return proxy.portForward(out);
  }

  @Override
  public void getPodMetrics(PodMetricsRequest request, StreamObserver<PodMetrics> out) {
    StreamProxy.PodTarget t;
    try {
      t = proxy.target(request.getNamespace(), request.getPod(), "", false);
    } catch (Throwable e) {
      out.onError(Calls.toStatus(e));
      return;
    }
    String node = t.pod().getSpec().getNodeName();
    AgentServiceGrpc.newStub(t.channel())
        .withDeadlineAfter(30, TimeUnit.SECONDS)
        .getPodMetrics(
            request.toBuilder().setNamespace(t.namespace()).build(),
            new StreamObserver<>() {
              @Override
              public void onNext(PodMetrics value) {
                out.onNext(value.toBuilder().setNodeName(node).build());
              }

              @Override
              public void onError(Throwable error) {
                Status s = Status.fromThrowable(error);
                out.onError(
                    s.withDescription("node agent: " + s.getDescription()).asRuntimeException());
              }

              @Override
              public void onCompleted() {
                out.onCompleted();
              }
            });
  }

  @Override
  public void clusterInfo(ClusterInfoRequest request, StreamObserver<ClusterInfoResponse> out) {
    Calls.unary(
        out,
        () ->
            ClusterInfoResponse.newBuilder()
                .setVersion(VERSION)
                .addAllMasters(cluster.masters())
                .setRevision(cache.revision())
                .setAnsweredBy(cluster.selfId())
                .build());
  }
}
