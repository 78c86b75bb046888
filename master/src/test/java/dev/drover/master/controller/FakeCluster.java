package dev.drover.master.controller;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import dev.drover.api.ApiObjects;
import dev.drover.api.v1.Event;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.LabelSelector;
import dev.drover.api.v1.Namespace;
import dev.drover.api.v1.NamespacePhase;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PropagationPolicy;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * In-memory fake of the store and the watch cache for controller tests. Writes follow the API's
 * rules (uid and resource_version assigned, generation bumped on spec changes, compare-and-swap
 * updates, status subresource, finalizers and foreground/orphan propagation, graceful deletion of
 * bound pods when enabled). Changes reach the cache and the handlers at once, or are held back
 * while {@link #holdEvents()} is in effect to imitate a lagging watch. Changes made inside {@link
 * #unobserved(Runnable)} reach the cache but no handler, as when a watch event is lost.
 */
public final class FakeCluster implements ObjectCache, ObjectWriter {
  /** Finalizer the store adds for a foreground deletion. */
  public static final String FOREGROUND = "foregroundDeletion";

  /** Finalizer the store adds for an orphaning deletion. */
  public static final String ORPHAN = "orphan";

  private final Clock clock;
  private final TreeMap<String, Message> store = new TreeMap<>();
  private final Map<String, Message> cache = new TreeMap<>();
  private final Map<Kind, List<ResourceHandler>> handlers = new EnumMap<>(Kind.class);
  private final Deque<Change> held = new ArrayDeque<>();
  private final List<Event> events = new CopyOnWriteArrayList<>();
  private final List<String> writeLog = new CopyOnWriteArrayList<>();
  private final Object deliveryLock = new Object();
  private long revision;
  private long uids;
  private long names;
  private boolean holding;
  private Kind releaseAfterListOf;
  private boolean silent;
  private boolean boundPodsWaitForAgent;
  private String rejectPodCreates;
  private int pageReads;

  private record Change(String key, Message before, Message after, boolean silent) {}

  /** Creates an empty cluster timed by the clock. */
  public FakeCluster(Clock clock) {
    this.clock = clock;
  }

  /** Context for controllers over this fake. */
  public ControllerContext context() {
    return new ControllerContext(this, this, clock);
  }

  /** From now on, deleting a pod bound to a node waits for {@link #confirmTermination}. */
  public synchronized void boundPodsWaitForAgent(boolean wait) {
    boundPodsWaitForAgent = wait;
  }

  /**
   * From now on, creating a pod fails as the store refuses an invalid object, with {@code message};
   * null accepts pods again.
   */
  public synchronized void rejectPodCreates(String message) {
    rejectPodCreates = message;
  }

  /** Holds back cache updates and handler calls until {@link #releaseEvents()}. */
  public synchronized void holdEvents() {
    holding = true;
  }

  /** Delivers every held change, in order, and stops holding. */
  public void releaseEvents() {
    synchronized (this) {
      holding = false;
    }
    flushIfLive();
  }

  /**
   * Makes the writes so that the cache takes them but no handler hears of them, imitating a watch
   * event that never reached the controllers: only a resync can notice the drift.
   */
  public void unobserved(Runnable writes) {
    synchronized (this) {
      silent = true;
    }
    try {
      writes.run();
    } finally {
      synchronized (this) {
        silent = false;
      }
    }
  }

  private static String storeKey(Kind kind, String namespace, String name) {
    return kind.getNumber() + "|" + namespace + "|" + name;
  }

  private static String storeKey(Message object) {
    ObjectMeta meta = ApiObjects.meta(object);
    return storeKey(ApiObjects.kindOf(object), meta.getNamespace(), meta.getName());
  }

  // ----- ObjectCache -----

  @Override
  @SuppressWarnings("unchecked")
  public synchronized <T extends Message> Optional<T> get(
      Kind kind, String namespace, String name) {
    return Optional.ofNullable((T) cache.get(storeKey(kind, namespace, name)));
  }

  /**
   * Delivers the held changes right after the next list of {@code kind} has taken its snapshot,
   * before that list returns: the watch catching up while a controller works from what it listed.
   */
  public synchronized void releaseEventsAfterNextList(Kind kind) {
    releaseAfterListOf = kind;
  }

  @Override
  public <T extends Message> List<T> list(Kind kind, String namespace, LabelSelector selector) {
    List<T> result = snapshot(kind, namespace, selector);
    boolean release;
    synchronized (this) {
      release = kind == releaseAfterListOf;
      if (release) {
        releaseAfterListOf = null;
      }
    }
    if (release) {
      releaseEvents();
    }
    return result;
  }

  @SuppressWarnings("unchecked")
  private synchronized <T extends Message> List<T> snapshot(
      Kind kind, String namespace, LabelSelector selector) {
    List<T> result = new ArrayList<>();
    for (Message object : cache.values()) {
      ObjectMeta meta = ApiObjects.meta(object);
      if (ApiObjects.kindOf(object) == kind
          && (namespace.isEmpty() || namespace.equals(meta.getNamespace()))
          && Selectors.matches(selector, meta.getLabelsMap())) {
        result.add((T) object);
      }
    }
    return result;
  }

  @Override
  public synchronized void addHandler(Kind kind, ResourceHandler handler) {
    handlers.computeIfAbsent(kind, k -> new CopyOnWriteArrayList<>()).add(handler);
  }

  @Override
  public boolean hasSynced() {
    return true;
  }

  // ----- ObjectWriter -----

  @Override
  public <T extends Message> T create(T object) {
    T stored;
    synchronized (this) {
      Kind kind = ApiObjects.kindOf(object);
      if (kind == Kind.KIND_POD && rejectPodCreates != null) {
        throw new WriteException(WriteException.Reason.INVALID, rejectPodCreates);
      }
      ObjectMeta meta = ApiObjects.meta(object);
      ObjectMeta.Builder b = meta.toBuilder();
      if (meta.getNamespace().isEmpty() && !ApiObjects.isClusterScoped(kind)) {
        b.setNamespace("default");
      }
      if (meta.getName().isEmpty()) {
        if (meta.getGenerateName().isEmpty()) {
          throw new WriteException(WriteException.Reason.INVALID, "metadata.name: required");
        }
        b.setName(meta.getGenerateName() + String.format("%05x", ++names));
      }
      b.setUid("uid-" + (++uids))
          .setResourceVersion(++revision)
          .setGeneration(1)
          .setCreationTime(ApiObjects.timestamp(clock.instant()))
          .clearDeletionTime()
          .clearDeletionGracePeriodSeconds();
      stored = ApiObjects.withMeta(object, b.build());
      String key = storeKey(stored);
      if (store.containsKey(key)) {
        throw new WriteException(WriteException.Reason.ALREADY_EXISTS, key);
      }
      store.put(key, stored);
      writeLog.add("create " + kind + " " + ApiObjects.key(stored));
      publish(key, null, stored);
    }
    flushIfLive();
    return stored;
  }

  @Override
  @SuppressWarnings("unchecked")
  public <T extends Message> T update(T object) {
    T result;
    synchronized (this) {
      String key = storeKey(object);
      Message current = requireCurrent(key, object);
      ObjectMeta oldMeta = ApiObjects.meta(current);
      ObjectMeta in = ApiObjects.meta(object);
      Message.Builder b = object.toBuilder();
      FieldDescriptor status = ApiObjects.field(object.getDescriptorForType(), "status");
      if (status != null) {
        b.setField(status, current.getField(status));
      }
      FieldDescriptor spec = ApiObjects.field(object.getDescriptorForType(), "spec");
      long generation = oldMeta.getGeneration();
      if (spec != null && !current.getField(spec).equals(object.getField(spec))) {
        generation++;
      }
      ObjectMeta.Builder meta =
          in.toBuilder()
              .setUid(oldMeta.getUid())
              .setNamespace(oldMeta.getNamespace())
              .setName(oldMeta.getName())
              .setCreationTime(oldMeta.getCreationTime())
              .setGeneration(generation)
              .setResourceVersion(++revision);
      if (oldMeta.hasDeletionTime()) {
        meta.setDeletionTime(oldMeta.getDeletionTime());
      } else {
        meta.clearDeletionTime();
      }
      result = ApiObjects.withMeta((T) b.build(), meta.build());
      writeLog.add("update " + ApiObjects.kindOf(object) + " " + ApiObjects.key(object));
      if (oldMeta.hasDeletionTime()
          && meta.getFinalizersCount() == 0
          && !waitsForAgent(result)
          && !(result instanceof Namespace)) {
        store.remove(key);
        publish(key, current, null);
      } else {
        store.put(key, result);
        publish(key, current, result);
      }
    }
    flushIfLive();
    return result;
  }

  @Override
  @SuppressWarnings("unchecked")
  public <T extends Message> T updateStatus(T object) {
    T result;
    synchronized (this) {
      String key = storeKey(object);
      Message current = requireCurrent(key, object);
      FieldDescriptor status = ApiObjects.field(object.getDescriptorForType(), "status");
      if (status == null) {
        throw new WriteException(WriteException.Reason.INVALID, key + " has no status");
      }
      Message withStatus = current.toBuilder().setField(status, object.getField(status)).build();
      ObjectMeta meta = ApiObjects.meta(current).toBuilder().setResourceVersion(++revision).build();
      result = (T) ApiObjects.withMeta(withStatus, meta);
      store.put(key, result);
      writeLog.add("status " + ApiObjects.kindOf(object) + " " + ApiObjects.key(object));
      publish(key, current, result);
    }
    flushIfLive();
    return result;
  }

  private Message requireCurrent(String key, Message object) {
    Message current = store.get(key);
    if (current == null) {
      throw new WriteException(WriteException.Reason.NOT_FOUND, key);
    }
    long expected = ApiObjects.meta(object).getResourceVersion();
    long actual = ApiObjects.meta(current).getResourceVersion();
    if (expected != actual) {
      throw new WriteException(
          WriteException.Reason.CONFLICT, key + " is at " + actual + ", not " + expected);
    }
    return current;
  }

  private boolean waitsForAgent(Message object) {
    return boundPodsWaitForAgent
        && object instanceof Pod pod
        && !pod.getSpec().getNodeName().isEmpty();
  }

  @Override
  public void delete(Kind kind, String namespace, String name, DeleteOptions options) {
    if (kind == Kind.KIND_NAMESPACE) {
      // As the registry does: the namespace controller empties and removes it.
      markTerminating(name);
      return;
    }
    synchronized (this) {
      String key = storeKey(kind, namespace, name);
      Message current = store.get(key);
      if (current == null) {
        throw new WriteException(WriteException.Reason.NOT_FOUND, key);
      }
      ObjectMeta meta = ApiObjects.meta(current);
      if (options.uid().isPresent() && !options.uid().get().equals(meta.getUid())) {
        throw new WriteException(
            WriteException.Reason.PRECONDITION_FAILED, key + " has another uid");
      }
      writeLog.add("delete " + kind + " " + ApiObjects.key(namespace, name));
      ObjectMeta.Builder b = meta.toBuilder();
      if (options.propagation() == PropagationPolicy.PROPAGATION_POLICY_FOREGROUND
          && !meta.getFinalizersList().contains(FOREGROUND)) {
        b.addFinalizers(FOREGROUND);
      } else if (options.propagation() == PropagationPolicy.PROPAGATION_POLICY_ORPHAN
          && !meta.getFinalizersList().contains(ORPHAN)) {
        b.addFinalizers(ORPHAN);
      }
      boolean graceful =
          b.getFinalizersCount() > 0
              || (waitsForAgent(current) && options.gracePeriodSeconds().orElse(30L) > 0);
      if (!graceful) {
        store.remove(key);
        publish(key, current, null);
      } else if (!meta.hasDeletionTime() || b.getFinalizersCount() != meta.getFinalizersCount()) {
        if (!meta.hasDeletionTime()) {
          b.setDeletionTime(ApiObjects.timestamp(clock.instant()));
          options.gracePeriodSeconds().ifPresent(b::setDeletionGracePeriodSeconds);
        }
        b.setResourceVersion(++revision);
        Message next = ApiObjects.withMeta(current, b.build());
        store.put(key, next);
        publish(key, current, next);
      }
    }
    flushIfLive();
  }

  private void markTerminating(String name) {
    synchronized (this) {
      String key = storeKey(Kind.KIND_NAMESPACE, "", name);
      Namespace current = (Namespace) store.get(key);
      if (current == null) {
        throw new WriteException(WriteException.Reason.NOT_FOUND, key);
      }
      writeLog.add("delete KIND_NAMESPACE " + name);
      if (!current.getMetadata().hasDeletionTime()) {
        Namespace.Builder next = current.toBuilder();
        next.getMetadataBuilder()
            .setDeletionTime(ApiObjects.timestamp(clock.instant()))
            .setResourceVersion(++revision);
        next.getStatusBuilder().setPhase(NamespacePhase.NAMESPACE_PHASE_TERMINATING);
        store.put(key, next.build());
        publish(key, current, next.build());
      }
    }
    flushIfLive();
  }

  /** Plays the node agent confirming that a terminating pod's containers are gone. */
  public void confirmTermination(String namespace, String name) {
    synchronized (this) {
      String key = storeKey(Kind.KIND_POD, namespace, name);
      Message current = store.get(key);
      if (current != null && ApiObjects.meta(current).hasDeletionTime()) {
        store.remove(key);
        publish(key, current, null);
      }
    }
    flushIfLive();
  }

  @Override
  @SuppressWarnings("unchecked")
  public synchronized <T extends Message> Optional<T> fetch(
      Kind kind, String namespace, String name) {
    return Optional.ofNullable((T) store.get(storeKey(kind, namespace, name)));
  }

  @Override
  public void recordEvent(Event event) {
    events.add(event);
  }

  @Override
  @SuppressWarnings("unchecked")
  public synchronized <T extends Message> List<T> listPage(
      Kind kind, String namespace, String after, int limit) {
    String from = storeKey(kind, namespace, after);
    List<T> page = new ArrayList<>();
    for (Message object : store.tailMap(from, false).values()) {
      ObjectMeta meta = ApiObjects.meta(object);
      if (page.size() == limit
          || ApiObjects.kindOf(object) != kind
          || !meta.getNamespace().equals(namespace)) {
        break;
      }
      page.add((T) object);
    }
    pageReads++;
    return page;
  }

  @Override
  public int deleteAll(List<? extends Message> objects) {
    int left = 0;
    for (Message object : objects) {
      ObjectMeta meta = ApiObjects.meta(object);
      Kind kind = ApiObjects.kindOf(object);
      try {
        delete(kind, meta.getNamespace(), meta.getName(), DeleteOptions.background());
      } catch (WriteException e) {
        if (!e.isGone()) {
          throw e;
        }
      }
      if (fetch(kind, meta.getNamespace(), meta.getName()).isPresent()) {
        left++;
      }
    }
    return left;
  }

  @Override
  public boolean removeNamespaceIfEmpty(String name) {
    synchronized (this) {
      String key = storeKey(Kind.KIND_NAMESPACE, "", name);
      Message ns = store.get(key);
      if (ns == null) {
        return true;
      }
      ObjectMeta meta = ApiObjects.meta(ns);
      boolean empty =
          store.values().stream().noneMatch(o -> ApiObjects.meta(o).getNamespace().equals(name));
      if (!meta.hasDeletionTime()
          || meta.getFinalizersCount() > 0
          || ((Namespace) ns).getSpec().getFinalizersCount() > 0
          || !empty) {
        return false;
      }
      writeLog.add("remove KIND_NAMESPACE " + name);
      store.remove(key);
      publish(key, ns, null);
    }
    flushIfLive();
    return true;
  }

  /** How many pages {@link #listPage} has read. */
  public synchronized int pageReads() {
    return pageReads;
  }

  // ----- test inspection -----

  /** Every event recorded so far. */
  public List<Event> events() {
    return List.copyOf(events);
  }

  /** Reasons of the events recorded about one object. */
  public List<String> eventReasons(String name) {
    return events.stream()
        .filter(e -> e.getInvolvedObject().getName().equals(name))
        .map(Event::getReason)
        .toList();
  }

  /** The write log ("create KIND_POD default/x", ...) since the last clear. */
  public List<String> writes() {
    return List.copyOf(writeLog);
  }

  /** Clears the write log. */
  public void clearWrites() {
    writeLog.clear();
  }

  /** Objects of a kind as stored (not as cached), in namespace/name order. */
  @SuppressWarnings("unchecked")
  public synchronized <T extends Message> List<T> stored(Kind kind) {
    List<T> result = new ArrayList<>();
    for (Message object : store.values()) {
      if (ApiObjects.kindOf(object) == kind) {
        result.add((T) object);
      }
    }
    return result;
  }

  /** One stored object, which must exist. */
  public <T extends Message> T stored(Kind kind, String namespace, String name) {
    return this.<T>fetch(kind, namespace, name)
        .orElseThrow(() -> new AssertionError("no " + kind + " " + namespace + "/" + name));
  }

  // ----- change delivery -----

  private void publish(String key, Message before, Message after) {
    held.addLast(new Change(key, before, after, silent));
  }

  // Changes are queued in write order under the fake's lock and drained under the delivery
  // lock, so handlers see them in order even when several threads write.
  private void flushIfLive() {
    synchronized (deliveryLock) {
      List<Change> changes;
      synchronized (this) {
        if (holding) {
          return;
        }
        changes = new ArrayList<>(held);
        held.clear();
      }
      changes.forEach(this::deliver);
    }
  }

  private void deliver(Change change) {
    Message before;
    List<ResourceHandler> targets;
    synchronized (this) {
      before = cache.get(change.key());
      if (change.after() == null) {
        cache.remove(change.key());
      } else {
        cache.put(change.key(), change.after());
      }
      Message any = change.after() != null ? change.after() : change.before();
      targets =
          change.silent() ? List.of() : handlers.getOrDefault(ApiObjects.kindOf(any), List.of());
    }
    for (ResourceHandler handler : targets) {
      if (change.after() == null) {
        if (before != null) {
          handler.onDelete(before);
        }
      } else if (before == null) {
        handler.onAdd(change.after());
      } else {
        handler.onUpdate(before, change.after());
      }
    }
  }
}
