package dev.drover.agent.testing;

import com.google.protobuf.Timestamp;
import dev.drover.api.v1.ConfigMap;
import dev.drover.api.v1.ConfirmPodTerminationRequest;
import dev.drover.api.v1.ConfirmPodTerminationResponse;
import dev.drover.api.v1.Event;
import dev.drover.api.v1.GetPodDependenciesRequest;
import dev.drover.api.v1.GetPodDependenciesResponse;
import dev.drover.api.v1.HeartbeatRequest;
import dev.drover.api.v1.HeartbeatResponse;
import dev.drover.api.v1.Node;
import dev.drover.api.v1.NodeServiceGrpc;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodStatus;
import dev.drover.api.v1.PodStatusUpdate;
import dev.drover.api.v1.PodStatusUpdateOutcome;
import dev.drover.api.v1.PodStatusUpdateResult;
import dev.drover.api.v1.RecordEventsRequest;
import dev.drover.api.v1.RecordEventsResponse;
import dev.drover.api.v1.RegisterNodeRequest;
import dev.drover.api.v1.RegisterNodeResponse;
import dev.drover.api.v1.Secret;
import dev.drover.api.v1.UpdatePodStatusesRequest;
import dev.drover.api.v1.UpdatePodStatusesResponse;
import dev.drover.api.v1.WatchEvent;
import dev.drover.api.v1.WatchEventType;
import dev.drover.api.v1.WatchPodsRequest;
import dev.drover.testing.InProcessGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An in-memory, in-process stand-in for the masters' {@code NodeService}: a pod store with resource
 * versions and a change history, WatchPods streams (initial ADDED events and a bookmark, then
 * changes), and a record of every status, event, registration and termination confirmation the
 * agent sent, for tests to assert on. Not a real master: no validation, one node's view.
 */
