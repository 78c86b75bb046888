package dev.drover.master.scheduler;

import com.google.protobuf.Timestamp;
import dev.drover.api.v1.Event;
import dev.drover.api.v1.Node;
import dev.drover.api.v1.ObjectReference;
import dev.drover.api.v1.Pod;
import dev.drover.master.events.EventSink;
import dev.drover.master.scheduler.framework.PodInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * An in-memory stand-in for the master around the scheduler loop: it holds nodes and pods, delivers
 * their changes as watch events, binds by compare-and-swap like the store would, and records status
 * writes, events and evictions for assertions.
 */
final class FakeCluster implements ClusterEventSource, Binder, StatusWriter, EventSink, Evictor {

  final Map<String, Node> nodes = new ConcurrentHashMap<>();
  final Map<String, Pod> pods = new ConcurrentHashMap<>();
  final Map<String, String> unschedulable = new ConcurrentHashMap<>();
  final Map<String, String> nominated = new ConcurrentHashMap<>();
  final Map<String, Integer> bindsPerPod = new ConcurrentHashMap<>();
  final List<Integer> bindBatchSizes = new CopyOnWriteArrayList<>();
  final List<String> events = new CopyOnWriteArrayList<>();
  final List<String> evicted = new CopyOnWriteArrayList<>();

  /** Consulted before each binding; a non-null answer replaces the normal CAS. */
  volatile Function<Binding, Outcome> interceptor = b -> null;

  /** When set, evicted pods stay terminating until a test deletes them (a long grace period). */
  volatile boolean holdEvicted;

  /** Runs at the start of each bind call (e.g. to hold the writer thread). */
  volatile Runnable beforeBind = () -> {};

  private volatile ClusterEventHandler handler;

  static String key(Pod p) {
    return PodInfo.key(p.getMetadata().getNamespace(), p.getMetadata().getName());
  }

  @Override
  public synchronized AutoCloseable subscribe(ClusterEventHandler h) {
    handler = h;
    nodes.values().forEach(h::nodeUpserted);
    pods.values().forEach(h::podUpserted);
    return () -> handler = null;
  }

  synchronized void addNode(Node n) {
    nodes.put(n.getMetadata().getName(), n);
    ClusterEventHandler h = handler;
    if (h != null) {
      h.nodeUpserted(n);
    }
  }

  synchronized void addPod(Pod p) {
    pods.put(key(p), p);
    ClusterEventHandler h = handler;
    if (h != null) {
      h.podUpserted(p);
    }
  }

  synchronized void deletePod(String key) {
    Pod p = pods.remove(key);
    ClusterEventHandler h = handler;
    if (p != null && h != null) {
      h.podDeleted(p);
    }
  }

  /** Binds directly, as another scheduler (or a user) would. */
  synchronized void bindElsewhere(String key, String node) {
    Pod p = pods.get(key);
    addPod(p.toBuilder().setSpec(p.getSpec().toBuilder().setNodeName(node)).build());
  }

  String nodeOf(String key) {
    Pod p = pods.get(key);
    return p == null ? null : p.getSpec().getNodeName();
  }

  @Override
  public List<Outcome> bind(List<Binding> bindings) {
    beforeBind.run();
    bindBatchSizes.add(bindings.size());
    List<Outcome> out = new ArrayList<>();
    for (Binding b : bindings) {
      Outcome o = interceptor.apply(b);
      out.add(o != null ? o : cas(b));
    }
    return out;
  }

  private synchronized Outcome cas(Binding b) {
    String key = PodInfo.key(b.namespace(), b.name());
    Pod p = pods.get(key);
    if (p == null || !p.getMetadata().getUid().equals(b.uid())) {
      return Outcome.POD_GONE;
    }
    if (!p.getSpec().getNodeName().isEmpty()) {
      return Outcome.CONFLICT;
    }
    if (!nodes.containsKey(b.nodeName())) {
      return Outcome.NODE_GONE;
    }
    Pod bound =
        p.toBuilder()
            .setSpec(p.getSpec().toBuilder().setNodeName(b.nodeName()))
            .setMetadata(
                p.getMetadata().toBuilder()
                    .setResourceVersion(p.getMetadata().getResourceVersion() + 1))
            .build();
    addPod(bound);
    // Counted once the bound pod is stored: a test that sees the count sees the binding.
    bindsPerPod.merge(key, 1, Integer::sum);
    return Outcome.BOUND;
  }

  @Override
  public void markUnschedulable(Pod pod, String message) {
    unschedulable.put(key(pod), message);
  }

  @Override
  public void nominate(Pod pod, String nodeName) {
    nominated.put(key(pod), nodeName);
  }

  @Override
  public void write(Event event) {
    ObjectReference pod = event.getInvolvedObject();
    events.add(
        event.getReason()
            + " "
            + PodInfo.key(pod.getNamespace(), pod.getName())
            + ": "
            + event.getMessage());
  }

  /** Graceful eviction: the pod is marked as terminating, then goes away. */
  @Override
  public void evict(Pod victim, String reason) {
    String key = key(victim);
    evicted.add(key);
    synchronized (this) {
      Pod p = pods.get(key);
      if (p == null) {
        return;
      }
      addPod(
          p.toBuilder()
              .setMetadata(
                  p.getMetadata().toBuilder().setDeletionTime(Timestamp.newBuilder().setSeconds(1)))
              .build());
      if (!holdEvicted) {
        deletePod(key);
      }
    }
  }
}
