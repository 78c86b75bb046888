package dev.drover.master.store;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Timestamp;
import com.google.rpc.BadRequest.FieldViolation;
import dev.drover.api.ApiObjects;
import dev.drover.api.Kinds;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.NamespacePhase;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.PropagationPolicy;
import dev.drover.master.api.ApiErrors;
import dev.drover.store.api.Keys;
import dev.drover.store.api.KvStore;
import dev.drover.store.v1.Compare;
import dev.drover.store.v1.DeleteRangeRequest;
import dev.drover.store.v1.KeyValue;
import dev.drover.store.v1.PutRequest;
import dev.drover.store.v1.RangeRequest;
import dev.drover.store.v1.RangeResponse;
import dev.drover.store.v1.RequestOp;
import dev.drover.store.v1.TxnRequest;
import dev.drover.store.v1.TxnResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * Typed objects over the {@link KvStore}: keys, serialization, server-assigned metadata, optimistic
 * concurrency, the status subresource and graceful deletion.
 *
 * <p>Every write is a store transaction that compares the key's {@code mod_revision} (or, for a
 * create, that the key is absent), so concurrent writers, including a master that lost the active
 * role without knowing it yet, can never overwrite each other's changes. Reads here go to the store
 * (linearizable); the API serves reads from the watch cache instead.
 */
public final class ObjectStore {
  /** Prefix of every object key. */
  public static final String REGISTRY = Kinds.KEY_ROOT;

  /** The namespace that always exists and that namespaced objects land in by default. */
  public static final String DEFAULT_NAMESPACE = "default";

  /** Annotation the master sets when a pod's agent confirmed its containers are gone. */
  public static final String TERMINATION_CONFIRMED = "drover.dev/termination-confirmed";

  /** Finalizer that makes an owner wait for its blocking dependents (foreground deletion). */
  public static final String FOREGROUND_FINALIZER = "foregroundDeletion";

  /** Finalizer that makes the garbage collector orphan the dependents. */
  public static final String ORPHAN_FINALIZER = "orphan";

  /** Grace period of a pod that sets none. */
  public static final long DEFAULT_GRACE_SECONDS = 30;

  private static final int MAX_RETRIES = 20;

  /**
   * Objects one {@link #createAll} may hold: each takes a compare and a put, and the namespace
   * guards take compares too, within the store's 128 per Txn branch.
   */
  public static final int MAX_CREATES_PER_TXN = 64;

  /** Namespaces remembered as active at most; more are read at every create. */
  private static final int MAX_CACHED_NAMESPACES = 10_000;

  private final KvStore kv;
  private final ObjectValidator validator;
  private final Clock clock;
  private final long timeoutMillis;
  private volatile java.util.function.LongConsumer callTimer = nanos -> {};
  private volatile java.util.function.LongConsumer writeTimer = nanos -> {};

  /**
   * Namespaces this store saw active, with their mod_revision then: a create in one of them guards
   * the namespace with a compare on that version instead of reading it first. A stale entry costs
   * one failed Txn and a fresh read (see {@link #commitCreates}), never a create in a namespace
   * that is gone or being deleted.
   */
  private final Map<String, Long> activeNamespaces = new java.util.concurrent.ConcurrentHashMap<>();

  /** A store of typed objects over {@code kv}. */
  public ObjectStore(KvStore kv, ObjectValidator validator, Clock clock, Duration timeout) {
    this.kv = kv;
    this.validator = validator;
    this.clock = clock;
    this.timeoutMillis = timeout.toMillis();
  }

  /** Receives the duration of every store call (for the store latency metric). */
  public void onStoreCall(java.util.function.LongConsumer timer) {
    this.callTimer = timer;
  }

  /**
   * Times every store write (a Txn, acknowledged once committed and applied): the store's apply
   * latency as the API sees it; on top of {@link #onStoreCall}, which times every call.
   */
  public void onStoreWrite(java.util.function.LongConsumer timer) {
    this.writeTimer = timer;
  }

  /** The key-value store underneath. */
  public KvStore kv() {
    return kv;
  }

  // ---------------------------------------------------------------- keys and encoding

  /**
   * The key of one object: {@code /registry/<plural>/<namespace>/<name>} (no namespace part for
   * cluster-scoped kinds).
   */
  public static ByteString key(Kind kind, String namespace, String name) {
    return Keys.of(Kinds.key(kind, Objects.clusterScoped(kind) ? "" : namespace, name));
  }

  /** The prefix of every object of a kind, or of a kind in one namespace. */
  public static ByteString prefix(Kind kind, String namespace) {
    return Keys.of(Kinds.prefix(kind, namespace));
  }

  /** Decodes a stored value, setting resource_version from the key's mod_revision. */
  public static Object decode(KeyValue kv) {
    try {
      Object o = Object.parseFrom(kv.getValue());
      return ApiObjects.withMeta(
          o, ApiObjects.meta(o).toBuilder().setResourceVersion(kv.getModRevision()).build());
    } catch (InvalidProtocolBufferException e) {
      throw Status.INTERNAL
          .withDescription("corrupt object at " + kv.getKey().toStringUtf8())
          .asRuntimeException();
    }
  }

  /**
   * The stored bytes of an object: its resource_version is implied by the key, so it is cleared.
   */
  private static ByteString encode(Object o) {
    if (ApiObjects.meta(o).getResourceVersion() == 0) {
      return o.toByteString();
    }
    return ApiObjects.withMeta(o, ApiObjects.meta(o).toBuilder().setResourceVersion(0).build())
        .toByteString();
  }

  /** The kind, namespace and name encoded in a key, or null for a key outside the registry. */
  public static ObjectKey parseKey(ByteString key) {
    String s = key.toString(StandardCharsets.UTF_8);
    if (!s.startsWith(REGISTRY)) {
      return null;
    }
    String[] parts = s.substring(REGISTRY.length()).split("/", -1);
    for (Kind k : Kinds.all()) {
      if (!Kinds.info(k).plural().equals(parts[0])) {
        continue;
      }
      if (Objects.clusterScoped(k) && parts.length == 2) {
        return new ObjectKey(k, "", parts[1]);
      }
      if (!Objects.clusterScoped(k) && parts.length == 3) {
        return new ObjectKey(k, parts[1], parts[2]);
      }
    }
    return null;
  }

  /** Identity of one object. */
  public record ObjectKey(Kind kind, String namespace, String name) {}

  // ---------------------------------------------------------------- reads

