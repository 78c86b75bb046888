package dev.drover.master.registry;

import com.google.protobuf.ByteString;
import dev.drover.api.ApiObjects;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.Namespace;
import dev.drover.api.v1.NamespacePhase;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.PropagationPolicy;
import dev.drover.master.registry.Registry.DeleteOptions;
import dev.drover.master.registry.Registry.DeleteResult;
import dev.drover.store.api.Keys;
import dev.drover.store.v1.Compare;
import dev.drover.store.v1.DeleteRangeRequest;
import dev.drover.store.v1.KeyValue;
import dev.drover.store.v1.PutRequest;
import dev.drover.store.v1.RangeRequest;
import dev.drover.store.v1.RangeResponse;
import dev.drover.store.v1.RequestOp;
import dev.drover.store.v1.TxnRequest;
import dev.drover.store.v1.TxnResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What namespaces add to the generic {@link Registry}: a new namespace is Active; a namespaced
 * object may only be created in a namespace that exists and is not being deleted (guarded by a
 * compare on the namespace's version, refused as Kubernetes does with a {@link ForbiddenException}
 * once the namespace is terminating); deleting a namespace only marks it Terminating. The namespace
 * controller then deletes its contents a page at a time with the batched deletes here and removes
 * the namespace once it is empty and has no finalizers left.
 */
public final class NamespaceStrategy implements KindStrategy {
  /** Namespaces remembered as active at most; more are read at every create. */
  private static final int MAX_CACHED_NAMESPACES = 10_000;

  /** Objects one {@link #deleteBatch} transaction removes at most (a compare and an op each). */
  static final int DELETES_PER_TXN = 64;

  private static final byte[] ZERO = {0};

  /** The contents of a terminating namespace go in the background, each at its own grace. */
  private static final DeleteOptions BACKGROUND =
      new DeleteOptions(null, null, null, PropagationPolicy.PROPAGATION_POLICY_BACKGROUND, false);

  private final Registry registry;

  /**
   * Namespaces this registry saw active, with their mod_revision then: a create in one of them
   * guards the namespace with a compare on that version instead of reading it first. A stale entry
   * costs one failed Txn and a fresh read, never a create in a namespace that is gone or being
   * deleted.
   */
  private final Map<String, Long> activeNamespaces = new ConcurrentHashMap<>();

  NamespaceStrategy(Registry registry) {
    this.registry = registry;
  }

  @Override
  public Object prepareForCreate(Object candidate) {
    return candidate.toBuilder()
        .setNamespace(
            candidate.getNamespace().toBuilder()
                .setStatus(
                    candidate.getNamespace().getStatus().toBuilder()
                        .setPhase(NamespacePhase.NAMESPACE_PHASE_ACTIVE)))
        .build();
  }

  /** A namespace goes only through {@link #finishIfEmpty}, never when its finalizers are done. */
  @Override
  public boolean awaitsCleanup(Object namespace) {
    return true;
  }

