package dev.drover.master.cache;

import dev.drover.api.ApiObjects;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.Object;
import dev.drover.master.registry.Objects;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/**
 * The objects of every kind in memory, ordered by namespace and name, each kind with a window of
 * its recent changes: the current state answers reads and selectors, the window lets a watch resume
 * from an older revision and a listing page come from an older snapshot.
 *
 * <p>Its monitor is the cache's lock. Every method takes it; a caller that needs several steps to
 * see one state (a watch's replay and registration, a relist and the watchers it expires) holds it
 * around them.
 */
final class ObjectIndex {
  /** One store change to apply: {@code object} is null for a deletion. */
  record Update(Kind kind, String namespace, String name, long revision, Object object) {}

  /** The objects and recent history of one kind. */
  private static final class KindState {
    NavigableMap<String, Object> objects = new TreeMap<>();
    final ArrayDeque<Change> window = new ArrayDeque<>();

    /** Every change after this revision is in the window. */
    long windowStart;
  }

  private final Map<Kind, KindState> kinds = new EnumMap<>(Kind.class);

  /**
   * The current pods bound to each node, keyed by {@link #sortKey}: a node's watch of its pods
   * starts from its own pods instead of a scan of every pod in the cluster.
   */
  private final Map<String, NavigableMap<String, Object>> podsByNode = new HashMap<>();

  private final int windowPerKind;
  private volatile long revision;

  /** An empty index keeping the last {@code windowPerKind} changes of each known kind. */
  ObjectIndex(int windowPerKind) {
    this.windowPerKind = windowPerKind;
    for (Kind k : Kind.values()) {
      if (Objects.known(k)) {
        kinds.put(k, new KindState());
      }
    }
  }

  /** The key objects are ordered by: namespace, then name. */
  static String sortKey(String namespace, String name) {
    return namespace + "\u0000" + name;
  }

  /** The node a pod is bound to; empty for an unbound pod, another kind or null. */
  static String nodeOf(Object o) {
    return o != null && o.hasPod() ? o.getPod().getSpec().getNodeName() : "";
  }

  /** The latest store revision the index reflects. */
  long revision() {
    return revision;
  }

  /**
   * Replaces every kind's objects with those of {@code fresh} (keyed by {@link #sortKey}; the index
   * keeps these maps) at revision {@code rev}, forgetting the windows; returns each kind's objects
   * from before.
   */
  synchronized Map<Kind, NavigableMap<String, Object>> reset(
      Map<Kind, ? extends NavigableMap<String, Object>> fresh, long rev) {
    Map<Kind, NavigableMap<String, Object>> before = new EnumMap<>(Kind.class);
    for (var e : kinds.entrySet()) {
      KindState st = e.getValue();
      before.put(e.getKey(), st.objects);
      NavigableMap<String, Object> now = fresh.get(e.getKey());
      st.objects = now != null ? now : new TreeMap<>();
      st.window.clear();
      st.windowStart = rev;
    }
    podsByNode.clear();
    for (var e : kinds.get(Kind.KIND_POD).objects.entrySet()) {
      placePod(e.getKey(), null, e.getValue());
    }
    revision = rev;
    notifyAll();
    return before;
  }

  /**
   * Applies one store batch in order and returns its changes (deleting what the index does not hold
   * is none); the revision then is at least {@code progress}. Wakes {@link #awaitRevision}.
   */
  synchronized List<Change> apply(List<Update> updates, long progress) {
    List<Change> changes = new ArrayList<>(updates.size());
    for (Update u : updates) {
      KindState st = kinds.get(u.kind());
      String sk = sortKey(u.namespace(), u.name());
      Object previous = st.objects.get(sk);
      Change c;
      if (u.object() == null) {
        if (previous == null) {
          continue;
        }
        st.objects.remove(sk);
        if (u.kind() == Kind.KIND_POD) {
          placePod(sk, previous, null);
        }
        Object last =
            ApiObjects.withMeta(
                previous,
                ApiObjects.meta(previous).toBuilder().setResourceVersion(u.revision()).build());
        c = new Change(u.revision(), u.kind(), sk, u.namespace(), last, previous, true);
      } else {
        st.objects.put(sk, u.object());
        if (u.kind() == Kind.KIND_POD) {
          placePod(sk, previous, u.object());
        }
        c = new Change(u.revision(), u.kind(), sk, u.namespace(), u.object(), previous, false);
      }
      st.window.addLast(c);
      while (st.window.size() > windowPerKind) {
        st.windowStart = st.window.removeFirst().revision();
      }
      changes.add(c);
      revision = Math.max(revision, u.revision());
    }
    revision = Math.max(revision, progress);
    notifyAll();
    return changes;
  }