  /** Reads one object from the store (linearizable). */
  public Optional<Object> get(Kind kind, String namespace, String name) {
    RangeResponse r = await(kv.get(key(kind, namespace, name)));
    return r.getKvsCount() == 0 ? Optional.empty() : Optional.of(decode(r.getKvs(0)));
  }

  /**
   * The current object for a compare-and-swap at {@code expectedRv}: the local (serializable) copy
   * when it is exactly that version, which saves a Raft round trip (the write's compare on the
   * version still rejects anything that changed since); otherwise a linearizable read, so a
   * conflict or a missing object is reported from the latest state, never a stale one.
   */
  private Object currentFor(Kind kind, String namespace, String name, long expectedRv) {
    RangeResponse local =
        await(
            kv.range(
                RangeRequest.newBuilder()
                    .setKey(key(kind, namespace, name))
                    .setSerializable(true)
                    .build()));
    if (local.getKvsCount() == 1 && local.getKvs(0).getModRevision() == expectedRv) {
      return decode(local.getKvs(0));
    }
    return require(kind, namespace, name);
  }

  /** Reads one object or fails with NOT_FOUND. */
  public Object require(Kind kind, String namespace, String name) {
    return get(kind, namespace, name)
        .orElseThrow(() -> ApiErrors.notFound(Objects.describe(kind, namespace, name)));
  }

  /** Every object of a kind (in one namespace, or all when empty), read from the store. */
  public List<Object> list(Kind kind, String namespace) {
    RangeResponse r = await(kv.getPrefix(prefix(kind, namespace)));
    List<Object> out = new ArrayList<>();
    for (KeyValue x : r.getKvsList()) {
      out.add(decode(x));
    }
    return out;
  }

  // ---------------------------------------------------------------- create

  /** Creates an object (see ControlService.Create); returns it as stored. */
  public Object create(Object object, boolean dryRun) {
    Prepared p = prepareCreate(object, "");
    if (dryRun) {
      return p.object;
    }
    TxnRequest.Builder txn = TxnRequest.newBuilder();
    p.addTo(txn);
    List<Prepared> done = new ArrayList<>(List.of(p));
    commitCreates(txn, done);
    return done.get(0).object;
  }

  /**
   * Creates several objects in one Txn: all or none. Each is validated and guarded as a single
   * create is (key absent, namespace unchanged since seen active); the first invalid one fails the
   * call before anything is written, and one that exists already fails the whole Txn with
   * ALREADY_EXISTS. Returns them as stored, in order. At most {@link #MAX_CREATES_PER_TXN}.
   */
  public List<Object> createAll(List<Object> objects) {
    if (objects.size() > MAX_CREATES_PER_TXN) {
      throw ApiErrors.invalid(
          "objects", "at most " + MAX_CREATES_PER_TXN + " per call, got " + objects.size());
    }
    List<Prepared> prepared = new ArrayList<>(objects.size());
    TxnRequest.Builder txn = TxnRequest.newBuilder();
    for (int i = 0; i < objects.size(); i++) {
      Prepared p = prepareCreate(objects.get(i), objects.size() == 1 ? "" : "objects[" + i + "].");
      p.addTo(txn);
      prepared.add(p);
    }
    checkNoDuplicates(prepared);
    if (prepared.isEmpty()) {
      return List.of();
    }
    commitCreates(txn, prepared);
    List<Object> out = new ArrayList<>(prepared.size());
    for (Prepared p : prepared) {
      out.add(p.object);
    }
    return out;
  }

  /** A validated object ready to be written, with the compares that guard it. */
  private static final class Prepared {
    final Object object;
    final List<Compare> compares = new ArrayList<>();
    final ByteString key;
    final boolean create;

    Prepared(Object object, boolean create) {
      this.object = object;
      this.create = create;
      ObjectMeta m = ApiObjects.meta(object);
      this.key = key(Objects.kind(object), m.getNamespace(), m.getName());
    }

    void addTo(TxnRequest.Builder txn) {
      txn.addAllCompare(compares);
      txn.addSuccess(
          RequestOp.newBuilder()
              .setRequestPut(PutRequest.newBuilder().setKey(key).setValue(encode(object))));
      txn.addFailure(
          RequestOp.newBuilder()
              .setRequestRange(RangeRequest.newBuilder().setKey(key).setKeysOnly(true)));
    }
  }

  private Prepared prepareCreate(Object object, String pathPrefix) {
    Kind kind = Objects.kind(object);
    if (!Objects.known(kind)) {
      throw ApiErrors.invalid(pathPrefix + "kind", "the object holds no known kind");
    }
    ObjectMeta in = ApiObjects.meta(object);
    ObjectMeta.Builder m =
        in.toBuilder()
            .setUid(UUID.randomUUID().toString())
            .setResourceVersion(0)
            .setGeneration(1)
            .setCreationTime(now())
            .clearDeletionTime()
            .clearDeletionGracePeriodSeconds();
    if (in.getName().isEmpty() && !in.getGenerateName().isEmpty()) {
      m.setName(in.getGenerateName() + randomSuffix());
    }
    if (!Objects.clusterScoped(kind) && in.getNamespace().isEmpty()) {
      m.setNamespace(DEFAULT_NAMESPACE);
    }
    m.removeAnnotations(TERMINATION_CONFIRMED);
    Object candidate = validator.applyDefaults(ApiObjects.withMeta(object, m.build()));
    check(candidate, null, pathPrefix);
    if (kind == Kind.KIND_NAMESPACE) {
      candidate =
          candidate.toBuilder()
              .setNamespace(
                  candidate.getNamespace().toBuilder()
                      .setStatus(
                          candidate.getNamespace().getStatus().toBuilder()
                              .setPhase(NamespacePhase.NAMESPACE_PHASE_ACTIVE)))
              .build();
    }
    Prepared p = new Prepared(candidate, true);
    p.compares.add(
        Compare.newBuilder()
            .setKey(p.key)
            .setTarget(Compare.CompareTarget.CREATE)
            .setResult(Compare.CompareResult.EQUAL)
            .setCreateRevision(0)
            .build());
    return p;
  }