  /**
   * The compare that the object's namespace still exists, unchanged since it was seen active; null
   * for a cluster-scoped object or one whose namespace is created in the same Txn. The version
   * comes from {@link #activeNamespaces} when this registry saw the namespace active before (no
   * store call at all: a create is then one Txn), else from a read, which also fails the create at
   * once when the namespace is missing or being deleted.
   */
  Compare guard(Object object, Map<String, Boolean> createdInSameTxn, boolean mayUseCache) {
    Kind kind = Objects.kind(object);
    if (Objects.clusterScoped(kind)) {
      return null;
    }
    String ns = ApiObjects.meta(object).getNamespace();
    if (createdInSameTxn.containsKey(ns)) {
      return null;
    }
    ByteString nsKey = Registry.key(Kind.KIND_NAMESPACE, "", ns);
    Long seen = mayUseCache ? activeNamespaces.get(ns) : null;
    if (seen != null) {
      return Registry.modEquals(nsKey, seen);
    }
    // The local copy answers "exists and is active" without a Raft round trip: the compare
    // on its version rejects the write if it changed since. A negative answer may be stale
    // here (a namespace just made elsewhere), so it comes from a linearizable read.
    RangeResponse r =
        registry.await(
            registry
                .kv()
                .range(RangeRequest.newBuilder().setKey(nsKey).setSerializable(true).build()));
    if (r.getKvsCount() == 0
        || Registry.decode(r.getKvs(0)).getNamespace().getMetadata().hasDeletionTime()) {
      r = registry.await(registry.kv().get(nsKey));
    }
    if (r.getKvsCount() == 0) {
      activeNamespaces.remove(ns);
      throw new NotFoundException("Namespace " + ns);
    }
    Object nsObj = Registry.decode(r.getKvs(0));
    long rev = r.getKvs(0).getModRevision();
    if (nsObj.getNamespace().getMetadata().hasDeletionTime()) {
      activeNamespaces.remove(ns);
      throw new ForbiddenException("namespace " + ns + " is being terminated");
    }
    rememberActiveNamespace(ns, rev);
    return Registry.modEquals(nsKey, rev);
  }

  /** Notes that {@code ns} was active at {@code rev}, keeping the newest version seen. */
  private void rememberActiveNamespace(String ns, long rev) {
    if (activeNamespaces.size() >= MAX_CACHED_NAMESPACES && !activeNamespaces.containsKey(ns)) {
      return;
    }
    activeNamespaces.merge(ns, rev, Math::max);
  }

  /** Forgets what was remembered of {@code ns}: the next create reads it again. */
  void forget(String ns) {
    activeNamespaces.remove(ns);
  }

  /**
   * Marks the namespace Terminating and returns at once: the namespace controller deletes what is
   * in it ({@link #page}, {@link #deleteBatch}) and then removes it ({@link #finishIfEmpty}), so
   * the time a Delete takes does not grow with the namespace.
   */
  @Override
  public DeleteResult delete(Object current, DeleteOptions opts) {
    String ns = current.getNamespace().getMetadata().getName();
    if (Registry.DEFAULT_NAMESPACE.equals(ns)) {
      throw new PreconditionFailedException("the default namespace cannot be deleted");
    }
    if (current.getNamespace().getMetadata().hasDeletionTime()) {
      return new DeleteResult(
          current, false, current.getNamespace().getMetadata().getResourceVersion());
    }
    var nsObj = current.getNamespace().toBuilder();
    nsObj.getMetadataBuilder().setDeletionTime(registry.now()).setDeletionGracePeriodSeconds(0);
    nsObj.getStatusBuilder().setPhase(NamespacePhase.NAMESPACE_PHASE_TERMINATING);
    Object marked = registry.write(current, Object.newBuilder().setNamespace(nsObj).build());
    activeNamespaces.remove(ns);
    return new DeleteResult(marked, false, ApiObjects.meta(marked).getResourceVersion());
  }

  /**
   * Up to {@code limit} objects of a namespaced kind in {@code ns}, in key order, starting after
   * the object named {@code after} (from the first when empty): one linearizable range read per
   * page, so listing a namespace costs what it holds.
   */
  public List<Object> page(Kind kind, String ns, String after, int limit) {
    ByteString prefix = Registry.prefix(kind, ns);
    ByteString from =
        after.isEmpty() ? prefix : Registry.key(kind, ns, after).concat(ByteString.copyFrom(ZERO));
    RangeResponse r =
        registry.await(
            registry
                .kv()
                .range(
                    RangeRequest.newBuilder()
                        .setKey(from)
                        .setRangeEnd(Keys.prefixEnd(prefix))
                        .setLimit(limit)
                        .build()));
    List<Object> out = new ArrayList<>(r.getKvsCount());
    for (KeyValue kv : r.getKvsList()) {
      out.add(Registry.decode(kv));
    }
    return out;
  }

