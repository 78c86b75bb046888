package dev.drover.master.cache;

import dev.drover.api.v1.Kind;
import dev.drover.api.v1.Object;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The in-process listeners of each kind and the calls the index's changes owe them. The feed
 * collects the calls while it applies a batch or a relist and runs them afterwards on its dispatch
 * thread, so listeners see changes in revision order and never under the index's lock.
 */
final class CacheListeners {
  private static final Logger LOG = LoggerFactory.getLogger(CacheListeners.class);

  private final Map<Kind, List<CacheListener>> byKind = new ConcurrentHashMap<>();

  void add(Kind kind, CacheListener listener) {
    byKind.computeIfAbsent(kind, k -> new CopyOnWriteArrayList<>()).add(listener);
  }

  void remove(Kind kind, CacheListener listener) {
    byKind.getOrDefault(kind, List.of()).remove(listener);
  }

  /** Adds to {@code out} the calls that tell each listener of its kind about {@code changes}. */
  void callsFor(List<Change> changes, List<Runnable> out) {
    for (Change c : changes) {
      for (CacheListener l : byKind.getOrDefault(c.kind(), List.of())) {
        if (c.deleted()) {
          out.add(() -> l.onDelete(c.object()));
        } else if (c.previous() == null) {
          out.add(() -> l.onAdd(c.object()));
        } else {
          out.add(() -> l.onUpdate(c.previous(), c.object()));
        }
      }
    }
  }

  /**
   * Adds to {@code out} the calls that take the listeners of {@code kind} from the objects {@code
   * before} a relist to those {@code after} it (each map keyed by object).
   */
  void callsFor(
      Kind kind, Map<String, Object> before, Map<String, Object> after, List<Runnable> out) {
    List<CacheListener> ls = byKind.getOrDefault(kind, List.of());
    if (ls.isEmpty()) {
      return;
    }
    for (var e : after.entrySet()) {
      Object old = before.get(e.getKey());
      Object now = e.getValue();
      if (old == null) {
        ls.forEach(l -> out.add(() -> l.onAdd(now)));
      } else if (!old.equals(now)) {
        ls.forEach(l -> out.add(() -> l.onUpdate(old, now)));
      }
    }
    for (var e : before.entrySet()) {
      if (!after.containsKey(e.getKey())) {
        ls.forEach(l -> out.add(() -> l.onDelete(e.getValue())));
      }
    }
  }

  /** Runs listener calls in order; one that throws is logged and does not stop the others. */
  static void run(List<Runnable> calls) {
    for (Runnable call : calls) {
      try {
        call.run();
      } catch (RuntimeException ex) {
        LOG.warn("watch cache: a listener failed", ex);
      }
    }
  }
}