  /**
   * The compare that the object's namespace still exists, unchanged since it was seen active; null
   * for a cluster-scoped object or one whose namespace is created in the same Txn. The version
   * comes from {@link #activeNamespaces} when this store saw the namespace active before (no store
   * call at all: a create is then one Txn), else from a read, which also fails the create at once
   * when the namespace is missing or being deleted.
   */
  private Compare namespaceGuard(
      Prepared p, Map<String, Boolean> createdInSameTxn, boolean mayUseCache) {
    Kind kind = Objects.kind(p.object);
    if (Objects.clusterScoped(kind)) {
      return null;
    }
    String ns = ApiObjects.meta(p.object).getNamespace();
    if (createdInSameTxn.containsKey(ns)) {
      return null;
    }
    ByteString nsKey = key(Kind.KIND_NAMESPACE, "", ns);
    Long seen = mayUseCache ? activeNamespaces.get(ns) : null;
    if (seen != null) {
      return modEquals(nsKey, seen);
    }
    // The local copy answers "exists and is active" without a Raft round trip: the compare
    // on its version rejects the write if it changed since. A negative answer may be stale
    // here (a namespace just made elsewhere), so it comes from a linearizable read.
    RangeResponse r =
        await(kv.range(RangeRequest.newBuilder().setKey(nsKey).setSerializable(true).build()));
    if (r.getKvsCount() == 0
        || decode(r.getKvs(0)).getNamespace().getMetadata().hasDeletionTime()) {
      r = await(kv.get(nsKey));
    }
    if (r.getKvsCount() == 0) {
      activeNamespaces.remove(ns);
      throw ApiErrors.notFound("Namespace " + ns);
    }
    Object nsObj = decode(r.getKvs(0));
    long rev = r.getKvs(0).getModRevision();
    if (nsObj.getNamespace().getMetadata().hasDeletionTime()) {
      activeNamespaces.remove(ns);
      throw ApiErrors.failedPrecondition(
          "namespace " + ns + " is being deleted; no new objects may be created in it");
    }
    rememberActiveNamespace(ns, rev);
    return modEquals(nsKey, rev);
  }

  /** Notes that {@code ns} was active at {@code rev}, keeping the newest version seen. */
  private void rememberActiveNamespace(String ns, long rev) {
    if (activeNamespaces.size() >= MAX_CACHED_NAMESPACES && !activeNamespaces.containsKey(ns)) {
      return;
    }
    activeNamespaces.merge(ns, rev, Math::max);
  }

  /**
   * Commits creates (and, for apply, updates) in one Txn, each guarded by its own compares and
   * every namespace involved by a compare on its version. When a namespace version taken from
   * {@link #activeNamespaces} turned out stale (the namespace changed since), the Txn is not
   * applied and runs once more with every namespace read afresh; a namespace that is gone or being
   * deleted then fails the create precisely.
   */
  private void commitCreates(TxnRequest.Builder txn, List<Prepared> creates) {
    Map<String, Boolean> namespaces = new HashMap<>();
    for (Prepared p : creates) {
      if (p.create && Objects.kind(p.object) == Kind.KIND_NAMESPACE) {
        namespaces.put(ApiObjects.meta(p.object).getName(), true);
      }
    }
    for (int attempt = 0; ; attempt++) {
      boolean mayUseCache = attempt == 0;
      txn.clearCompare();
      Map<ByteString, Compare> guards = new LinkedHashMap<>();
      for (Prepared p : creates) {
        txn.addAllCompare(p.compares);
        if (p.create) {
          Compare g = namespaceGuard(p, namespaces, mayUseCache);
          if (g != null) {
            guards.putIfAbsent(g.getKey(), g);
          }
        }
      }
      txn.addAllCompare(guards.values());
      TxnResponse resp = await(kv.txn(txn.build()));
      if (resp.getSucceeded()) {
        setRevision(creates, resp.getHeader().getRevision());
        return;
      }
      for (int i = 0; i < creates.size(); i++) {
        Prepared p = creates.get(i);
        RangeResponse now = resp.getResponses(i).getResponseRange();
        if (p.create && now.getKvsCount() > 0) {
          throw ApiErrors.alreadyExists(Objects.describe(p.object));
        }
      }
      if (!mayUseCache || guards.isEmpty()) {
        throw Status.ABORTED
            .withDescription("a namespace or object changed concurrently; retry")
            .asRuntimeException();
      }
      // Some namespace changed since it was seen: forget what was remembered and read again.
      for (Compare g : guards.values()) {
        ObjectKey k = parseKey(g.getKey());
        if (k != null) {
          activeNamespaces.remove(k.name());
        }
      }
    }
  }

  private static void setRevision(List<Prepared> ps, long rev) {
    for (int i = 0; i < ps.size(); i++) {
      Prepared p = ps.get(i);
      ps.set(
          i,
          new Prepared(
              ApiObjects.withMeta(
                  p.object, ApiObjects.meta(p.object).toBuilder().setResourceVersion(rev).build()),
              p.create));
    }
  }

  // ---------------------------------------------------------------- update

  /**
   * Replaces metadata and spec, guarded by the object's resource_version (ABORTED on conflict); the
   * status sent is ignored.
   */
  public Object update(Object object, boolean dryRun) {
    ObjectMeta in = ApiObjects.meta(object);
    Kind kind = Objects.kind(object);
    requireIdentity(kind, in);
    if (in.getResourceVersion() <= 0) {
      throw ApiErrors.invalid(
          "metadata.resource_version",
          "is required: every update is a compare-and-swap on the version read");
    }
    String ns = namespaceOf(kind, in.getNamespace());
    Object current = currentFor(kind, ns, in.getName(), in.getResourceVersion());
    long curRv = ApiObjects.meta(current).getResourceVersion();
    if (curRv != in.getResourceVersion()) {
      throw ApiErrors.conflict(Objects.describe(current), in.getResourceVersion(), curRv);
    }
    Object next =
        mergeUpdate(current, ApiObjects.withMeta(object, in.toBuilder().setNamespace(ns).build()));
    next = validator.applyDefaults(next);
    check(next, current, "");
    next = bumpGeneration(current, next);
    if (dryRun) {
      return next;
    }
    return write(current, next);
  }

