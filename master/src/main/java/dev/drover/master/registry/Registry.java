package dev.drover.master.registry;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Timestamp;
import com.google.rpc.BadRequest.FieldViolation;
import dev.drover.api.ApiObjects;
import dev.drover.api.Kinds;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.PropagationPolicy;
import dev.drover.store.api.Keys;
import dev.drover.store.api.KvStore;
import dev.drover.store.api.KvStoreException;
import dev.drover.store.api.Validation;
import dev.drover.store.v1.Compare;
import dev.drover.store.v1.DeleteRangeRequest;
import dev.drover.store.v1.KeyValue;
import dev.drover.store.v1.PutRequest;
import dev.drover.store.v1.RangeRequest;
import dev.drover.store.v1.RangeResponse;
import dev.drover.store.v1.RequestOp;
import dev.drover.store.v1.TxnRequest;
import dev.drover.store.v1.TxnResponse;
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
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongConsumer;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * The generic registry: typed objects of every kind over the {@link KvStore}, with keys,
 * serialization, server-assigned metadata, optimistic concurrency, the status subresource, apply
 * and graceful deletion with finalizers. Where kinds differ it asks the kind's {@link KindStrategy}
 * ({@link PodStrategy}, {@link NamespaceStrategy}). Failures are {@link RegistryException}s; the
 * API layer maps them to gRPC codes, the registry never speaks gRPC.
 *
 * <p>Every write is a store transaction that compares the key's {@code mod_revision} (or, for a
 * create, that the key is absent), so concurrent writers, including a master that lost the active
 * role without knowing it yet, can never overwrite each other's changes. Reads here go to the store
 * (linearizable); the API serves reads from the watch cache instead.
 */
public final class Registry {
  /** Prefix of every object key. */
  public static final String REGISTRY = Kinds.KEY_ROOT;

  /** The namespace that always exists and that namespaced objects land in by default. */
  public static final String DEFAULT_NAMESPACE = "default";

  /** Finalizer that makes an owner wait for its blocking dependents (foreground deletion). */
  public static final String FOREGROUND_FINALIZER = "foregroundDeletion";

  /** Finalizer that makes the garbage collector orphan the dependents. */
  public static final String ORPHAN_FINALIZER = "orphan";

  static final int MAX_RETRIES = 20;

  /**
   * Objects one {@link #createAll} may hold: each takes a compare and a put, and the namespace
   * guards take compares too, within the store's 128 per Txn branch.
   */
  public static final int MAX_CREATES_PER_TXN = 64;

  /**
   * Objects one {@link #mutateEach} may write together: each takes a compare, a put and a read in
   * the failure branch, and the store allows {@link Validation#MAX_TXN_OPS} of each per Txn.
   */
  public static final int MAX_MUTATIONS_PER_TXN = Validation.MAX_TXN_OPS;

  private final KvStore kv;
  private final ObjectValidator validator;
  private final Clock clock;
  private final long timeoutMillis;
  private volatile LongConsumer callTimer = nanos -> {};
  private volatile LongConsumer writeTimer = nanos -> {};
  private final PodStrategy pods = new PodStrategy(this);
  private final NamespaceStrategy namespaces = new NamespaceStrategy(this);
  private final ServiceStrategy services = new ServiceStrategy(this);
  private final VolumeStrategy volumes = new VolumeStrategy();

  /** A registry of typed objects over {@code kv}. */
  public Registry(KvStore kv, ObjectValidator validator, Clock clock, Duration timeout) {
    this.kv = kv;
    this.validator = validator;
    this.clock = clock;
    this.timeoutMillis = timeout.toMillis();
  }

  /** Receives the duration of every store call (for the store latency metric). */
  public void onStoreCall(LongConsumer timer) {
    this.callTimer = timer;
  }

  /**
   * Times every store write (a Txn, acknowledged once committed and applied): the store's apply
   * latency as the API sees it; on top of {@link #onStoreCall}, which times every call.
   */
  public void onStoreWrite(LongConsumer timer) {
    this.writeTimer = timer;
  }

