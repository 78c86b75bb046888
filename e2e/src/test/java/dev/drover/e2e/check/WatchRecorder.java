package dev.drover.e2e.check;

import dev.drover.api.v1.Kind;
import dev.drover.api.v1.WatchEvent;
import dev.drover.api.v1.WatchEventType;
import dev.drover.api.v1.WatchRequest;
import dev.drover.client.DroverClient;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SortedSet;

/**
 * One watcher of a namespace's ConfigMaps through the client's resuming watch, recording what it
 * delivered: each event's resource version, and each explicit Expired (a relist at some version).
 * {@link #check} holds it to the watch guarantees against the merged history of every write and
 * every watcher: versions strictly increasing, none delivered twice, and no version of the merged
 * history missing between its start and its last event, except in a gap an Expired relist made
 * explicit.
 */
public final class WatchRecorder implements AutoCloseable {

  /** One delivered item: an event at {@code rv}, or a relist at {@code rv} (after Expired). */
  private record Item(long rv, boolean relist) {}

  private final String name;
  private final long start;
  private final List<Item> items = new ArrayList<>();
  private final DroverClient.WatchStream stream;
  private volatile Status closedWith;

  /** Watches {@code namespace}'s ConfigMaps from {@code fromRv} through {@code client}. */
  public WatchRecorder(String name, DroverClient client, String namespace, long fromRv) {
    this.name = name;
    this.start = fromRv;
    this.stream =
        client.watch(
            WatchRequest.newBuilder()
                .setKind(Kind.KIND_CONFIG_MAP)
                .setNamespace(namespace)
                .setResourceVersion(fromRv)
                .build(),
            new DroverClient.WatchListener() {
              @Override
              public void onEvent(WatchEvent event) {
                if (event.getType() != WatchEventType.WATCH_EVENT_TYPE_BOOKMARK) {
                  record(new Item(event.getResourceVersion(), false));
                }
              }

              @Override
              public void onRelist(List<dev.drover.api.v1.Object> objects, long resourceVersion) {
                record(new Item(resourceVersion, true));
              }

              @Override
              public void onClosed(Status status) {
                closedWith = status;
              }
            });
  }

  private synchronized void record(Item item) {
    items.add(item);
  }

  /** The versions of every event delivered. */
  public synchronized Set<Long> delivered() {
    Set<Long> out = new HashSet<>();
    for (Item i : items) {
      if (!i.relist()) {
        out.add(i.rv());
      }
    }
    return out;
  }

  /** How many events it delivered. */
  public synchronized int events() {
    return (int) items.stream().filter(i -> !i.relist()).count();
  }

  /** How many explicit Expired relists it went through. */
  public synchronized int relists() {
    return (int) items.stream().filter(Item::relist).count();
  }

  /**
   * The violations of this watcher against {@code merged}, every resource version of the history
   * (acknowledged writes and every watcher's events) in the watched namespace.
   */
  public synchronized List<String> check(SortedSet<Long> merged) {
    List<String> out = new ArrayList<>();
    if (closedWith != null && !closedWith.isOk()) {
      out.add(name + ": watch ended for good with " + closedWith);
    }
    long last = start;
    Set<Long> seen = new HashSet<>();
    // Gaps an Expired made explicit: (last event before the relist, the relist's version].
    List<long[]> excused = new ArrayList<>();
    for (Item i : items) {
      if (i.relist()) {
        excused.add(new long[] {last, i.rv()});
        last = Math.max(last, i.rv());
        continue;
      }
      if (!seen.add(i.rv())) {
        out.add(name + ": event at " + i.rv() + " delivered twice");
      } else if (i.rv() <= last) {
        out.add(name + ": event at " + i.rv() + " after " + last + " (out of order)");
      }
      last = Math.max(last, i.rv());
    }
    for (long rv : merged.subSet(start + 1, last + 1)) {
      if (!seen.contains(rv) && excused.stream().noneMatch(g -> rv > g[0] && rv <= g[1])) {
        out.add(
            name + ": no event at " + rv + " (between its start " + start + " and " + last + ")");
      }
    }
    return out;
  }

  @Override
  public void close() {
    stream.close();
  }
}