  /**
   * {@code incoming}'s user-settable metadata and spec over {@code current}'s server fields and
   * status.
   */
  private Object mergeUpdate(Object current, Object incoming) {
    ObjectMeta cur = ApiObjects.meta(current);
    ObjectMeta in = ApiObjects.meta(incoming);
    ObjectMeta.Builder m =
        cur.toBuilder()
            .clearLabels()
            .putAllLabels(in.getLabelsMap())
            .clearAnnotations()
            .putAllAnnotations(in.getAnnotationsMap())
            .clearOwnerReferences()
            .addAllOwnerReferences(in.getOwnerReferencesList())
            .clearFinalizers()
            .addAllFinalizers(in.getFinalizersList());
    if (cur.containsAnnotations(TERMINATION_CONFIRMED)) {
      m.putAnnotations(TERMINATION_CONFIRMED, cur.getAnnotationsOrThrow(TERMINATION_CONFIRMED));
    } else {
      m.removeAnnotations(TERMINATION_CONFIRMED);
    }
    if (cur.hasDeletionTime()) {
      for (String f : in.getFinalizersList()) {
        if (!cur.getFinalizersList().contains(f)) {
          throw ApiErrors.invalid(
              "metadata.finalizers", "no finalizer may be added once deletion started: " + f);
        }
      }
    }
    Object next = Objects.withStatusOf(incoming, current);
    if (Objects.kind(current) == Kind.KIND_POD) {
      String was = current.getPod().getSpec().getNodeName();
      String now = next.getPod().getSpec().getNodeName();
      if (!was.isEmpty() && !was.equals(now)) {
        throw ApiErrors.invalid("spec.node_name", "is immutable once set (bound to " + was + ")");
      }
    }
    return ApiObjects.withMeta(next, m.build());
  }

  private static Object bumpGeneration(Object current, Object next) {
    if (!Objects.specChanged(current, next)) {
      return next;
    }
    ObjectMeta m = ApiObjects.meta(next);
    return ApiObjects.withMeta(
        next, m.toBuilder().setGeneration(ApiObjects.meta(current).getGeneration() + 1).build());
  }

  /** Replaces only the status, guarded by resource_version; spec and metadata sent are ignored. */
  public Object updateStatus(Object object) {
    ObjectMeta in = ApiObjects.meta(object);
    Kind kind = Objects.kind(object);
    requireIdentity(kind, in);
    if (!Objects.hasStatus(kind)) {
      throw ApiErrors.invalid("kind", kind + " has no status");
    }
    if (in.getResourceVersion() <= 0) {
      throw ApiErrors.invalid(
          "metadata.resource_version", "is required: every status update is a compare-and-swap");
    }
    String ns = namespaceOf(kind, in.getNamespace());
    Object current = currentFor(kind, ns, in.getName(), in.getResourceVersion());
    long curRv = ApiObjects.meta(current).getResourceVersion();
    if (curRv != in.getResourceVersion()) {
      throw ApiErrors.conflict(Objects.describe(current), in.getResourceVersion(), curRv);
    }
    Object next = Objects.withStatusOf(current, object);
    return write(current, next);
  }

