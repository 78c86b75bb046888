package dev.drover.master.controller.node;

import com.google.protobuf.Message;
import dev.drover.api.ApiObjects;
import dev.drover.api.Tolerations;
import dev.drover.api.WellKnown;
import dev.drover.api.v1.Condition;
import dev.drover.api.v1.ConditionStatus;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.Lease;
import dev.drover.api.v1.LeaseSpec;
import dev.drover.api.v1.Node;
import dev.drover.api.v1.NodeSpec;
import dev.drover.api.v1.NodeStatus;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodStatus;
import dev.drover.api.v1.Taint;
import dev.drover.api.v1.TaintEffect;
import dev.drover.api.v1.Toleration;
import dev.drover.master.controller.Controller;
import dev.drover.master.controller.ControllerContext;
import dev.drover.master.controller.DeleteOptions;
import dev.drover.master.controller.Pods;
import dev.drover.master.controller.ResourceHandler;
import dev.drover.master.controller.WriteException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches node heartbeats (the node's Lease, renewed by the master on each agent heartbeat) and
 * acts when they stop.
 *
 * <p>A node whose lease was not renewed for the grace period (default 6 s) gets {@code
 * Ready=Unknown} and the NoExecute taint {@value #UNREACHABLE_TAINT}; a node whose agent reports
 * {@code Ready=False} gets {@value #NOT_READY_TAINT}. The pods of an unreachable node are marked
 * not ready at once (so endpoints drop them). Pods on a node with NoExecute taints are evicted
 * (deleted gracefully, event {@code Evicted}) once their toleration runs out: immediately for
 * taints they do not tolerate, after {@code toleration_seconds} for tolerations that set it, never
 * for tolerations without it, and after the default of 4 s for the not-ready/unreachable taints
 * when the pod has no toleration for them. When the lease is renewed again, the unreachable taint
 * is removed and a {@code Ready=Unknown} this controller set is turned back to True until the agent
 * reports again.
 *
 * <p>The grace period runs from a renewal this controller saw happen: the renew time written in the
 * lease when it changed while this controller ran (or the moment it saw the change, when that time
 * is ahead of its clock or older than the grace), and for the renew time a node has when the
 * controller starts, from that start (as Kubernetes does with its probe timestamps). So a master
 * that just became active gives every node a whole grace period from its start: heartbeats that
 * went to the master that died, or that a store without a leader could not write, do not make live
 * nodes unreachable. A node already marked unreachable stays so until a renewal newer than that
 * mark is seen. Once a node renews again, its pods that still carry the not-ready mark (no report
 * from the agent replaced it) are ready again, since the agent re-reports a status only when it
 * changes.
 *
 * <p>A lease its holder let go (empty holder, see {@link #graceOf}) runs out its own, shorter
 * duration after its renew time: the master serving a node's session releases it when the session's
 * connection dies, so a killed agent host is found in about one heartbeat interval. And before a
 * node is marked unreachable, the store's lease is read: a cache that missed a renewal (a loaded
 * master's watch lags) does not make a live node unreachable. An agent that registers again after
 * its node was found unreachable (its host booted) counts as a renewal seen at that moment: its
 * lease renewal follows the registration's write of the node.
 */
public final class NodeLifecycleController extends Controller {
  private static final Logger LOG = LoggerFactory.getLogger(NodeLifecycleController.class);

  /** Namespace of node heartbeat leases; the lease is named after the node. */
  public static final String LEASE_NAMESPACE = "drover-node-lease";

  /** NoExecute taint of a node whose agent reports Ready=False. */
  public static final String NOT_READY_TAINT = WellKnown.NOT_READY_TAINT;

  /** NoExecute taint of a node whose heartbeats stopped. */
  public static final String UNREACHABLE_TAINT = WellKnown.UNREACHABLE_TAINT;

  /**
   * Reason of the Ready=False condition this controller sets on the pods of an unreachable node.
   */
  public static final String UNREACHABLE_POD_REASON = "NodeUnreachable";

  /** Reason of the Ready=Unknown condition this controller sets. */
  public static final String STATUS_UNKNOWN_REASON = "NodeStatusUnknown";

  // Reason of the Ready=True condition this controller sets when an unreachable node renews.
  private static final String LEASE_RENEWED_REASON = "NodeLeaseRenewed";

  /** Default time without lease renewal before a node is considered unreachable. */
  public static final Duration DEFAULT_GRACE = Duration.ofSeconds(6);

  // How soon a node is judged again when the cache was found behind the store.
  private static final Duration CACHE_RECHECK = Duration.ofMillis(200);

  /** Default toleration of pods for the not-ready and unreachable taints. */
  public static final Duration DEFAULT_TOLERATION = Duration.ofSeconds(4);

  private final Duration grace;
  private final Duration defaultToleration;

  /** Per node, the lease renew time last seen and the time its grace counts from. */
  private final Map<String, Heartbeat> heartbeats = new ConcurrentHashMap<>();

  /**
   * Nodes that may have pods marked not ready by a controller (every node at first: a previous
   * active master may have marked them).
   */
  private final Set<String> nodesWithMarkedPods = ConcurrentHashMap.newKeySet();

  /** Nodes this controller found past their grace and has not seen renew since. */
  private final Set<String> foundUnreachable = ConcurrentHashMap.newKeySet();

  /**
   * A renew time as this controller saw it: {@code seenAt}, on its own clock, is when its grace
   * starts; {@code renewed} once it saw the time change (not just the value the lease had when it
   * started).
   */
  private record Heartbeat(Instant renewTime, Instant seenAt, boolean renewed) {}

  /** Creates the controller with explicit timings. */
  public NodeLifecycleController(
      ControllerContext context, Duration grace, Duration defaultToleration, Duration resync) {
    super("node-lifecycle-controller", context, 1, resync);
    this.grace = grace;
    this.defaultToleration = defaultToleration;
    ResourceHandler byNode =
        new ResourceHandler() {
          @Override
          public void onAdd(Message object) {
            enqueue(object);
          }

          @Override
          public void onUpdate(Message oldObject, Message newObject) {
            enqueue(newObject);
          }
        };
    cache.addHandler(Kind.KIND_NODE, byNode);
    cache.addHandler(Kind.KIND_LEASE, ResourceHandler.onAnyChange(this::enqueueLease));
    cache.addHandler(
        Kind.KIND_POD,
        new ResourceHandler() {
          @Override
          public void onAdd(Message object) {
            enqueuePodNode((Pod) object);
          }

          @Override
          public void onUpdate(Message oldObject, Message newObject) {
            enqueuePodNode((Pod) newObject);
          }
        });
  }

  /** Creates the controller with the default timings and a 30 s resync. */
  public NodeLifecycleController(ControllerContext context) {
    this(context, DEFAULT_GRACE, DEFAULT_TOLERATION, Duration.ofSeconds(30));
  }

  private void enqueueLease(Message lease) {
    ObjectMeta meta = ApiObjects.meta(lease);
    if (LEASE_NAMESPACE.equals(meta.getNamespace())) {
      queue.add(meta.getName());
    }
  }

  private void enqueuePodNode(Pod pod) {
    String node = pod.getSpec().getNodeName();
    if (!node.isEmpty() && !pod.getMetadata().hasDeletionTime()) {
      cache
          .<Node>get(Kind.KIND_NODE, "", node)
          .filter(
              n ->
                  n.getSpec().getTaintsList().stream()
                      .anyMatch(t -> t.getEffect() == TaintEffect.TAINT_EFFECT_NO_EXECUTE))
          .ifPresent(n -> queue.add(node));
    }
  }

  @Override
  protected List<String> allKeys() {
    return cache.<Node>list(Kind.KIND_NODE, "", null).stream().map(ApiObjects::key).toList();
  }

  @Override
  protected void sync(String name) {
    Optional<Node> found = cache.get(Kind.KIND_NODE, "", name);
    if (found.isEmpty()) {
      heartbeats.remove(name);
      nodesWithMarkedPods.remove(name);
      foundUnreachable.remove(name);
      return;
    }
    Node node = found.get();
    Instant now = clock.instant();
    Optional<Lease> lease = cache.get(Kind.KIND_LEASE, LEASE_NAMESPACE, name);
    Instant lastRenew = lastHeartbeat(node, lease);
    boolean reRegistered = reRegistered(name, node);
    Heartbeat beat =
        heartbeats.compute(
            name,
            (k, old) -> {
              if (old == null) {
                nodesWithMarkedPods.add(name);
                return new Heartbeat(lastRenew, now, false);
              }
              if (!old.renewTime().equals(lastRenew)) {
                return new Heartbeat(lastRenew, seenAt(lastRenew, now), true);
              }
              // The agent registered again (its host booted): a sign of life, as a status
              // update is one in Kubernetes. Its first renewal follows the registration.
              return reRegistered ? new Heartbeat(lastRenew, now, true) : old;
            });
    Instant expiry = beat.seenAt().plus(graceOf(lease));
    Optional<Condition> ready = readyCondition(node);
    boolean fresh = now.isBefore(expiry);
    if (fresh
        && !beat.renewed()
        && ready.isPresent()
        && markedUnreachable(ready.get())
        && !(ready.get().hasLastTransitionTime()
            && lastRenew.isAfter(ApiObjects.instant(ready.get().getLastTransitionTime())))) {
      // Marked unreachable before this controller started, and not renewed since: the fresh
      // grace is for nodes that were live, not for one already found dead.
      fresh = false;
    }
    if (!fresh) {
      foundUnreachable.add(name);
      boolean markNow =
          ready.isEmpty() || ready.get().getStatus() != ConditionStatus.CONDITION_STATUS_UNKNOWN;
      if (markNow && cacheBehindStore(name, lease)) {
        // The store holds a newer lease than this cache: the node renewed and the cache has not
        // caught up yet (a loaded master's watch lags). Judge again once it has.
        queue.addAfter(name, CACHE_RECHECK);
        return;
      }
      if (markNow) {
        LOG.info(
            "node {} has not renewed its lease since {} (grace {}): Ready=Unknown",
            name,
            lastRenew,
            grace);
        node =
            setReady(
                node,
                ConditionStatus.CONDITION_STATUS_UNKNOWN,
                STATUS_UNKNOWN_REASON,
                "Node stopped renewing its lease at " + lastRenew);
        events.warning(node, "NodeNotReady", "Node " + name + " status is now: NodeNotReady");
      }
      node = setTaints(node, true, false);
      markPodsNotReady(name);
    } else {
      foundUnreachable.remove(name);
      queue.addAfter(name, Duration.between(now, expiry));
      if (ready.isPresent() && markedUnreachable(ready.get())) {
        node =
            setReady(
                node,
                ConditionStatus.CONDITION_STATUS_TRUE,
                LEASE_RENEWED_REASON,
                "Node renewed its lease again");
        events.normal(node, "NodeReady", "Node " + name + " status is now: NodeReady");
      }
      boolean notReady =
          readyCondition(node)
              .map(c -> c.getStatus() == ConditionStatus.CONDITION_STATUS_FALSE)
              .orElse(false);
      node = setTaints(node, false, notReady);
      restoreMarkedPods(name);
    }
    evictPods(node, now);
  }

  // Nobody vouches for the pods of an unreachable node any more: mark them not ready so that
  // endpoints stop sending traffic there at once, before the eviction (as Kubernetes does).
  private void markPodsNotReady(String nodeName) {
    nodesWithMarkedPods.add(nodeName);
    setPodsReady(
        nodeName,
        Pods::isReady,
        ConditionStatus.CONDITION_STATUS_FALSE,
        UNREACHABLE_POD_REASON,
        "Node " + nodeName + " stopped renewing its lease");
  }

  // The node renews its lease again. Its agent reports a pod's status only when the status it
  // computes changes, so a pod this controller marked not ready would stay so: turn Ready back
  // for the pods that still carry the mark. Any report from the agent since the mark replaced
  // the condition (and the write is a compare-and-swap on the pod), so the agent's word wins.
  private void restoreMarkedPods(String nodeName) {
    if (!nodesWithMarkedPods.contains(nodeName)) {
      return;
    }
    boolean clean =
        setPodsReady(
            nodeName,
            p ->
                Pods.isActive(p)
                    && Pods.readyCondition(p)
                        .map(
                            c ->
                                c.getStatus() == ConditionStatus.CONDITION_STATUS_FALSE
                                    && UNREACHABLE_POD_REASON.equals(c.getReason()))
                        .orElse(false),
            ConditionStatus.CONDITION_STATUS_TRUE,
            "NodeReachable",
            "Node " + nodeName + " renews its lease again; ready as its agent last reported");
    if (clean) {
      nodesWithMarkedPods.remove(nodeName);
    }
  }

  // Sets the Ready condition of the pods of the node that match; true when every write
  // succeeded (a conflict requeues the node shortly).
  private boolean setPodsReady(
      String nodeName, Predicate<Pod> which, ConditionStatus value, String reason, String message) {
    var now = ApiObjects.timestamp(clock.instant());
    boolean clean = true;
    for (Pod pod : cache.podsOn(nodeName)) {
      if (!which.test(pod)) {
        continue;
      }
      PodStatus.Builder status = pod.getStatus().toBuilder().clearConditions();
      for (Condition c : pod.getStatus().getConditionsList()) {
        status.addConditions(
            Pods.READY.equals(c.getType())
                ? c.toBuilder()
                    .setStatus(value)
                    .setReason(reason)
                    .setMessage(message)
                    .setLastTransitionTime(now)
                    .build()
                : c);
      }
      try {
        writer.updateStatus(pod.toBuilder().setStatus(status).build());
      } catch (WriteException e) {
        if (e.reason() == WriteException.Reason.CONFLICT) {
          // Someone wrote the pod meanwhile; look again shortly, the other pods go on.
          clean = false;
          queue.addAfter(nodeName, Duration.ofMillis(100));
        } else if (!isGone(e)) {
          throw e;
        }
      }
    }
    return clean;
  }

  // When a renewal seen at {@code now} counts from: its own renew time when that is plausible
  // (not ahead of this clock, and within the grace), so that the watch's and this queue's delay
  // under load is not added to the grace; else the moment it was seen.
  private Instant seenAt(Instant renewTime, Instant now) {
    return !renewTime.isAfter(now) && renewTime.isAfter(now.minus(grace)) ? renewTime : now;
  }

  /**
   * Whether the agent replaced the node's status since this controller found it unreachable: the
   * Ready condition is not one this controller wrote. Registration writes the node (its status the
   * agent's report; its taints kept or, without node credentials, replaced) before its first lease
   * renewal; without this, the node would be found unreachable once more between the two writes.
   */
  private boolean reRegistered(String name, Node node) {
    return foundUnreachable.contains(name)
        && readyCondition(node)
            .map(
                c ->
                    !STATUS_UNKNOWN_REASON.equals(c.getReason())
                        && !LEASE_RENEWED_REASON.equals(c.getReason()))
            .orElse(false);
  }

  private static boolean markedUnreachable(Condition ready) {
    return ready.getStatus() == ConditionStatus.CONDITION_STATUS_UNKNOWN
        && STATUS_UNKNOWN_REASON.equals(ready.getReason());
  }

  /**
   * The grace of a node's current lease: the controller's grace period, or less for a lease its
   * holder let go (empty holder, as a Kubernetes lease released by its holder): such a lease runs
   * out its own duration after its renew time. The master that served a node's session releases the
   * lease when that session's connection dies, so a dead agent is found after one heartbeat
   * interval while a live one, renewing at once, takes the lease back.
   */
  private Duration graceOf(Optional<Lease> lease) {
    if (lease.isEmpty() || !isReleased(lease.get().getSpec())) {
      return grace;
    }
    Duration own = Duration.ofSeconds(lease.get().getSpec().getLeaseDurationSeconds());
    return own.compareTo(grace) < 0 ? own : grace;
  }

  private static boolean isReleased(LeaseSpec spec) {
    return spec.getHolderIdentity().isEmpty()
        && spec.hasRenewTime()
        && spec.getLeaseDurationSeconds() > 0;
  }

  /**
   * Before a node is marked unreachable: whether the store's lease (a linearizable read) differs
   * from the cache's, i.e. the cache missed a renewal. One read per node about to be marked, not
   * per sync.
   */
  private boolean cacheBehindStore(String name, Optional<Lease> cached) {
    Optional<Lease> stored = writer.fetch(Kind.KIND_LEASE, LEASE_NAMESPACE, name);
    if (stored.isEmpty() || cached.isEmpty()) {
      return stored.isPresent() != cached.isPresent();
    }
    return stored.get().getMetadata().getResourceVersion()
        > cached.get().getMetadata().getResourceVersion();
  }

  private static Instant lastHeartbeat(Node node, Optional<Lease> lease) {
    if (lease.isPresent()) {
      if (lease.get().getSpec().hasRenewTime()) {
        return ApiObjects.instant(lease.get().getSpec().getRenewTime());
      }
      return ApiObjects.instant(lease.get().getMetadata().getCreationTime());
    }
    return ApiObjects.instant(node.getMetadata().getCreationTime());
  }

  private static Optional<Condition> readyCondition(Node node) {
    return node.getStatus().getConditionsList().stream()
        .filter(c -> Pods.READY.equals(c.getType()))
        .findFirst();
  }

  private Node setReady(Node node, ConditionStatus value, String reason, String message) {
    var now = ApiObjects.timestamp(clock.instant());
    NodeStatus.Builder status = node.getStatus().toBuilder().clearConditions();
    boolean found = false;
    for (Condition c : node.getStatus().getConditionsList()) {
      if (Pods.READY.equals(c.getType())) {
        found = true;
        status.addConditions(
            c.toBuilder()
                .setStatus(value)
                .setReason(reason)
                .setMessage(message)
                .setLastTransitionTime(now));
      } else {
        status.addConditions(c);
      }
    }
    if (!found) {
      status.addConditions(
          Condition.newBuilder()
              .setType(Pods.READY)
              .setStatus(value)
              .setReason(reason)
              .setMessage(message)
              .setLastTransitionTime(now));
    }
    return writer.updateStatus(node.toBuilder().setStatus(status).build());
  }

  private Node setTaints(Node node, boolean unreachable, boolean notReady) {
    List<Taint> taints = new ArrayList<>();
    boolean hasUnreachable = false;
    boolean hasNotReady = false;
    for (Taint t : node.getSpec().getTaintsList()) {
      boolean isUnreachable = isLifecycleTaint(t, UNREACHABLE_TAINT);
      boolean isNotReady = isLifecycleTaint(t, NOT_READY_TAINT);
      if ((isUnreachable && !unreachable) || (isNotReady && !notReady)) {
        continue;
      }
      hasUnreachable |= isUnreachable;
      hasNotReady |= isNotReady;
      taints.add(t);
    }
    if (unreachable && !hasUnreachable) {
      taints.add(lifecycleTaint(UNREACHABLE_TAINT));
    }
    if (notReady && !hasNotReady) {
      taints.add(lifecycleTaint(NOT_READY_TAINT));
    }
    if (taints.equals(node.getSpec().getTaintsList())) {
      return node;
    }
    NodeSpec spec = node.getSpec().toBuilder().clearTaints().addAllTaints(taints).build();
    return writer.update(node.toBuilder().setSpec(spec).build());
  }

  private static boolean isLifecycleTaint(Taint t, String key) {
    return key.equals(t.getKey()) && t.getEffect() == TaintEffect.TAINT_EFFECT_NO_EXECUTE;
  }

  private Taint lifecycleTaint(String key) {
    return Taint.newBuilder()
        .setKey(key)
        .setEffect(TaintEffect.TAINT_EFFECT_NO_EXECUTE)
        .setTimeAdded(ApiObjects.timestamp(clock.instant()))
        .build();
  }

  private void evictPods(Node node, Instant now) {
    List<Taint> noExecute =
        node.getSpec().getTaintsList().stream()
            .filter(t -> t.getEffect() == TaintEffect.TAINT_EFFECT_NO_EXECUTE)
            .toList();
    if (noExecute.isEmpty()) {
      return;
    }
    String name = node.getMetadata().getName();
    for (Pod pod : cache.podsOn(name)) {
      if (pod.getMetadata().hasDeletionTime()) {
        continue;
      }
      Optional<Instant> evictAt = evictionTime(pod, noExecute);
      if (evictAt.isEmpty()) {
        continue;
      }
      if (now.isBefore(evictAt.get())) {
        queue.addAfter(name, Duration.between(now, evictAt.get()));
        continue;
      }
      ObjectMeta meta = pod.getMetadata();
      try {
        writer.delete(
            Kind.KIND_POD,
            meta.getNamespace(),
            meta.getName(),
            DeleteOptions.withUid(meta.getUid()));
        events.warning(
            pod,
            "Evicted",
            "Evicted from node " + name + ": NoExecute taint not tolerated any longer");
      } catch (WriteException e) {
        if (!isGone(e)) {
          throw e;
        }
      }
    }
  }

  // When the pod must leave: the earliest expiry over the NoExecute taints, or empty when it
  // tolerates all of them forever.
  private Optional<Instant> evictionTime(Pod pod, List<Taint> taints) {
    Instant earliest = null;
    for (Taint taint : taints) {
      Instant added =
          taint.hasTimeAdded() ? ApiObjects.instant(taint.getTimeAdded()) : clock.instant();
      Optional<Toleration> toleration =
          Tolerations.firstMatching(pod.getSpec().getTolerationsList(), taint);
      Duration allowed;
      if (toleration.isPresent()) {
        Optional<Duration> time = Tolerations.tolerationTime(toleration.get());
        if (time.isEmpty()) {
          continue;
        }
        allowed = time.get();
      } else if (taint.getKey().equals(UNREACHABLE_TAINT)
          || taint.getKey().equals(NOT_READY_TAINT)) {
        allowed = defaultToleration;
      } else {
        allowed = Duration.ZERO;
      }
      Instant at = added.plus(allowed);
      if (earliest == null || at.isBefore(earliest)) {
        earliest = at;
      }
    }
    return Optional.ofNullable(earliest);
  }
}