public final class FakeNodeService extends NodeServiceGrpc.NodeServiceImplBase
    implements AutoCloseable {

  private final InProcessGrpc server;
  private final Map<String, Pod> pods = new LinkedHashMap<>();
  private final List<WatchEvent> history = new ArrayList<>();
  private final List<Watch> watches = new CopyOnWriteArrayList<>();
  private final Map<String, List<PodStatus>> statuses = new LinkedHashMap<>();
  private final List<Event> events = new CopyOnWriteArrayList<>();
  private final List<String> confirmed = new CopyOnWriteArrayList<>();
  private final List<Node> registrations = new CopyOnWriteArrayList<>();
  private final Map<String, Secret> secrets = new LinkedHashMap<>();
  private final Map<String, ConfigMap> configMaps = new LinkedHashMap<>();
  private volatile int heartbeats;
  private long revision = 100;

  /** The node lease announced at registration, in seconds. */
  public volatile int leaseSeconds = 40;

  /** When set, heartbeats are never answered (as by a hung or partitioned master). */
  public volatile boolean hangHeartbeats;

  public FakeNodeService() {
    server = InProcessGrpc.start(this);
  }

  /** The endpoint name for {@link #channel}. */
  public String endpoint() {
    return server.name();
  }

  /** A channel factory for the agent: in-process channels by endpoint name. */
  public static ManagedChannel channel(String endpoint) {
    return InProcessGrpc.channelTo(endpoint);
  }

  /** Creates or replaces a pod (assigning a uid when missing) and notifies watchers. */
  public synchronized Pod putPod(Pod pod) {
    Pod.Builder b = pod.toBuilder();
    if (b.getMetadata().getUid().isEmpty()) {
      b.getMetadataBuilder().setUid(UUID.randomUUID().toString());
    }
    if (b.getMetadata().getNamespace().isEmpty()) {
      b.getMetadataBuilder().setNamespace("default");
    }
    boolean existed = pods.containsKey(b.getMetadata().getUid());
    b.getMetadataBuilder().setResourceVersion(++revision).setGeneration(1);
    Pod stored = b.build();
    pods.put(stored.getMetadata().getUid(), stored);
    publish(
        existed ? WatchEventType.WATCH_EVENT_TYPE_MODIFIED : WatchEventType.WATCH_EVENT_TYPE_ADDED,
        stored);
    return stored;
  }

  /** Graceful delete: sets deletion_time and the grace period; the agent must confirm. */
  public synchronized void deletePod(String uid, long graceSeconds) {
    Pod pod = pods.get(uid);
    Instant now = Instant.now();
    Pod.Builder b = pod.toBuilder();
    b.getMetadataBuilder()
        .setDeletionTime(Timestamp.newBuilder().setSeconds(now.getEpochSecond()))
        .setDeletionGracePeriodSeconds(graceSeconds)
        .setResourceVersion(++revision);
    Pod stored = b.build();
    pods.put(uid, stored);
    publish(WatchEventType.WATCH_EVENT_TYPE_MODIFIED, stored);
  }

  /** Removes a pod at once (force delete), as if done while the agent could not see it. */
  public synchronized void removePod(String uid) {
    Pod pod = pods.remove(uid);
    if (pod != null) {
      revision++;
      publish(WatchEventType.WATCH_EVENT_TYPE_DELETED, pod);
    }
  }

  public synchronized void putSecret(Secret s) {
    secrets.put(s.getMetadata().getName(), s);
  }

  public synchronized void putConfigMap(ConfigMap m) {
    configMaps.put(m.getMetadata().getName(), m);
  }

  public synchronized Optional<Pod> pod(String uid) {
    return Optional.ofNullable(pods.get(uid));
  }

  /** Latest status the agent reported for a pod. */
  public synchronized Optional<PodStatus> status(String uid) {
    List<PodStatus> list = statuses.get(uid);
    return list == null || list.isEmpty()
        ? Optional.empty()
        : Optional.of(list.get(list.size() - 1));
  }

  /** Every status the agent reported for a pod, in order. */
  public synchronized List<PodStatus> statusHistory(String uid) {
    return List.copyOf(statuses.getOrDefault(uid, List.of()));
  }

  public List<Event> events() {
    return List.copyOf(events);
  }

  /** Uids of pods whose termination the agent confirmed. */
  public List<String> confirmed() {
    return List.copyOf(confirmed);
  }

  public List<Node> registrations() {
    return List.copyOf(registrations);
  }

  public int heartbeats() {
    return heartbeats;
  }

  private void publish(WatchEventType type, Pod pod) {
    WatchEvent e =
        WatchEvent.newBuilder()
            .setType(type)
            .setObject(dev.drover.api.v1.Object.newBuilder().setPod(pod))
            .setResourceVersion(revision)
            .build();
    history.add(e);
    for (Watch w : watches) {
      if (w.node.equals(pod.getSpec().getNodeName())) {
        w.send(e);
      }
    }
  }

  @Override
  public void register(RegisterNodeRequest request, StreamObserver<RegisterNodeResponse> out) {
    registrations.add(request.getNode());
    out.onNext(
        RegisterNodeResponse.newBuilder()
            .setNode(request.getNode())
            .setLeaseDurationSeconds(leaseSeconds)
            .setHeartbeatIntervalSeconds(1)
            .build());
    out.onCompleted();
  }

  @Override
  public void heartbeat(HeartbeatRequest request, StreamObserver<HeartbeatResponse> out) {
    if (hangHeartbeats) {
      // A master that is partitioned away, not down: the call is never answered.
      return;
    }
    heartbeats++;
    out.onNext(HeartbeatResponse.newBuilder().build());
    out.onCompleted();
  }

  @Override
  public void watchPods(WatchPodsRequest request, StreamObserver<WatchEvent> out) {
    Watch w = new Watch(request.getNodeName(), (ServerCallStreamObserver<WatchEvent>) out);
    synchronized (this) {
      if (request.getResourceVersion() == 0) {
        for (Pod p : pods.values()) {
          if (p.getSpec().getNodeName().equals(request.getNodeName())) {
            w.send(
                WatchEvent.newBuilder()
                    .setType(WatchEventType.WATCH_EVENT_TYPE_ADDED)
                    .setObject(dev.drover.api.v1.Object.newBuilder().setPod(p))
                    .setResourceVersion(p.getMetadata().getResourceVersion())
                    .build());
          }
        }
      } else {
        for (WatchEvent e : history) {
          if (e.getResourceVersion() > request.getResourceVersion()
              && e.getObject().getPod().getSpec().getNodeName().equals(request.getNodeName())) {
            w.send(e);
          }
        }
      }
      w.send(
          WatchEvent.newBuilder()
              .setType(WatchEventType.WATCH_EVENT_TYPE_BOOKMARK)
              .setResourceVersion(revision)
              .build());
      watches.add(w);
    }
    w.out.setOnCancelHandler(() -> watches.remove(w));
  }

  @Override
  public synchronized void updatePodStatuses(
      UpdatePodStatusesRequest request, StreamObserver<UpdatePodStatusesResponse> out) {
    UpdatePodStatusesResponse.Builder r = UpdatePodStatusesResponse.newBuilder();
    for (PodStatusUpdate u : request.getUpdatesList()) {
      Pod pod = pods.get(u.getUid());
      PodStatusUpdateResult.Builder result =
          PodStatusUpdateResult.newBuilder().setNamespace(u.getNamespace()).setName(u.getName());
      if (pod == null) {
        result.setOutcome(PodStatusUpdateOutcome.POD_STATUS_UPDATE_OUTCOME_NOT_FOUND);
      } else {
        statuses.computeIfAbsent(u.getUid(), k -> new ArrayList<>()).add(u.getStatus());
        result
            .setOutcome(PodStatusUpdateOutcome.POD_STATUS_UPDATE_OUTCOME_UPDATED)
            .setResourceVersion(revision);
      }
      r.addResults(result);
    }
    out.onNext(r.build());
    out.onCompleted();
  }

  @Override
  public void confirmPodTermination(
      ConfirmPodTerminationRequest request, StreamObserver<ConfirmPodTerminationResponse> out) {
    confirmed.add(request.getUid());
    boolean removed;
    synchronized (this) {
      removed = pods.containsKey(request.getUid());
      removePod(request.getUid());
    }
    out.onNext(ConfirmPodTerminationResponse.newBuilder().setRemoved(removed).build());
    out.onCompleted();
  }

  @Override
  public synchronized void getPodDependencies(
      GetPodDependenciesRequest request, StreamObserver<GetPodDependenciesResponse> out) {
    GetPodDependenciesResponse.Builder r = GetPodDependenciesResponse.newBuilder();
    for (String s : request.getSecretNamesList()) {
      if (secrets.containsKey(s)) {
        r.addSecrets(secrets.get(s));
      } else {
        r.addMissing("secret/" + s);
      }
    }
    for (String m : request.getConfigMapNamesList()) {
      if (configMaps.containsKey(m)) {
        r.addConfigMaps(configMaps.get(m));
      } else {
        r.addMissing("configmap/" + m);
      }
    }
    out.onNext(r.build());
    out.onCompleted();
  }

  @Override
  public void recordEvents(RecordEventsRequest request, StreamObserver<RecordEventsResponse> out) {
    events.addAll(request.getEventsList());
    out.onNext(RecordEventsResponse.newBuilder().setCreated(request.getEventsCount()).build());
    out.onCompleted();
  }

  /** Ends every watch stream with UNAVAILABLE, as a master restart would. */
  public void breakWatches() {
    for (Watch w : watches) {
      watches.remove(w);
      synchronized (w) {
        w.out.onError(Status.UNAVAILABLE.withDescription("master restarting").asRuntimeException());
      }
    }
  }

  @Override
  public void close() {
    try {
      server.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static final class Watch {
    final String node;
    final ServerCallStreamObserver<WatchEvent> out;

    Watch(String node, ServerCallStreamObserver<WatchEvent> out) {
      this.node = node;
      this.out = out;
    }

    synchronized void send(WatchEvent e) {
      if (!out.isCancelled()) {
        out.onNext(e);
      }
    }
  }
}