  /**
   * Read-modify-write of one object by the server itself: {@code change} computes the new object
   * from the current one; a concurrent write makes it run again on the newer state unless {@code
   * expectedRv} pins the version (then ABORTED). Returns the stored result, or the current object
   * unchanged when {@code change} returns it as is.
   */
  public Object mutate(
      Kind kind, String namespace, String name, long expectedRv, UnaryOperator<Object> change) {
    for (int attempt = 0; ; attempt++) {
      Object current =
          expectedRv > 0
              ? currentFor(kind, namespace, name, expectedRv)
              : require(kind, namespace, name);
      long curRv = ApiObjects.meta(current).getResourceVersion();
      if (expectedRv > 0 && curRv != expectedRv) {
        throw ApiErrors.conflict(Objects.describe(current), expectedRv, curRv);
      }
      Object next = change.apply(current);
      if (next.equals(current)) {
        return current;
      }
      next = validator.applyDefaults(next);
      check(next, current, "");
      next = bumpGeneration(current, next);
      try {
        return write(current, next);
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() != Status.Code.ABORTED
            || expectedRv > 0
            || attempt >= MAX_RETRIES) {
          throw e;
        }
      }
    }
  }

  /**
   * Binds a pending pod to a node (the scheduler's bind): compare-and-swap at {@code expectedRv};
   * fails with FAILED_PRECONDITION when the pod is already bound or has another uid.
   */
  public Object bind(String namespace, String name, String uid, String nodeName, long expectedRv) {
    return mutate(
        Kind.KIND_POD,
        namespace,
        name,
        expectedRv,
        cur -> {
          if (!uid.isEmpty() && !uid.equals(cur.getPod().getMetadata().getUid())) {
            throw ApiErrors.failedPrecondition(
                "pod " + namespace + "/" + name + " has another uid");
          }
          if (!cur.getPod().getSpec().getNodeName().isEmpty()) {
            throw ApiErrors.failedPrecondition(
                "pod "
                    + namespace
                    + "/"
                    + name
                    + " is already bound to "
                    + cur.getPod().getSpec().getNodeName());
          }
          return boundTo(cur, nodeName);
        });
  }

  /**
   * {@code pod} with spec.node_name set and its PodScheduled condition True, as Kubernetes' bind
   * does.
   */
  private Object boundTo(Object pod, String nodeName) {
    dev.drover.api.v1.Pod p = pod.getPod();
    dev.drover.api.v1.PodStatus.Builder status = p.getStatus().toBuilder();
    dev.drover.api.v1.Condition scheduled =
        dev.drover.api.v1.Condition.newBuilder()
            .setType("PodScheduled")
            .setStatus(dev.drover.api.v1.ConditionStatus.CONDITION_STATUS_TRUE)
            .setLastTransitionTime(now())
            .build();
    int at = -1;
    for (int i = 0; i < status.getConditionsCount(); i++) {
      if (status.getConditions(i).getType().equals("PodScheduled")) {
        at = i;
      }
    }
    if (at >= 0) {
      status.setConditions(at, scheduled);
    } else {
      status.addConditions(scheduled);
    }
    return pod.toBuilder()
        .setPod(
            p.toBuilder().setSpec(p.getSpec().toBuilder().setNodeName(nodeName)).setStatus(status))
        .build();
  }

  /**
   * One binding of a batch: the pod as last seen (its resource_version guards the write) and its
   * node.
   */
  public record PodBinding(Object pod, String nodeName) {}

  /** What became of one binding of a batch. */
  public enum BindResult {
    /** The pod is now bound to the node. */
    BOUND,
    /** The pod changed since the version given (or is bound already): read it again. */
    CONFLICT,
    /** The pod no longer exists. */
    POD_GONE,
    /** The node does not exist (any more). */
    NODE_GONE
  }

  /**
   * Binds many pods in as few transactions as the store's per-Txn limit allows. Each binding is its
   * own compare-and-swap: it succeeds only if the pod is still at the version given and unbound and
   * the node exists. A transaction whose compares do not all hold is not applied; its failure
   * branch reads every key involved, the bindings whose own compares failed get their outcome and
   * the rest go again in a new transaction, so one conflicting pod never fails the others. The pods
   * were validated when written; setting spec.node_name to an existing node's name cannot make them
   * invalid, so they are not validated again here. Returns one outcome per binding, in order.
   */
  public List<BindResult> bindAll(List<PodBinding> bindings) {
    BindResult[] out = new BindResult[bindings.size()];
    List<Integer> chunk = new ArrayList<>();
    java.util.Set<String> chunkNodes = new java.util.HashSet<>();
    for (int i = 0; i < bindings.size(); i++) {
      PodBinding b = bindings.get(i);
      dev.drover.api.v1.Pod p = b.pod().getPod();
      if (!p.getSpec().getNodeName().isEmpty()) {
        out[i] = BindResult.CONFLICT;
        continue;
      }
      int ops = chunk.size() + 1 + chunkNodes.size() + (chunkNodes.contains(b.nodeName()) ? 0 : 1);
      if (ops > dev.drover.store.api.Validation.MAX_TXN_OPS) {
        bindChunk(bindings, chunk, out);
        chunk.clear();
        chunkNodes.clear();
      }
      chunk.add(i);
      chunkNodes.add(b.nodeName());
    }
    bindChunk(bindings, chunk, out);
    return java.util.Arrays.asList(out);
  }

  private void bindChunk(List<PodBinding> bindings, List<Integer> indexes, BindResult[] out) {
    List<Integer> left = new ArrayList<>(indexes);
    // Each failed round settles at least one binding, so this ends.
    while (!left.isEmpty()) {
      TxnRequest.Builder txn = TxnRequest.newBuilder();
      Map<String, ByteString> nodeKeys = new java.util.LinkedHashMap<>();
      for (int i : left) {
        PodBinding b = bindings.get(i);
        ObjectMeta m = b.pod().getPod().getMetadata();
        ByteString key = key(Kind.KIND_POD, m.getNamespace(), m.getName());
        txn.addCompare(modEquals(key, m.getResourceVersion()));
        txn.addSuccess(
            RequestOp.newBuilder()
                .setRequestPut(
                    PutRequest.newBuilder()
                        .setKey(key)
                        .setValue(encode(boundTo(b.pod(), b.nodeName())))));
        txn.addFailure(
            RequestOp.newBuilder()
                .setRequestRange(RangeRequest.newBuilder().setKey(key).setKeysOnly(true)));
        nodeKeys.computeIfAbsent(b.nodeName(), n -> key(Kind.KIND_NODE, "", n));
      }
      for (ByteString nodeKey : nodeKeys.values()) {
        txn.addCompare(
            Compare.newBuilder()
                .setKey(nodeKey)
                .setTarget(Compare.CompareTarget.CREATE)
                .setResult(Compare.CompareResult.GREATER)
                .setCreateRevision(0));
        txn.addFailure(
            RequestOp.newBuilder()
                .setRequestRange(RangeRequest.newBuilder().setKey(nodeKey).setKeysOnly(true)));
      }
      TxnResponse resp = await(kv.txn(txn.build()));
      if (resp.getSucceeded()) {
        for (int i : left) {
          out[i] = BindResult.BOUND;
        }
        return;
      }
      java.util.Set<String> missingNodes = new java.util.HashSet<>();
      int r = left.size();
      for (String node : nodeKeys.keySet()) {
        if (resp.getResponses(r++).getResponseRange().getKvsCount() == 0) {
          missingNodes.add(node);
        }
      }
      List<Integer> again = new ArrayList<>();
      for (int k = 0; k < left.size(); k++) {
        int i = left.get(k);
        PodBinding b = bindings.get(i);
        RangeResponse now = resp.getResponses(k).getResponseRange();
        if (now.getKvsCount() == 0) {
          out[i] = BindResult.POD_GONE;
        } else if (now.getKvs(0).getModRevision()
            != b.pod().getPod().getMetadata().getResourceVersion()) {
          out[i] = BindResult.CONFLICT;
        } else if (missingNodes.contains(b.nodeName())) {
          out[i] = BindResult.NODE_GONE;
        } else {
          again.add(i);
        }
      }
      if (again.size() == left.size()) {
        // Every compare read back as holding: the store changed between evaluation and read.
        // Retrying is safe (the compares are evaluated anew), but never spin on it forever.
        for (int i : left) {
          out[i] = BindResult.CONFLICT;
        }
        return;
      }
      left = again;
    }
  }

  /**
   * Writes {@code next} over {@code current} with a CAS on current's version; removes the object
   * instead when its deletion is complete.
   */
  private Object write(Object current, Object next) {
    ObjectMeta m = ApiObjects.meta(next);
    ByteString key = key(Objects.kind(next), m.getNamespace(), m.getName());
    long expected = ApiObjects.meta(current).getResourceVersion();
    if (deletionComplete(next)) {
      // The result carries the revision of the removal, so a caller waiting for it sees it.
      long rev = remove(current, key, expected);
      return ApiObjects.withMeta(next, m.toBuilder().setResourceVersion(rev).build());
    }
    TxnResponse resp =
        await(
            kv.txn(
                TxnRequest.newBuilder()
                    .addCompare(modEquals(key, expected))
                    .addSuccess(
                        RequestOp.newBuilder()
                            .setRequestPut(
                                PutRequest.newBuilder().setKey(key).setValue(encode(next))))
                    .addFailure(
                        RequestOp.newBuilder()
                            .setRequestRange(RangeRequest.newBuilder().setKey(key)))
                    .build()));
    if (!resp.getSucceeded()) {
      throw conflictFrom(next, expected, resp.getResponses(0).getResponseRange());
    }
    return ApiObjects.withMeta(
        next, m.toBuilder().setResourceVersion(resp.getHeader().getRevision()).build());
  }

  private static StatusRuntimeException conflictFrom(Object o, long expected, RangeResponse now) {
    if (now.getKvsCount() == 0) {
      return ApiErrors.notFound(Objects.describe(o));
    }
    return ApiErrors.conflict(Objects.describe(o), expected, now.getKvs(0).getModRevision());
  }

  private static Compare modEquals(ByteString key, long rev) {
    return Compare.newBuilder()
        .setKey(key)
        .setTarget(Compare.CompareTarget.MOD)
        .setResult(Compare.CompareResult.EQUAL)
        .setModRevision(rev)
        .build();
  }

  // ---------------------------------------------------------------- deletion

  /** Options of one delete. */
  public record DeleteOptions(
      Long gracePeriodSeconds,
      String uid,
      Long resourceVersion,
      PropagationPolicy propagation,
      boolean force) {
    /** A plain background delete. */
    public static DeleteOptions plain() {
      return new DeleteOptions(
          null, null, null, PropagationPolicy.PROPAGATION_POLICY_UNSPECIFIED, false);
    }
  }

  /** Outcome of a delete. */
  public record DeleteResult(Object object, boolean deletedImmediately, long revision) {}

  /**
   * Deletes an object: at once, or gracefully when it has finalizers, is a pod bound to a node or
   * is deleted in the foreground/orphan mode. {@code onGraceful} may change the object as it enters
   * graceful deletion (e.g. record an eviction in a pod's status).
   */
  public DeleteResult delete(
      Kind kind,
      String namespace,
      String name,
      DeleteOptions opts,
      UnaryOperator<Object> onGraceful) {
    String ns = namespaceOf(kind, namespace);
    for (int attempt = 0; ; attempt++) {
      Object current = require(kind, ns, name);
      ObjectMeta m = ApiObjects.meta(current);
      if (opts.uid() != null && !opts.uid().equals(m.getUid())) {
        throw ApiErrors.failedPrecondition(
            "precondition failed: uid is " + m.getUid() + ", not " + opts.uid());
      }
      if (opts.resourceVersion() != null && opts.resourceVersion() != m.getResourceVersion()) {
        throw ApiErrors.failedPrecondition(
            "precondition failed: resource_version is "
                + m.getResourceVersion()
                + ", not "
                + opts.resourceVersion());
      }
      try {
        if (kind == Kind.KIND_NAMESPACE) {
          return deleteNamespace(current, opts);
        }
        ByteString key = key(kind, ns, name);
        if (opts.force()) {
          return new DeleteResult(current, true, remove(current, key, m.getResourceVersion()));
        }
        Object next = startGracefulDeletion(current, opts, onGraceful);
        if (next == null) {
          return new DeleteResult(current, true, remove(current, key, m.getResourceVersion()));
        }
        if (next.equals(current)) {
          return new DeleteResult(current, false, m.getResourceVersion());
        }
        Object written = write(current, next);
        return new DeleteResult(written, false, ApiObjects.meta(written).getResourceVersion());
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() != Status.Code.ABORTED || attempt >= MAX_RETRIES) {
          throw e;
        }
      }
    }
  }

  /** The object entering graceful deletion, or null when it can go at once. */
  private Object startGracefulDeletion(
      Object current, DeleteOptions opts, UnaryOperator<Object> onGraceful) {
    ObjectMeta m = ApiObjects.meta(current);
    ObjectMeta.Builder b = m.toBuilder();
    PropagationPolicy pp = opts.propagation();
    if (pp == PropagationPolicy.PROPAGATION_POLICY_FOREGROUND
        && !b.getFinalizersList().contains(FOREGROUND_FINALIZER)) {
      b.addFinalizers(FOREGROUND_FINALIZER);
    } else if (pp == PropagationPolicy.PROPAGATION_POLICY_ORPHAN
        && !b.getFinalizersList().contains(ORPHAN_FINALIZER)) {
      b.addFinalizers(ORPHAN_FINALIZER);
    }
    boolean boundPod = isBoundPod(current) && !m.containsAnnotations(TERMINATION_CONFIRMED);
    if (b.getFinalizersCount() == 0 && !boundPod) {
      return null;
    }
    if (m.hasDeletionTime()) {
      // Deletion already in progress: never reset the clock.
      return current;
    }
    b.setDeletionTime(now());
    if (Objects.kind(current) == Kind.KIND_POD) {
      long grace =
          opts.gracePeriodSeconds() != null
              ? opts.gracePeriodSeconds()
              : current.getPod().getSpec().hasTerminationGracePeriodSeconds()
                  ? current.getPod().getSpec().getTerminationGracePeriodSeconds()
                  : DEFAULT_GRACE_SECONDS;
      b.setDeletionGracePeriodSeconds(Math.max(0, grace));
    } else {
      b.setDeletionGracePeriodSeconds(0);
    }
    Object next = ApiObjects.withMeta(current, b.build());
    return onGraceful == null ? next : onGraceful.apply(next);
  }

  private static boolean isBoundPod(Object o) {
    return Objects.kind(o) == Kind.KIND_POD && !o.getPod().getSpec().getNodeName().isEmpty();
  }

  /** True when a deleted object has nothing left to wait for. */
  private static boolean deletionComplete(Object o) {
    ObjectMeta m = ApiObjects.meta(o);
    if (!m.hasDeletionTime() || m.getFinalizersCount() > 0) {
      return false;
    }
    if (Objects.kind(o) == Kind.KIND_NAMESPACE) {
      return false;
    }
    return !isBoundPod(o) || m.containsAnnotations(TERMINATION_CONFIRMED);
  }

  /**
   * Removes the key if still at {@code expected}; then finishes a terminating namespace that became
   * empty.
   */
  private long remove(Object current, ByteString key, long expected) {
    TxnResponse resp =
        await(
            kv.txn(
                TxnRequest.newBuilder()
                    .addCompare(modEquals(key, expected))
                    .addSuccess(
                        RequestOp.newBuilder()
                            .setRequestDeleteRange(DeleteRangeRequest.newBuilder().setKey(key)))
                    .addFailure(
                        RequestOp.newBuilder()
                            .setRequestRange(RangeRequest.newBuilder().setKey(key)))
                    .build()));
    if (!resp.getSucceeded()) {
      throw conflictFrom(current, expected, resp.getResponses(0).getResponseRange());
    }
    String ns = ApiObjects.meta(current).getNamespace();
    if (!ns.isEmpty()) {
      finishNamespaceIfEmpty(ns);
    }
    return resp.getHeader().getRevision();
  }

  /**
   * Confirms that a pod's containers are gone (NodeService.ConfirmPodTermination): removes the pod
   * when its deletion has nothing else to wait for. Returns true when it was removed.
   */
  public boolean confirmTermination(String namespace, String name, String uid, String nodeName) {
    for (int attempt = 0; ; attempt++) {
      Optional<Object> found = get(Kind.KIND_POD, namespace, name);
      if (found.isEmpty() || !found.get().getPod().getMetadata().getUid().equals(uid)) {
        return false;
      }
      Object current = found.get();
      if (!nodeName.isEmpty() && !nodeName.equals(current.getPod().getSpec().getNodeName())) {
        throw ApiErrors.failedPrecondition(
            "pod "
                + namespace
                + "/"
                + name
                + " is bound to '"
                + current.getPod().getSpec().getNodeName()
                + "', not "
                + nodeName);
      }
      ObjectMeta m = current.getPod().getMetadata();
      if (!m.hasDeletionTime()) {
        throw ApiErrors.failedPrecondition(
            "pod " + namespace + "/" + name + " is not being deleted");
      }
      Object next =
          ApiObjects.withMeta(
              current, m.toBuilder().putAnnotations(TERMINATION_CONFIRMED, "true").build());
      try {
        write(current, next);
        return deletionComplete(next);
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() != Status.Code.ABORTED || attempt >= MAX_RETRIES) {
          throw e;
        }
      }
    }
  }

  private DeleteResult deleteNamespace(Object current, DeleteOptions opts) {
    String ns = current.getNamespace().getMetadata().getName();
    if (DEFAULT_NAMESPACE.equals(ns)) {
      throw ApiErrors.failedPrecondition("the default namespace cannot be deleted");
    }
    Object marked = current;
    if (!current.getNamespace().getMetadata().hasDeletionTime()) {
      var nsObj = current.getNamespace().toBuilder();
      nsObj.getMetadataBuilder().setDeletionTime(now()).setDeletionGracePeriodSeconds(0);
      nsObj.getStatusBuilder().setPhase(NamespacePhase.NAMESPACE_PHASE_TERMINATING);
      marked = write(current, Object.newBuilder().setNamespace(nsObj).build());
    }
    for (Kind k : Kind.values()) {
      if (!Objects.known(k) || Objects.clusterScoped(k)) {
        continue;
      }
      for (Object o : list(k, ns)) {
        ObjectMeta m = ApiObjects.meta(o);
        try {
          delete(
              k,
              ns,
              m.getName(),
              new DeleteOptions(
                  opts.gracePeriodSeconds(),
                  null,
                  null,
                  PropagationPolicy.PROPAGATION_POLICY_BACKGROUND,
                  opts.force()),
              null);
        } catch (StatusRuntimeException e) {
          if (e.getStatus().getCode() != Status.Code.NOT_FOUND) {
            throw e;
          }
        }
      }
    }
    boolean gone = finishNamespaceIfEmpty(ns);
    return new DeleteResult(marked, gone, kv.currentRevision());
  }

  /** Removes a terminating namespace once nothing is left in it; true when it is gone. */
  private boolean finishNamespaceIfEmpty(String ns) {
    Optional<Object> nsObj = get(Kind.KIND_NAMESPACE, "", ns);
    if (nsObj.isEmpty()) {
      return true;
    }
    if (!nsObj.get().getNamespace().getMetadata().hasDeletionTime()
        || nsObj.get().getNamespace().getMetadata().getFinalizersCount() > 0
        || nsObj.get().getNamespace().getSpec().getFinalizersCount() > 0) {
      return false;
    }
    for (Kind k : Kind.values()) {
      if (!Objects.known(k) || Objects.clusterScoped(k)) {
        continue;
      }
      ByteString p = prefix(k, ns);
      RangeResponse r =
          await(
              kv.range(
                  RangeRequest.newBuilder()
                      .setKey(p)
                      .setRangeEnd(Keys.prefixEnd(p))
                      .setCountOnly(true)
                      .build()));
      if (r.getCount() > 0) {
        return false;
      }
    }
    ByteString key = key(Kind.KIND_NAMESPACE, "", ns);
    TxnResponse resp =
        await(
            kv.txn(
                TxnRequest.newBuilder()
                    .addCompare(modEquals(key, ApiObjects.meta(nsObj.get()).getResourceVersion()))
                    .addSuccess(
                        RequestOp.newBuilder()
                            .setRequestDeleteRange(DeleteRangeRequest.newBuilder().setKey(key)))
                    .build()));
    return resp.getSucceeded();
  }

  /** Creates a namespace if it does not exist (the {@code default} namespace at first start). */
  public void ensureNamespace(String name) {
    if (get(Kind.KIND_NAMESPACE, "", name).isPresent()) {
      return;
    }
    try {
      create(
          Object.newBuilder()
              .setNamespace(
                  dev.drover.api.v1.Namespace.newBuilder()
                      .setMetadata(ObjectMeta.newBuilder().setName(name)))
              .build(),
          false);
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() != Status.Code.ALREADY_EXISTS) {
        throw e;
      }
    }
  }

  // ---------------------------------------------------------------- apply

  /** The outcome of applying one object. */
  public record Applied(
      Object object, dev.drover.api.v1.ApplyAction action, List<String> changedFields) {}

  /**
   * Creates or merges every object in one transaction: all change or none. A concurrent change to
   * any of them makes the whole computation run again on the newer state.
   */
  public List<Applied> apply(List<Object> objects, boolean dryRun, String fieldManager) {
    for (int attempt = 0; ; attempt++) {
      List<Prepared> prepared = new ArrayList<>();
      List<Applied> results = new ArrayList<>();
      List<FieldViolation> violations = new ArrayList<>();
      for (int i = 0; i < objects.size(); i++) {
        String path = "objects[" + i + "].";
        Object in = objects.get(i);
        if (!fieldManager.isEmpty() && Objects.known(Objects.kind(in))) {
          in =
              ApiObjects.withMeta(
                  in,
                  ApiObjects.meta(in).toBuilder()
                      .putAnnotations(dev.drover.api.WellKnown.FIELD_MANAGER, fieldManager)
                      .build());
        }
        try {
          applyOne(in, path, prepared, results);
        } catch (StatusRuntimeException e) {
          if (e.getStatus().getCode() != Status.Code.INVALID_ARGUMENT) {
            throw e;
          }
          violations.addAll(violationsOf(e));
        }
      }
      if (!violations.isEmpty()) {
        throw ApiErrors.invalid(violations);
      }
      checkNoDuplicates(prepared);
      List<Prepared> writes = new ArrayList<>();
      for (Prepared p : prepared) {
        if (p != null) {
          writes.add(p);
        }
      }
      if (dryRun || writes.isEmpty()) {
        return results;
      }
      TxnRequest.Builder txn = TxnRequest.newBuilder();
      for (Prepared p : writes) {
        p.addTo(txn);
      }
      try {
        commitCreates(txn, writes);
      } catch (StatusRuntimeException e) {
        if ((e.getStatus().getCode() == Status.Code.ABORTED
                || e.getStatus().getCode() == Status.Code.ALREADY_EXISTS)
            && attempt < MAX_RETRIES) {
          continue;
        }
        throw e;
      }
      int w = 0;
      for (int i = 0; i < results.size(); i++) {
        Applied a = results.get(i);
        if (a.action() != dev.drover.api.v1.ApplyAction.APPLY_ACTION_UNCHANGED) {
          results.set(i, new Applied(writes.get(w++).object, a.action(), a.changedFields()));
        }
      }
      return results;
    }
  }

  private void applyOne(Object in, String path, List<Prepared> prepared, List<Applied> results) {
    Kind kind = Objects.kind(in);
    if (!Objects.known(kind)) {
      throw ApiErrors.invalid(path + "kind", "the object holds no known kind");
    }
    ObjectMeta m = ApiObjects.meta(in);
    if (m.getName().isEmpty()) {
      throw ApiErrors.invalid(path + "metadata.name", "is required for apply");
    }
    String ns = namespaceOf(kind, m.getNamespace());
    Optional<Object> current = get(kind, ns, m.getName());
    if (current.isEmpty()) {
      Prepared p = prepareCreate(in, path);
      prepared.add(p);
      results.add(
          new Applied(p.object, dev.drover.api.v1.ApplyAction.APPLY_ACTION_CREATED, List.of()));
      return;
    }
    Object cur = current.get();
    ObjectMeta cm = ApiObjects.meta(cur);
    // Server-owned metadata and the status never come from a manifest.
    Object patch =
        Objects.withStatusOf(
            ApiObjects.withMeta(
                in,
                ObjectMeta.newBuilder()
                    .putAllLabels(m.getLabelsMap())
                    .putAllAnnotations(m.getAnnotationsMap())
                    .addAllOwnerReferences(m.getOwnerReferencesList())
                    .addAllFinalizers(m.getFinalizersList())
                    .build()),
            null);
    Object merged = (Object) Objects.mergeSetFields(cur, patch);
    ObjectMeta.Builder mb = ApiObjects.meta(merged).toBuilder();
    // Labels and annotations merge key by key rather than replacing the whole map.
    mb.clearLabels().putAllLabels(cm.getLabelsMap()).putAllLabels(m.getLabelsMap());
    mb.clearAnnotations()
        .putAllAnnotations(cm.getAnnotationsMap())
        .putAllAnnotations(m.getAnnotationsMap());
    merged = validator.applyDefaults(ApiObjects.withMeta(merged, mb.build()));
    check(merged, cur, path);
    merged = bumpGeneration(cur, merged);
    List<String> changed =
        Objects.changedFields(ApiObjects.message(cur), ApiObjects.message(merged));
    changed.removeIf(f -> f.startsWith("metadata.generation"));
    if (merged.equals(cur)) {
      prepared.add(null);
      results.add(
          new Applied(cur, dev.drover.api.v1.ApplyAction.APPLY_ACTION_UNCHANGED, List.of()));
      return;
    }
    Prepared p = new Prepared(merged, false);
    p.compares.add(modEquals(p.key, cm.getResourceVersion()));
    prepared.add(p);
    results.add(
        new Applied(merged, dev.drover.api.v1.ApplyAction.APPLY_ACTION_CONFIGURED, changed));
  }

  private static void checkNoDuplicates(List<Prepared> prepared) {
    Map<ByteString, Integer> seen = new HashMap<>();
    for (int i = 0; i < prepared.size(); i++) {
      Prepared p = prepared.get(i);
      if (p == null) {
        continue;
      }
      Integer before = seen.put(p.key, i);
      if (before != null) {
        throw ApiErrors.invalid(
            "objects[" + i + "]", "names the same object as objects[" + before + "]");
      }
    }
  }

  private static List<FieldViolation> violationsOf(StatusRuntimeException e) {
    com.google.rpc.Status s = io.grpc.protobuf.StatusProto.fromThrowable(e);
    List<FieldViolation> out = new ArrayList<>();
    if (s != null) {
      for (com.google.protobuf.Any a : s.getDetailsList()) {
        if (a.is(com.google.rpc.BadRequest.class)) {
          try {
            out.addAll(a.unpack(com.google.rpc.BadRequest.class).getFieldViolationsList());
          } catch (InvalidProtocolBufferException ex) {
            throw new IllegalStateException(ex);
          }
        }
      }
    }
    if (out.isEmpty()) {
      out.add(ApiErrors.violation("", String.valueOf(e.getStatus().getDescription())));
    }
    return out;
  }

  // ---------------------------------------------------------------- helpers

  private void check(Object candidate, Object old, String pathPrefix) {
    List<FieldViolation> v = validator.validate(candidate, old);
    if (!v.isEmpty()) {
      List<FieldViolation> prefixed = new ArrayList<>();
      for (FieldViolation f : v) {
        prefixed.add(f.toBuilder().setField(pathPrefix + f.getField()).build());
      }
      throw ApiErrors.invalid(prefixed);
    }
  }

  private static void requireIdentity(Kind kind, ObjectMeta m) {
    if (!Objects.known(kind)) {
      throw ApiErrors.invalid("kind", "the object holds no known kind");
    }
    if (m.getName().isEmpty()) {
      throw ApiErrors.invalid("metadata.name", "is required");
    }
  }

  /** The namespace an object of {@code kind} lives in, given what the request said. */
  public static String namespaceOf(Kind kind, String requested) {
    if (Objects.clusterScoped(kind)) {
      return "";
    }
    return requested.isEmpty() ? DEFAULT_NAMESPACE : requested;
  }

  private Timestamp now() {
    Instant i = clock.instant();
    return Timestamp.newBuilder().setSeconds(i.getEpochSecond()).setNanos(i.getNano()).build();
  }

  private static String randomSuffix() {
    String alphabet = "bcdfghjklmnpqrstvwxz2456789";
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 5; i++) {
      sb.append(alphabet.charAt(ThreadLocalRandom.current().nextInt(alphabet.length())));
    }
    return sb.toString();
  }

  /** Waits for a store call, mapping its failure to the API's status. */
  public <T> T await(CompletableFuture<T> f) {
    long start = System.nanoTime();
    try {
      T r = f.get(timeoutMillis, TimeUnit.MILLISECONDS);
      long took = System.nanoTime() - start;
      callTimer.accept(took);
      if (r instanceof TxnResponse) {
        writeTimer.accept(took);
      }
      return r;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw Status.CANCELLED.withDescription("interrupted").asRuntimeException();
    } catch (java.util.concurrent.TimeoutException e) {
      throw Status.DEADLINE_EXCEEDED
          .withDescription("the store did not answer within " + timeoutMillis + " ms")
          .asRuntimeException();
    } catch (java.util.concurrent.ExecutionException e) {
      throw ApiErrors.fromStore(e.getCause());
    }
  }
}
