package dev.drover.master.controller.namespace;

import com.google.protobuf.Message;
import dev.drover.api.ApiObjects;
import dev.drover.api.Kinds;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.Namespace;
import dev.drover.master.controller.Controller;
import dev.drover.master.controller.ControllerContext;
import dev.drover.master.controller.ResourceHandler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Empties and removes terminating namespaces, as Kubernetes' namespace controller does. Deleting a
 * namespace through the API only marks it Terminating; this controller then deletes what it holds
 * kind by kind, reading the store a page at a time and deleting each page in a few batched store
 * transactions, so the work is linear in the objects. Objects that must wait (finalizers, pods
 * whose node has to stop their containers) stay in graceful deletion; their removal, seen in the
 * cache, brings the namespace back, and once nothing is left and the namespace has no finalizers it
 * is removed.
 *
 * <p>Keys are namespace names.
 */
public final class NamespaceController extends Controller {
  /** Objects read from the store per page. */
  static final int PAGE_SIZE = 500;

  /** Delay before looking at a namespace again while objects in it wait for their cleanup. */
  static final Duration RECHECK = Duration.ofSeconds(5);

  /**
   * Delay that gathers the removals of many objects in a terminating namespace into one more pass,
   * rather than a pass per removal.
   */
  static final Duration GATHER = Duration.ofMillis(500);

  /** Every kind whose objects live in a namespace. */
  static final List<Kind> NAMESPACED = Kinds.all().stream().filter(Kinds::isNamespaced).toList();

  /** Creates the controller and registers its handlers. */
  public NamespaceController(ControllerContext context, int workers, Duration resync) {
    super("namespace-controller", context, workers, resync);
    cache.addHandler(
        Kind.KIND_NAMESPACE,
        new ResourceHandler() {
          @Override
          public void onAdd(Message namespace) {
            considerNamespace(namespace);
          }

          @Override
          public void onUpdate(Message oldNamespace, Message newNamespace) {
            considerNamespace(newNamespace);
          }

          @Override
          public void onDelete(Message lastState) {}
        });
    ResourceHandler contents =
        new ResourceHandler() {
          @Override
          public void onAdd(Message object) {}

          @Override
          public void onUpdate(Message oldObject, Message newObject) {}

          @Override
          public void onDelete(Message lastState) {
            String ns = ApiObjects.meta(lastState).getNamespace();
            if (terminating(ns).isPresent()) {
              queue.addAfter(ns, GATHER);
            }
          }
        };
    for (Kind kind : NAMESPACED) {
      cache.addHandler(kind, contents);
    }
  }

  /** Creates the controller with one worker and a 60 s resync. */
  public NamespaceController(ControllerContext context) {
    this(context, 1, Duration.ofSeconds(60));
  }

  private void considerNamespace(Message namespace) {
    if (ApiObjects.meta(namespace).hasDeletionTime()) {
      queue.add(ApiObjects.meta(namespace).getName());
    }
  }

  private Optional<Namespace> terminating(String name) {
    if (name.isEmpty()) {
      return Optional.empty();
    }
    Optional<Namespace> ns = cache.get(Kind.KIND_NAMESPACE, "", name);
    return ns.filter(n -> n.getMetadata().hasDeletionTime());
  }

  @Override
  protected List<String> allKeys() {
    List<String> keys = new ArrayList<>();
    for (Namespace ns : cache.<Namespace>list(Kind.KIND_NAMESPACE, "", null)) {
      if (ns.getMetadata().hasDeletionTime()) {
        keys.add(ns.getMetadata().getName());
      }
    }
    return keys;
  }

  @Override
  protected void sync(String name) {
    Optional<Namespace> ns = terminating(name);
    if (ns.isEmpty()) {
      return;
    }
    int left = 0;
    for (Kind kind : NAMESPACED) {
      left += purge(kind, name);
    }
    if (left > 0) {
      queue.addAfter(name, RECHECK);
      return;
    }
    boolean finalizers =
        ns.get().getMetadata().getFinalizersCount() > 0
            || ns.get().getSpec().getFinalizersCount() > 0;
    // A namespace that still has finalizers comes back when they are removed (an update).
    if (!writer.removeNamespaceIfEmpty(name) && !finalizers) {
      queue.addAfter(name, RECHECK);
    }
  }

  /** Deletes every object of one kind in the namespace; returns how many are still stored. */
  private int purge(Kind kind, String namespace) {
    int left = 0;
    String after = "";
    while (true) {
      List<Message> page = writer.listPage(kind, namespace, after, PAGE_SIZE);
      if (page.isEmpty()) {
        return left;
      }
      left += writer.deleteAll(page);
      if (page.size() < PAGE_SIZE) {
        return left;
      }
      after = ApiObjects.meta(page.get(page.size() - 1)).getName();
    }
  }
}
