package dev.drover.master.controller.gc;

import com.google.protobuf.Message;
import dev.drover.api.ApiObjects;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.OwnerReference;
import dev.drover.api.v1.PropagationPolicy;
import dev.drover.master.controller.Controller;
import dev.drover.master.controller.ControllerContext;
import dev.drover.master.controller.DeleteOptions;
import dev.drover.master.controller.ResourceHandler;
import dev.drover.master.controller.WriteException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Deletes objects whose owners are gone and carries out foreground and orphaning deletions.
 *
 * <ul>
 *   <li>Background: a dependent all of whose owner references point to objects that no longer exist
 *       (or exist with another uid) is deleted. Absence is confirmed with a read from the store,
 *       because the cache may not have seen a freshly created owner yet.
 *   <li>Foreground: an owner being deleted with the {@value #FOREGROUND} finalizer gets its
 *       dependents deleted (in the foreground too when they block it); once no dependent with
 *       {@code block_owner_deletion} is left, the finalizer is removed and the store removes the
 *       owner.
 *   <li>Orphan: an owner being deleted with the {@value #ORPHAN} finalizer has its reference
 *       removed from every dependent, then the finalizer.
 * </ul>
 *
 * <p>Keys are {@code KIND_NUMBER|namespace|name}. Finished pods of a deleted Job are ordinary
 * dependents and go with it.
 */
public final class GarbageCollector extends Controller {
  /** Finalizer the store adds to an object deleted with foreground propagation. */
  public static final String FOREGROUND = "foregroundDeletion";

  /** Finalizer the store adds to an object deleted with orphan propagation. */
  public static final String ORPHAN = "orphan";

  /** Kinds that can be dependents (have owner references worth following). */
  static final List<Kind> DEPENDENT_KINDS =
      List.of(
          Kind.KIND_POD,
          Kind.KIND_REPLICA_SET,
          Kind.KIND_DEPLOYMENT,
          Kind.KIND_DAEMON_SET,
          Kind.KIND_JOB,
          Kind.KIND_STATEFUL_SET,
          Kind.KIND_PERSISTENT_VOLUME_CLAIM,
          Kind.KIND_SERVICE,
          Kind.KIND_ENDPOINTS,
          Kind.KIND_CONFIG_MAP,
          Kind.KIND_SECRET,
          Kind.KIND_LEASE);

  /** Kinds watched as owners: every dependent kind plus the cluster-scoped ones. */
  static final List<Kind> OWNER_KINDS =
      Stream.concat(Stream.of(Kind.KIND_NAMESPACE, Kind.KIND_NODE), DEPENDENT_KINDS.stream())
          .toList();

  /** Creates the collector and registers its handlers for every kind. */
  public GarbageCollector(ControllerContext context, int workers, Duration resync) {
    super("garbage-collector", context, workers, resync);
    for (Kind kind : OWNER_KINDS) {
      cache.addHandler(
          kind,
          new ResourceHandler() {
            @Override
            public void onAdd(Message object) {
              consider(object);
            }

            @Override
            public void onUpdate(Message oldObject, Message newObject) {
              consider(newObject);
            }

            @Override
            public void onDelete(Message lastState) {
              for (Message dependent : dependents(lastState)) {
                queue.add(key(dependent));
              }
              // An owner deleting in the foreground waits for this one: look at it again.
              ObjectMeta meta = ApiObjects.meta(lastState);
              for (OwnerReference ref : meta.getOwnerReferencesList()) {
                String ns = ApiObjects.isClusterScoped(ref.getKind()) ? "" : meta.getNamespace();
                queue.add(key(ref.getKind(), ns, ref.getName()));
              }
            }
          });
    }
  }

  /** Creates the collector with two workers and a 60 s resync. */
  public GarbageCollector(ControllerContext context) {
    this(context, 2, Duration.ofSeconds(60));
  }

  private void consider(Message object) {
    ObjectMeta meta = ApiObjects.meta(object);
    boolean ownerWork =
        meta.hasDeletionTime()
            && (meta.getFinalizersList().contains(FOREGROUND)
                || meta.getFinalizersList().contains(ORPHAN));
    if (ownerWork || meta.getOwnerReferencesCount() > 0) {
      queue.add(key(object));
    }
  }

  static String key(Message object) {
    ObjectMeta meta = ApiObjects.meta(object);
    return key(ApiObjects.kindOf(object), meta.getNamespace(), meta.getName());
  }

  static String key(Kind kind, String namespace, String name) {
    return kind.getNumber() + "|" + namespace + "|" + name;
  }

  @Override
  protected List<String> allKeys() {
    List<String> keys = new ArrayList<>();
    for (Kind kind : OWNER_KINDS) {
      for (Message object : cache.<Message>list(kind, "", null)) {
        ObjectMeta meta = ApiObjects.meta(object);
        if (meta.getOwnerReferencesCount() > 0 || meta.hasDeletionTime()) {
          keys.add(key(object));
        }
      }
    }
    return keys;
  }

  /** Objects that have an owner reference to the object's uid. */
  List<Message> dependents(Message owner) {
    ObjectMeta meta = ApiObjects.meta(owner);
    String namespace =
        ApiObjects.isClusterScoped(ApiObjects.kindOf(owner)) ? "" : meta.getNamespace();
    List<Message> result = new ArrayList<>();
    for (Kind kind : DEPENDENT_KINDS) {
      for (Message candidate : cache.<Message>list(kind, namespace, null)) {
        if (ApiObjects.meta(candidate).getOwnerReferencesList().stream()
            .anyMatch(ref -> ref.getUid().equals(meta.getUid()))) {
          result.add(candidate);
        }
      }
    }
    return result;
  }

  @Override
  protected void sync(String key) {
    String[] parts = key.split("\\|", 3);
    Kind kind = Kind.forNumber(Integer.parseInt(parts[0]));
    Optional<Message> found = cache.get(kind, parts[1], parts[2]);
    if (found.isEmpty()) {
      return;
    }
    Message object = found.get();
    ObjectMeta meta = ApiObjects.meta(object);
    if (meta.hasDeletionTime() && meta.getFinalizersList().contains(ORPHAN)) {
      orphanDependents(object);
    } else if (meta.hasDeletionTime() && meta.getFinalizersList().contains(FOREGROUND)) {
      deleteInForeground(object);
    } else if (meta.getOwnerReferencesCount() > 0 && !meta.hasDeletionTime()) {
      collectIfOwnersGone(kind, object);
    }
  }

  private void orphanDependents(Message owner) {
    String uid = ApiObjects.meta(owner).getUid();
    for (Message dependent : dependents(owner)) {
      ObjectMeta meta = ApiObjects.meta(dependent);
      List<OwnerReference> kept =
          meta.getOwnerReferencesList().stream().filter(r -> !r.getUid().equals(uid)).toList();
      try {
        writer.update(
            ApiObjects.withMeta(
                dependent,
                meta.toBuilder().clearOwnerReferences().addAllOwnerReferences(kept).build()));
      } catch (WriteException e) {
        if (e.reason() != WriteException.Reason.NOT_FOUND) {
          throw e;
        }
      }
    }
    removeFinalizer(owner, ORPHAN);
  }

  private void deleteInForeground(Message owner) {
    String uid = ApiObjects.meta(owner).getUid();
    boolean blocked = false;
    for (Message dependent : dependents(owner)) {
      ObjectMeta meta = ApiObjects.meta(dependent);
      boolean blocks =
          meta.getOwnerReferencesList().stream()
              .anyMatch(r -> r.getUid().equals(uid) && r.getBlockOwnerDeletion());
      blocked |= blocks;
      if (!meta.hasDeletionTime()) {
        delete(
            dependent,
            blocks
                ? PropagationPolicy.PROPAGATION_POLICY_FOREGROUND
                : PropagationPolicy.PROPAGATION_POLICY_BACKGROUND);
      }
    }
    if (!blocked) {
      removeFinalizer(owner, FOREGROUND);
    }
  }

  private void collectIfOwnersGone(Kind kind, Message dependent) {
    ObjectMeta meta = ApiObjects.meta(dependent);
    for (OwnerReference ref : meta.getOwnerReferencesList()) {
      String ownerNamespace = ApiObjects.isClusterScoped(ref.getKind()) ? "" : meta.getNamespace();
      Optional<Message> cached = cache.get(ref.getKind(), ownerNamespace, ref.getName());
      if (cached.isPresent() && ApiObjects.meta(cached.get()).getUid().equals(ref.getUid())) {
        return;
      }
      // The cache may trail the store: confirm with a store read before deleting anything.
      Optional<Message> stored = writer.fetch(ref.getKind(), ownerNamespace, ref.getName());
      if (stored.isPresent() && ApiObjects.meta(stored.get()).getUid().equals(ref.getUid())) {
        return;
      }
    }
    delete(dependent, PropagationPolicy.PROPAGATION_POLICY_BACKGROUND);
  }

  private void delete(Message object, PropagationPolicy propagation) {
    ObjectMeta meta = ApiObjects.meta(object);
    try {
      writer.delete(
          ApiObjects.kindOf(object),
          meta.getNamespace(),
          meta.getName(),
          DeleteOptions.withUid(meta.getUid()).propagation(propagation));
    } catch (WriteException e) {
      if (!isGone(e)) {
        throw e;
      }
    }
  }

  private void removeFinalizer(Message object, String finalizer) {
    ObjectMeta meta = ApiObjects.meta(object);
    List<String> rest =
        meta.getFinalizersList().stream().filter(f -> !f.equals(finalizer)).toList();
    try {
      writer.update(
          ApiObjects.withMeta(
              object, meta.toBuilder().clearFinalizers().addAllFinalizers(rest).build()));
    } catch (WriteException e) {
      if (e.reason() != WriteException.Reason.NOT_FOUND) {
        throw e;
      }
    }
  }
}