  /**
   * Deletes objects read by {@link #page}, {@value #DELETES_PER_TXN} to a store transaction: one
   * with nothing to wait for is removed, one with finalizers or cleanup left to do outside the
   * registry (a pod on a node) enters graceful deletion, one already deleting is left as it is.
   * Each is guarded by a compare on the version read; a batch in which one changed meanwhile is
   * done again object by object through {@link Registry#delete}. Returns how many of {@code
   * objects} are still in the store.
   */
  public int deleteBatch(List<Object> objects) {
    int left = 0;
    for (int from = 0; from < objects.size(); from += DELETES_PER_TXN) {
      List<Object> batch = objects.subList(from, Math.min(objects.size(), from + DELETES_PER_TXN));
      TxnRequest.Builder txn = TxnRequest.newBuilder();
      int staying = 0;
      for (Object o : batch) {
        ObjectMeta m = ApiObjects.meta(o);
        ByteString key = Registry.key(Objects.kind(o), m.getNamespace(), m.getName());
        Object next = registry.startGracefulDeletion(o, BACKGROUND, null);
        RequestOp op;
        if (next == null) {
          op =
              RequestOp.newBuilder()
                  .setRequestDeleteRange(DeleteRangeRequest.newBuilder().setKey(key))
                  .build();
        } else {
          staying++;
          if (next.equals(o)) {
            continue;
          }
          op =
              RequestOp.newBuilder()
                  .setRequestPut(
                      PutRequest.newBuilder().setKey(key).setValue(Registry.encode(next)))
                  .build();
        }
        txn.addCompare(Registry.modEquals(key, m.getResourceVersion())).addSuccess(op);
      }
      if (txn.getCompareCount() > 0
          && !registry.await(registry.kv().txn(txn.build())).getSucceeded()) {
        staying = 0;
        for (Object o : batch) {
          staying += deleteOne(o) ? 0 : 1;
        }
      }
      left += staying;
    }
    return left;
  }

  /** Deletes one object the registry's ordinary way; true when it is gone. */
  private boolean deleteOne(Object o) {
    ObjectMeta m = ApiObjects.meta(o);
    try {
      return registry
          .delete(Objects.kind(o), m.getNamespace(), m.getName(), BACKGROUND, null)
          .deletedImmediately();
    } catch (NotFoundException e) {
      return true;
    }
  }

  /** Removes a terminating namespace once nothing is left in it; true when it is gone. */
  public boolean finishIfEmpty(String ns) {
    Optional<Object> nsObj = registry.get(Kind.KIND_NAMESPACE, "", ns);
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
      ByteString p = Registry.prefix(k, ns);
      RangeResponse r =
          registry.await(
              registry
                  .kv()
                  .range(
                      RangeRequest.newBuilder()
                          .setKey(p)
                          .setRangeEnd(Keys.prefixEnd(p))
                          .setCountOnly(true)
                          .build()));
      if (r.getCount() > 0) {
        return false;
      }
    }
    ByteString key = Registry.key(Kind.KIND_NAMESPACE, "", ns);
    TxnResponse resp =
        registry.await(
            registry
                .kv()
                .txn(
                    TxnRequest.newBuilder()
                        .addCompare(
                            Registry.modEquals(
                                key, ApiObjects.meta(nsObj.get()).getResourceVersion()))
                        .addSuccess(
                            RequestOp.newBuilder()
                                .setRequestDeleteRange(DeleteRangeRequest.newBuilder().setKey(key)))
                        .build()));
    return resp.getSucceeded();
  }

  /** Creates a namespace if it does not exist (the {@code default} namespace at first start). */
  public void ensure(String name) {
    if (registry.get(Kind.KIND_NAMESPACE, "", name).isPresent()) {
      return;
    }
    try {
      registry.create(
          Object.newBuilder()
              .setNamespace(
                  Namespace.newBuilder().setMetadata(ObjectMeta.newBuilder().setName(name)))
              .build(),
          false);
    } catch (AlreadyExistsException e) {
      // Made concurrently (another master starting): as good as made here.
    }
  }
}
