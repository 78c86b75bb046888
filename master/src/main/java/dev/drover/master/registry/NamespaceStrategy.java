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
import dev.drover.store.v1.RangeRequest;
import dev.drover.store.v1.RangeResponse;
import dev.drover.store.v1.RequestOp;
import dev.drover.store.v1.TxnRequest;
import dev.drover.store.v1.TxnResponse;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What namespaces add to the generic {@link Registry}: a new namespace is Active; a namespaced
 * object may only be created in a namespace that exists and is not being deleted (guarded by a
 * compare on the namespace's version); deleting a namespace marks it Terminating, deletes
 * everything in it, and finalizes it (removes it) once it is empty and has no finalizers left.
 */
public final class NamespaceStrategy implements KindStrategy {
  /** Namespaces remembered as active at most; more are read at every create. */
  private static final int MAX_CACHED_NAMESPACES = 10_000;

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
      throw new PreconditionFailedException(
          "namespace " + ns + " is being deleted; no new objects may be created in it");
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
   * Marks the namespace Terminating, deletes everything in it and removes it if that left it empty;
   * otherwise {@link #finishIfEmpty} removes it once its last object goes.
   */
  @Override
  public DeleteResult delete(Object current, DeleteOptions opts) {
    String ns = current.getNamespace().getMetadata().getName();
    if (Registry.DEFAULT_NAMESPACE.equals(ns)) {
      throw new PreconditionFailedException("the default namespace cannot be deleted");
    }
    Object marked = current;
    if (!current.getNamespace().getMetadata().hasDeletionTime()) {
      var nsObj = current.getNamespace().toBuilder();
      nsObj.getMetadataBuilder().setDeletionTime(registry.now()).setDeletionGracePeriodSeconds(0);
      nsObj.getStatusBuilder().setPhase(NamespacePhase.NAMESPACE_PHASE_TERMINATING);
      marked = registry.write(current, Object.newBuilder().setNamespace(nsObj).build());
    }
    for (Kind k : Kind.values()) {
      if (!Objects.known(k) || Objects.clusterScoped(k)) {
        continue;
      }
      for (Object o : registry.list(k, ns)) {
        ObjectMeta m = ApiObjects.meta(o);
        try {
          registry.delete(
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
        } catch (NotFoundException e) {
          // Gone meanwhile: nothing left to delete.
        }
      }
    }
    boolean gone = finishIfEmpty(ns);
    return new DeleteResult(marked, gone, registry.kv().currentRevision());
  }

  /** Removes a terminating namespace once nothing is left in it; true when it is gone. */
  boolean finishIfEmpty(String ns) {
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
