package dev.drover.cluster;

import dev.drover.api.v1.Condition;
import dev.drover.api.v1.ConditionStatus;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.ListRequest;
import dev.drover.api.v1.ListResponse;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodPhase;
import dev.drover.api.v1.WatchEvent;
import dev.drover.api.v1.WatchEventType;
import dev.drover.client.DroverClient;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Records the pods of a namespace as a watch sees them: after every event (every store revision
 * that touched a pod, in order) it takes a {@link Sample} of the pods the predicate selects. So an
 * invariant checked over the samples held at every moment the store went through, not only when a
 * test happened to poll. The watch resumes on another master when one dies.
 *
 * <p>A pod counts as live while it is not being deleted and has not finished; as ready while live
 * with condition Ready=True (what a rolling update may count on).
 */
public final class PodTimeline implements AutoCloseable {
  /**
   * The selected pods at one store revision, and what changed there ({@code cause}: the event type,
   * the pod, and its Ready condition's status and reason), so a broken bound says why.
   */
  public record Sample(
      long revision, int live, int ready, Map<String, Integer> liveByImage, String cause) {}

  private final Predicate<Pod> selected;
  private final Map<String, Pod> pods = new HashMap<>();
  private final List<Sample> samples = new ArrayList<>();
  private final DroverClient.WatchStream stream;

  private PodTimeline(DroverClient client, String namespace, Predicate<Pod> selected) {
    this.selected = selected;
    ListResponse initial =
        client.listAll(
            ListRequest.newBuilder().setKind(Kind.KIND_POD).setNamespace(namespace).build());
    synchronized (this) {
      initial.getItemsList().forEach(o -> pods.put(o.getPod().getMetadata().getName(), o.getPod()));
      sample(initial.getResourceVersion(), "initial list");
    }
    stream =
        client
            .pods()
            .watch(
                namespace,
                initial.getResourceVersion(),
                new DroverClient.WatchListener() {
                  @Override
                  public void onEvent(WatchEvent e) {
                    if (e.getType() != WatchEventType.WATCH_EVENT_TYPE_BOOKMARK) {
                      apply(e);
                    }
                  }

                  @Override
                  public void onRelist(List<Object> items, long resourceVersion) {
                    synchronized (PodTimeline.this) {
                      pods.clear();
                      items.forEach(o -> pods.put(o.getPod().getMetadata().getName(), o.getPod()));
                      sample(resourceVersion, "re-list");
                    }
                  }
                });
  }

  /** Starts recording the pods of {@code namespace} that {@code selected} accepts. */
  public static PodTimeline watch(DroverClient client, String namespace, Predicate<Pod> selected) {
    return new PodTimeline(client, namespace, selected);
  }

  private synchronized void apply(WatchEvent e) {
    Pod pod = e.getObject().getPod();
    if (e.getType() == WatchEventType.WATCH_EVENT_TYPE_DELETED) {
      pods.remove(pod.getMetadata().getName());
    } else {
      pods.put(pod.getMetadata().getName(), pod);
    }
    sample(pod.getMetadata().getResourceVersion(), describe(e.getType(), pod));
  }

  private static String describe(WatchEventType type, Pod pod) {
    String ready =
        pod.getStatus().getConditionsList().stream()
            .filter(c -> c.getType().equals("Ready"))
            .map(c -> c.getStatus().name().replace("CONDITION_STATUS_", "") + "/" + c.getReason())
            .findFirst()
            .orElse("none");
    return type.name().replace("WATCH_EVENT_TYPE_", "")
        + " "
        + pod.getMetadata().getName()
        + " on "
        + pod.getSpec().getNodeName()
        + " ready="
        + ready
        + (pod.getMetadata().hasDeletionTime() ? " deleting" : "");
  }

  private void sample(long revision, String cause) {
    int live = 0;
    int ready = 0;
    Map<String, Integer> byImage = new HashMap<>();
    for (Pod p : pods.values()) {
      if (!selected.test(p) || !isLive(p)) {
        continue;
      }
      live++;
      byImage.merge(p.getSpec().getContainers(0).getImage(), 1, Integer::sum);
      if (isReady(p)) {
        ready++;
      }
    }
    samples.add(new Sample(revision, live, ready, Map.copyOf(byImage), cause));
  }

  /** Not being deleted and not finished. */
  public static boolean isLive(Pod p) {
    return !p.getMetadata().hasDeletionTime()
        && p.getStatus().getPhase() != PodPhase.POD_PHASE_SUCCEEDED
        && p.getStatus().getPhase() != PodPhase.POD_PHASE_FAILED;
  }

  /** Live with Ready=True. */
  public static boolean isReady(Pod p) {
    if (!isLive(p)) {
      return false;
    }
    for (Condition c : p.getStatus().getConditionsList()) {
      if (c.getType().equals("Ready")) {
        return c.getStatus() == ConditionStatus.CONDITION_STATUS_TRUE;
      }
    }
    return false;
  }

  /** Number of samples so far; pass it to {@link #since(int)} to look only at later ones. */
  public synchronized int mark() {
    return samples.size();
  }

  /** Samples taken from index {@code mark} on. */
  public synchronized List<Sample> since(int mark) {
    return List.copyOf(samples.subList(mark, samples.size()));
  }

  /** The latest sample. */
  public synchronized Sample last() {
    return samples.get(samples.size() - 1);
  }

  /** The selected pods as last seen (live or not). */
  public synchronized List<Pod> pods() {
    return pods.values().stream().filter(selected).toList();
  }

  @Override
  public void close() {
    stream.close();
  }
}