  /** Moves pod {@code sk} in the by-node index from where {@code before} was to {@code now}. */
  private void placePod(String sk, Object before, Object now) {
    String from = nodeOf(before);
    String to = nodeOf(now);
    if (!from.isEmpty() && !from.equals(to)) {
      NavigableMap<String, Object> on = podsByNode.get(from);
      if (on != null) {
        on.remove(sk);
        if (on.isEmpty()) {
          podsByNode.remove(from);
        }
      }
    }
    if (!to.isEmpty()) {
      podsByNode.computeIfAbsent(to, n -> new TreeMap<>()).put(sk, now);
    }
  }

  /**
   * The current pods bound to {@code node}, ordered by namespace and name, live: read them while
   * holding this index's monitor.
   */
  synchronized Collection<Object> podsOn(String node) {
    NavigableMap<String, Object> on = podsByNode.get(node);
    return on == null ? List.of() : on.values();
  }

  /** One object, if held. */
  synchronized Optional<Object> get(Kind kind, String namespace, String name) {
    return Optional.ofNullable(kinds.get(kind).objects.get(sortKey(namespace, name)));
  }

  /** Every current object of a kind matching the filter, ordered by namespace and name. */
  synchronized List<Object> list(Kind kind, Predicate<Object> filter) {
    List<Object> out = new ArrayList<>();
    for (Object o : kinds.get(kind).objects.values()) {
      if (filter.test(o)) {
        out.add(o);
      }
    }
    return out;
  }

  /** A copy of the pods bound to {@code node}, ordered by namespace and name. */
  synchronized List<Object> listPodsOn(String node) {
    return new ArrayList<>(podsOn(node));
  }

  /** Number of objects held. */
  synchronized int size() {
    int n = 0;
    for (KindState st : kinds.values()) {
      n += st.objects.size();
    }
    return n;
  }

  /** Number of objects of one kind. */
  synchronized int size(Kind kind) {
    return kinds.get(kind).objects.size();
  }

  /** The current objects of a kind, live: read them while holding this index's monitor. */
  synchronized Collection<Object> objects(Kind kind) {
    return kinds.get(kind).objects.values();
  }

  /**
   * The window's changes of a kind after {@code rev}, oldest first.
   *
   * @throws ExpiredException when the window no longer reaches back to {@code rev}
   */
  synchronized List<Change> changesAfter(Kind kind, long rev) {
    KindState st = kinds.get(kind);
    requireInWindow(kind, st, rev);
    List<Change> out = new ArrayList<>();
    for (Change c : st.window) {
      if (c.revision() > rev) {
        out.add(c);
      }
    }
    return out;
  }

  /**
   * The objects of a kind at revision {@code rev} (0: now), keyed by {@link #sortKey}. The current
   * state is returned live (read it while holding this index's monitor); an older one is a copy,
   * the current objects with the window's later changes undone.
   *
   * @throws ExpiredException when {@code rev} is older than the window or newer than the index
   */
  synchronized NavigableMap<String, Object> objectsAt(Kind kind, long rev) {
    KindState st = kinds.get(kind);
    if (rev <= 0 || rev == revision) {
      return st.objects;
    }
    requireInWindow(kind, st, rev);
    if (rev > revision) {
      throw new ExpiredException(
          "resource_version " + rev + " is newer than this master has seen (" + revision + ")");
    }
    TreeMap<String, Object> copy = new TreeMap<>(st.objects);
    Iterator<Change> it = st.window.descendingIterator();
    while (it.hasNext()) {
      Change c = it.next();
      if (c.revision() <= rev) {
        break;
      }
      if (c.previous() == null) {
        copy.remove(c.sortKey());
      } else {
        copy.put(c.sortKey(), c.previous());
      }
    }
    return copy;
  }

  private static void requireInWindow(Kind kind, KindState st, long rev) {
    if (rev < st.windowStart) {
      throw new ExpiredException(
          "resource_version "
              + rev
              + " of "
              + kind
              + " is older than the cache keeps (from "
              + st.windowStart
              + ")");
    }
  }

  /**
   * Waits until the index reflects at least {@code rev}; false on timeout or once {@code stop} says
   * so. {@code nudge} runs when the wait starts and after each wake-up short of {@code rev} (the
   * feed asks the store for a progress notification, so an idle store does not delay it).
   */
  synchronized boolean awaitRevision(
      long rev, Duration timeout, BooleanSupplier stop, Runnable nudge) {
    long deadline = System.nanoTime() + timeout.toNanos();
    boolean asked = false;
    while (revision < rev) {
      long left = deadline - System.nanoTime();
      if (left <= 0 || stop.getAsBoolean()) {
        return revision >= rev;
      }
      if (!asked) {
        nudge.run();
        asked = true;
      }
      try {
        wait(Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(left), 200)));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
      if (revision < rev) {
        nudge.run();
      }
    }
    return true;
  }

  /** Wakes every {@link #awaitRevision} so it sees the cache closing. */
  synchronized void wakeAll() {
    notifyAll();
  }
}