  /** Pod binding and termination. */
  public PodStrategy pods() {
    return pods;
  }

  /** Namespace creation guards and finalization. */
  public NamespaceStrategy namespaces() {
    return namespaces;
  }

  /** Service node ports. */
  public ServiceStrategy services() {
    return services;
  }

  /** The strategy of a kind: its own, or the defaults. */
  KindStrategy strategy(Kind kind) {
    if (kind == Kind.KIND_POD) {
      return pods;
    }
    if (kind == Kind.KIND_NAMESPACE) {
      return namespaces;
    }
    if (kind == Kind.KIND_SERVICE) {
      return services;
    }
    if (kind == Kind.KIND_PERSISTENT_VOLUME || kind == Kind.KIND_PERSISTENT_VOLUME_CLAIM) {
      return volumes;
    }
    return KindStrategy.DEFAULT;
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
      throw new StoreUnavailableException(
          StoreUnavailableException.Reason.INTERNAL,
          "corrupt object at " + kv.getKey().toStringUtf8(),
          e);
    }
  }

  /**
   * The stored bytes of an object: its resource_version is implied by the key, so it is cleared.
   */
  static ByteString encode(Object o) {
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
    return firstObject(await(kv.get(key(kind, namespace, name))));
  }

  /**
   * {@link #get} without a thread waiting for the answer: the future fails with the {@link
   * RegistryException} {@link #await} would throw.
   */
  public CompletableFuture<Optional<Object>> getAsync(Kind kind, String namespace, String name) {
    return awaitAsync(kv.get(key(kind, namespace, name))).thenApply(Registry::firstObject);
  }

  private static Optional<Object> firstObject(RangeResponse r) {
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

  /** Reads one object or fails with a {@link NotFoundException}. */
  public Object require(Kind kind, String namespace, String name) {
    return get(kind, namespace, name)
        .orElseThrow(() -> new NotFoundException(Objects.describe(kind, namespace, name)));
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
      checkNamespaces(List.of(p));
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
   * call before anything is written, and one that exists already fails the whole Txn with an {@link
   * AlreadyExistsException}. Returns them as stored, in order. At most {@link
   * #MAX_CREATES_PER_TXN}.
   */
  public List<Object> createAll(List<Object> objects) {
    if (objects.size() > MAX_CREATES_PER_TXN) {
      throw new InvalidObjectException(
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
      throw new InvalidObjectException(pathPrefix + "kind", "the object holds no known kind");
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
    // Server-owned on every kind: only the master confirms a termination.
    m.removeAnnotations(PodStrategy.TERMINATION_CONFIRMED);
    Object candidate = validator.applyDefaults(ApiObjects.withMeta(object, m.build()));
    check(candidate, null, pathPrefix);
    candidate = strategy(kind).prepareForCreate(candidate);
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
   * Commits creates (and, for apply, updates) in one Txn, each guarded by its own compares and
   * every namespace involved by a compare on its version. When a namespace version taken from the
   * namespace strategy's memory turned out stale (the namespace changed since), the Txn is not
   * applied and runs once more with every namespace read afresh; a namespace that is gone or being
   * deleted then fails the create precisely.
   */
  private void commitCreates(TxnRequest.Builder txn, List<Prepared> creates) {
    Map<String, Boolean> createdNamespaces = createdNamespaces(creates);
    for (int attempt = 0; ; attempt++) {
      boolean mayUseCache = attempt == 0;
      txn.clearCompare();
      Map<ByteString, Compare> guards = new LinkedHashMap<>();
      for (Prepared p : creates) {
        txn.addAllCompare(p.compares);
        if (p.create) {
          Compare g = namespaces.guard(p.object, createdNamespaces, mayUseCache);
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
          throw new AlreadyExistsException(Objects.describe(p.object));
        }
      }
      if (!mayUseCache || guards.isEmpty()) {
        throw new ConflictException("a namespace or object changed concurrently; retry");
      }
      // Some namespace changed since it was seen: forget what was remembered and read again.
      for (Compare g : guards.values()) {
        ObjectKey k = parseKey(g.getKey());
        if (k != null) {
          namespaces.forget(k.name());
        }
      }
    }
  }

  /**
   * Fails as {@link #commitCreates} would when a create's namespace is missing or being deleted,
   * without writing: the admission check of a dry run.
   */
  private void checkNamespaces(List<Prepared> creates) {
    Map<String, Boolean> createdNamespaces = createdNamespaces(creates);
    for (Prepared p : creates) {
      if (p.create) {
        namespaces.guard(p.object, createdNamespaces, true);
      }
    }
  }

  // The namespaces created by these writes themselves, which need no guard.
  private static Map<String, Boolean> createdNamespaces(List<Prepared> creates) {
    Map<String, Boolean> created = new HashMap<>();
    for (Prepared p : creates) {
      if (p.create && Objects.kind(p.object) == Kind.KIND_NAMESPACE) {
        created.put(ApiObjects.meta(p.object).getName(), true);
      }
    }
    return created;
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
   * Replaces metadata and spec, guarded by the object's resource_version (a {@link
   * ConflictException} on conflict); the status sent is ignored.
   */
  public Object update(Object object, boolean dryRun) {
    ObjectMeta in = ApiObjects.meta(object);
    Kind kind = Objects.kind(object);
    requireIdentity(kind, in);
    if (in.getResourceVersion() <= 0) {
      throw new InvalidObjectException(
          "metadata.resource_version",
          "is required: every update is a compare-and-swap on the version read");
    }
    String ns = namespaceOf(kind, in.getNamespace());
    Object current = currentFor(kind, ns, in.getName(), in.getResourceVersion());
    long curRv = ApiObjects.meta(current).getResourceVersion();
    if (curRv != in.getResourceVersion()) {
      throw new ConflictException(Objects.describe(current), in.getResourceVersion(), curRv);
    }
    Object next =
        mergeUpdate(current, ApiObjects.withMeta(object, in.toBuilder().setNamespace(ns).build()));
    next = validator.applyDefaults(next);
    check(next, current, "");
    next = strategy(kind).prepareForUpdate(current, next);
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
    String confirmed = PodStrategy.TERMINATION_CONFIRMED;
    if (cur.containsAnnotations(confirmed)) {
      m.putAnnotations(confirmed, cur.getAnnotationsOrThrow(confirmed));
    } else {
      m.removeAnnotations(confirmed);
    }
    if (cur.hasDeletionTime()) {
      for (String f : in.getFinalizersList()) {
        if (!cur.getFinalizersList().contains(f)) {
          throw new InvalidObjectException(
              "metadata.finalizers", "no finalizer may be added once deletion started: " + f);
        }
      }
    }
    Object next = Objects.withStatusOf(incoming, current);
    strategy(Objects.kind(current)).checkUpdate(current, next);
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
      throw new InvalidObjectException("kind", kind + " has no status");
    }
    if (in.getResourceVersion() <= 0) {
      throw new InvalidObjectException(
          "metadata.resource_version", "is required: every status update is a compare-and-swap");
    }
    String ns = namespaceOf(kind, in.getNamespace());
    Object current = currentFor(kind, ns, in.getName(), in.getResourceVersion());
    long curRv = ApiObjects.meta(current).getResourceVersion();
    if (curRv != in.getResourceVersion()) {
      throw new ConflictException(Objects.describe(current), in.getResourceVersion(), curRv);
    }
    Object next = Objects.withStatusOf(current, object);
    return write(current, next);
  }

  /**
   * Read-modify-write of one object by the server itself: {@code change} computes the new object
   * from the current one; a concurrent write makes it run again on the newer state unless {@code
   * expectedRv} pins the version (then a {@link ConflictException}). Returns the stored result, or
   * the current object unchanged when {@code change} returns it as is.
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
        throw new ConflictException(Objects.describe(current), expectedRv, curRv);
      }
      Object next = change.apply(current);
      if (next.equals(current)) {
        return current;
      }
      try {
        return write(current, prepareUpdate(current, next));
      } catch (ConflictException e) {
        if (expectedRv > 0 || attempt >= MAX_RETRIES) {
          throw e;
        }
      }
    }
  }

  // A server-side change made ready to replace current: defaults, validation, generation.
  private Object prepareUpdate(Object current, Object next) {
    Object n = validator.applyDefaults(next);
    check(n, current, "");
    return bumpGeneration(current, n);
  }

  /** One object's outcome of {@link #mutateEach}: the object as stored, or why it was not. */
  public record Outcome(Object object, RuntimeException failure) {
    /** The object as stored; throws the failure instead when there is one. */
    public Object get() {
      if (failure != null) {
        throw failure;
      }
      return object;
    }
  }

  /**
   * {@link #mutate} (no pinned version) of several objects of one kind and namespace, written in
   * one Txn: one Raft entry for all of them. Each object's put is guarded by its own compare on the
   * version its change was computed from, and each gets exactly the outcome {@code mutate} would
   * give it: the stored object (resource_version the Txn's revision; unchanged ones as they are),
   * {@link NotFoundException}, a validation failure, or the store's failure. A Txn is all or
   * nothing, so when any compare fails the store reads every key in the failure branch; each change
   * then runs again on what is there now (a vanished object is not found) and the rest go again in
   * the next Txn, as {@code mutate} retries one. Leftovers after {@link #MAX_RETRIES} rounds, and a
   * change that completes a deletion, take {@code mutate} itself. At most {@link
   * #MAX_MUTATIONS_PER_TXN} objects, small ones: their puts together must fit one store request
   * ({@link Validation#MAX_REQUEST_BYTES}), or every one fails with the store's refusal.
   */
  public Map<String, Outcome> mutateEach(
      Kind kind, String namespace, Map<String, UnaryOperator<Object>> changes) {
    if (changes.size() > MAX_MUTATIONS_PER_TXN) {
      throw new IllegalArgumentException(
          "at most " + MAX_MUTATIONS_PER_TXN + " objects per Txn, got " + changes.size());
    }
    Map<String, Outcome> out = new LinkedHashMap<>();
    Map<String, Object> current = readEach(kind, namespace, changes.keySet(), out);
    for (int attempt = 0; !current.isEmpty(); attempt++) {
      List<Write> writes = new ArrayList<>();
      for (Map.Entry<String, Object> e : current.entrySet()) {
        String name = e.getKey();
        UnaryOperator<Object> change = changes.get(name);
        if (attempt >= MAX_RETRIES) {
          out.put(name, outcomeOf(() -> mutate(kind, namespace, name, 0, change)));
          continue;
        }
        Object cur = e.getValue();
        try {
          Object next = change.apply(cur);
          if (next.equals(cur)) {
            out.put(name, new Outcome(cur, null));
            continue;
          }
          next = prepareUpdate(cur, next);
          if (deletionComplete(next)) {
            out.put(name, outcomeOf(() -> mutate(kind, namespace, name, 0, change)));
            continue;
          }
          writes.add(new Write(cur, next));
        } catch (RuntimeException ex) {
          out.put(name, new Outcome(null, ex));
        }
      }
      current = writeEach(writes, out);
    }
    return out;
  }

  /**
   * Reads every object from the local (serializable) copy, which costs no Raft round: each write's
   * compare still rejects a stale copy, and the Txn's failure branch then reads the latest. An
   * object missing locally is read again linearizably, so that one is reported missing only from
   * the latest state, as {@link #mutate} reports it. The missing and the unreadable get their
   * outcome in {@code out}.
   */
  private Map<String, Object> readEach(
      Kind kind, String namespace, Iterable<String> names, Map<String, Outcome> out) {
    Map<String, CompletableFuture<RangeResponse>> reads = new LinkedHashMap<>();
    for (String name : names) {
      reads.put(
          name,
          kv.range(
              RangeRequest.newBuilder()
                  .setKey(key(kind, namespace, name))
                  .setSerializable(true)
                  .build()));
    }
    Map<String, Object> current = new LinkedHashMap<>();
    for (Map.Entry<String, CompletableFuture<RangeResponse>> e : reads.entrySet()) {
      String name = e.getKey();
      try {
        RangeResponse r = await(e.getValue());
        Optional<Object> found =
            r.getKvsCount() == 0 ? get(kind, namespace, name) : Optional.of(decode(r.getKvs(0)));
        if (found.isEmpty()) {
          out.put(
              name,
              new Outcome(null, new NotFoundException(Objects.describe(kind, namespace, name))));
        } else {
          current.put(name, found.get());
        }
      } catch (RegistryException ex) {
        out.put(name, new Outcome(null, ex));
      }
    }
    return current;
  }

  // One change of mutateEach, ready to write over the version it was computed from.
  private record Write(Object current, Object next) {}

  /**
   * Writes every change in one Txn; on success records every outcome and returns nothing to retry,
   * otherwise returns each object still there as the Txn saw it.
   */
  private Map<String, Object> writeEach(List<Write> writes, Map<String, Outcome> out) {
    Map<String, Object> again = new LinkedHashMap<>();
    if (writes.isEmpty()) {
      return again;
    }
    TxnRequest.Builder txn = TxnRequest.newBuilder();
    for (Write w : writes) {
      ObjectMeta m = ApiObjects.meta(w.next());
      ByteString key = key(Objects.kind(w.next()), m.getNamespace(), m.getName());
      txn.addCompare(modEquals(key, ApiObjects.meta(w.current()).getResourceVersion()))
          .addSuccess(
              RequestOp.newBuilder()
                  .setRequestPut(PutRequest.newBuilder().setKey(key).setValue(encode(w.next()))))
          .addFailure(
              RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(key)));
    }
    TxnResponse resp;
    try {
      resp = await(kv.txn(txn.build()));
    } catch (RegistryException e) {
      for (Write w : writes) {
        out.put(ApiObjects.meta(w.next()).getName(), new Outcome(null, e));
      }
      return again;
    }
    for (int i = 0; i < writes.size(); i++) {
      Object next = writes.get(i).next();
      ObjectMeta m = ApiObjects.meta(next);
      if (resp.getSucceeded()) {
        long rev = resp.getHeader().getRevision();
        out.put(
            m.getName(),
            new Outcome(
                ApiObjects.withMeta(next, m.toBuilder().setResourceVersion(rev).build()), null));
        continue;
      }
      RangeResponse now = resp.getResponses(i).getResponseRange();
      if (now.getKvsCount() == 0) {
        out.put(m.getName(), new Outcome(null, new NotFoundException(Objects.describe(next))));
      } else {
        again.put(m.getName(), decode(now.getKvs(0)));
      }
    }
    return again;
  }

  private static Outcome outcomeOf(Supplier<Object> write) {
    try {
      return new Outcome(write.get(), null);
    } catch (RuntimeException e) {
      return new Outcome(null, e);
    }
  }

  /**
   * Writes {@code next} over {@code current} with a CAS on current's version; removes the object
   * instead when its deletion is complete.
   */
  Object write(Object current, Object next) {
    ObjectMeta m = ApiObjects.meta(next);
    ByteString key = key(Objects.kind(next), m.getNamespace(), m.getName());
    long expected = ApiObjects.meta(current).getResourceVersion();
    if (deletionComplete(next)) {
      // The result carries the revision of the removal, so a caller waiting for it sees it.
      long rev = remove(current, key, expected);
      return ApiObjects.withMeta(next, m.toBuilder().setResourceVersion(rev).build());
    }
    TxnResponse resp =
        compareAndSwap(
            next,
            key,
            expected,
            RequestOp.newBuilder()
                .setRequestPut(PutRequest.newBuilder().setKey(key).setValue(encode(next)))
                .build());
    return ApiObjects.withMeta(
        next, m.toBuilder().setResourceVersion(resp.getHeader().getRevision()).build());
  }

  /**
   * Runs {@code op} on {@code key} if it is still at {@code expected}; otherwise fails with the
   * conflict (or the absence) the store reports for {@code object}.
   */
  private TxnResponse compareAndSwap(Object object, ByteString key, long expected, RequestOp op) {
    TxnResponse resp =
        await(
            kv.txn(
                TxnRequest.newBuilder()
                    .addCompare(modEquals(key, expected))
                    .addSuccess(op)
                    .addFailure(
                        RequestOp.newBuilder()
                            .setRequestRange(RangeRequest.newBuilder().setKey(key)))
                    .build()));
    if (!resp.getSucceeded()) {
      throw conflictFrom(object, expected, resp.getResponses(0).getResponseRange());
    }
    return resp;
  }

  private static RegistryException conflictFrom(Object o, long expected, RangeResponse now) {
    if (now.getKvsCount() == 0) {
      return new NotFoundException(Objects.describe(o));
    }
    return new ConflictException(Objects.describe(o), expected, now.getKvs(0).getModRevision());
  }

  static Compare modEquals(ByteString key, long rev) {
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
        throw new PreconditionFailedException(
            "precondition failed: uid is " + m.getUid() + ", not " + opts.uid());
      }
      if (opts.resourceVersion() != null && opts.resourceVersion() != m.getResourceVersion()) {
        throw new PreconditionFailedException(
            "precondition failed: resource_version is "
                + m.getResourceVersion()
                + ", not "
                + opts.resourceVersion());
      }
      try {
        DeleteResult own = strategy(kind).delete(current, opts);
        if (own != null) {
          return own;
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
      } catch (ConflictException e) {
        if (attempt >= MAX_RETRIES) {
          throw e;
        }
      }
    }
  }

  /** The object entering graceful deletion, or null when it can go at once. */
  Object startGracefulDeletion(
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
    KindStrategy strategy = strategy(Objects.kind(current));
    if (b.getFinalizersCount() == 0 && !strategy.awaitsCleanup(current)) {
      return null;
    }
    if (m.hasDeletionTime()) {
      // Deletion already in progress: never reset the clock.
      return current;
    }
    b.setDeletionTime(now());
    b.setDeletionGracePeriodSeconds(
        strategy.gracePeriodSeconds(current, opts.gracePeriodSeconds()));
    Object next = ApiObjects.withMeta(current, b.build());
    return onGraceful == null ? next : onGraceful.apply(next);
  }

  /** True when a deleted object has nothing left to wait for. */
  boolean deletionComplete(Object o) {
    ObjectMeta m = ApiObjects.meta(o);
    if (!m.hasDeletionTime() || m.getFinalizersCount() > 0) {
      return false;
    }
    return !strategy(Objects.kind(o)).awaitsCleanup(o);
  }

  /**
   * Removes the key if still at {@code expected}. A terminating namespace that this left empty is
   * the namespace controller's to remove: it sees the deletion in its cache.
   */
  long remove(Object current, ByteString key, long expected) {
    TxnResponse resp =
        compareAndSwap(
            current,
            key,
            expected,
            RequestOp.newBuilder()
                .setRequestDeleteRange(DeleteRangeRequest.newBuilder().setKey(key))
                .build());
    return resp.getHeader().getRevision();
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
        } catch (InvalidObjectException e) {
          violations.addAll(e.violations());
        }
      }
      if (!violations.isEmpty()) {
        throw new InvalidObjectException(violations);
      }
      checkNoDuplicates(prepared);
      List<Prepared> writes = new ArrayList<>();
      for (Prepared p : prepared) {
        if (p != null) {
          writes.add(p);
        }
      }
      if (dryRun || writes.isEmpty()) {
        // A dry run admits what the real request would: the namespaces must exist and be active.
        checkNamespaces(writes);
        return results;
      }
      TxnRequest.Builder txn = TxnRequest.newBuilder();
      for (Prepared p : writes) {
        p.addTo(txn);
      }
      try {
        commitCreates(txn, writes);
      } catch (ConflictException | AlreadyExistsException e) {
        if (attempt < MAX_RETRIES) {
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
      throw new InvalidObjectException(path + "kind", "the object holds no known kind");
    }
    ObjectMeta m = ApiObjects.meta(in);
    if (m.getName().isEmpty()) {
      throw new InvalidObjectException(path + "metadata.name", "is required for apply");
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
    merged = strategy(Objects.kind(cur)).prepareForUpdate(cur, merged);
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
        throw new InvalidObjectException(
            "objects[" + i + "]", "names the same object as objects[" + before + "]");
      }
    }
  }

  // ---------------------------------------------------------------- helpers

  private void check(Object candidate, Object old, String pathPrefix) {
    List<FieldViolation> v = validator.validate(candidate, old);
    if (!v.isEmpty()) {
      List<FieldViolation> prefixed = new ArrayList<>();
      for (FieldViolation f : v) {
        prefixed.add(f.toBuilder().setField(pathPrefix + f.getField()).build());
      }
      throw new InvalidObjectException(prefixed);
    }
  }

  private static void requireIdentity(Kind kind, ObjectMeta m) {
    if (!Objects.known(kind)) {
      throw new InvalidObjectException("kind", "the object holds no known kind");
    }
    if (m.getName().isEmpty()) {
      throw new InvalidObjectException("metadata.name", "is required");
    }
  }

  /** The namespace an object of {@code kind} lives in, given what the request said. */
  public static String namespaceOf(Kind kind, String requested) {
    if (Objects.clusterScoped(kind)) {
      return "";
    }
    return requested.isEmpty() ? DEFAULT_NAMESPACE : requested;
  }

  Timestamp now() {
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

  /** Waits for a store call, mapping its failure to a {@link StoreUnavailableException}. */
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
      throw new StoreUnavailableException(
          StoreUnavailableException.Reason.INTERRUPTED, "interrupted", e);
    } catch (TimeoutException e) {
      throw timedOut(e);
    } catch (ExecutionException e) {
      throw fromStore(e.getCause());
    }
  }

  /**
   * {@link #await} without a thread waiting: the same timeout, timer and failures, delivered by the
   * returned future.
   */
  private <T> CompletableFuture<T> awaitAsync(CompletableFuture<T> f) {
    long start = System.nanoTime();
    return f.orTimeout(timeoutMillis, TimeUnit.MILLISECONDS)
        .handle(
            (r, err) -> {
              if (err != null) {
                Throwable cause = err instanceof CompletionException ? err.getCause() : err;
                throw cause instanceof TimeoutException t ? timedOut(t) : fromStore(cause);
              }
              long took = System.nanoTime() - start;
              callTimer.accept(took);
              if (r instanceof TxnResponse) {
                writeTimer.accept(took);
              }
              return r;
            });
  }

  private StoreUnavailableException timedOut(TimeoutException e) {
    return new StoreUnavailableException(
        StoreUnavailableException.Reason.TIMEOUT,
        "the store did not answer within " + timeoutMillis + " ms",
        e);
  }

  /** The registry's failure for a failed store call. */
  public static RegistryException fromStore(Throwable t) {
    Throwable c = t;
    while (c.getCause() != null
        && !(c instanceof KvStoreException)
        && !(c instanceof RegistryException)) {
      c = c.getCause();
    }
    if (c instanceof RegistryException) {
      return (RegistryException) c;
    }
    KvStoreException e = KvStoreException.of(c);
    StoreUnavailableException.Reason reason;
    switch (e.kind()) {
      case UNAVAILABLE:
        reason = StoreUnavailableException.Reason.UNAVAILABLE;
        break;
      case TIMEOUT:
        reason = StoreUnavailableException.Reason.TIMEOUT;
        break;
      case COMPACTED:
        return new StoreUnavailableException(
            StoreUnavailableException.Reason.COMPACTED, e.getMessage(), e);
      case FUTURE_REVISION:
        reason = StoreUnavailableException.Reason.FUTURE_REVISION;
        break;
      default:
        reason = StoreUnavailableException.Reason.INTERNAL;
    }
    return new StoreUnavailableException(reason, "store: " + e.getMessage(), e);
  }
}
