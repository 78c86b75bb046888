package dev.drover.master.wiring;

import com.google.protobuf.Message;
import dev.drover.api.ApiObjects;
import dev.drover.api.Kinds;
import dev.drover.api.v1.Event;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.master.cache.CacheListener;
import dev.drover.master.cache.WatchCache;
import dev.drover.master.controller.CacheReads;
import dev.drover.master.controller.ControllerContext;
import dev.drover.master.controller.ControllerManager;
import dev.drover.master.controller.DeleteOptions;
import dev.drover.master.controller.ObjectCache;
import dev.drover.master.controller.ObjectWriter;
import dev.drover.master.controller.ResourceHandler;
import dev.drover.master.controller.WriteException;
import dev.drover.master.election.ActiveComponent;
import dev.drover.master.events.EventSeries;
import dev.drover.master.registry.AlreadyExistsException;
import dev.drover.master.registry.ConflictException;
import dev.drover.master.registry.ForbiddenException;
import dev.drover.master.registry.InvalidObjectException;
import dev.drover.master.registry.NotFoundException;
import dev.drover.master.registry.PreconditionFailedException;
import dev.drover.master.registry.Registry;
import dev.drover.master.registry.RegistryException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Runs the standard controllers on the active master: the watch cache is their {@link ObjectCache},
 * the object store (every update a compare-and-swap) their {@link ObjectWriter}. Each start creates
 * fresh controllers and a {@link ControllerManager}; stop closes the manager and removes the
 * controllers' cache handlers.
 *
 * <p>A master that just became active may have a cache a little behind the store, holding neither
 * the last pods its predecessor created nor their deletions. Controllers starting on it would count
 * too few pods and create duplicates beyond max surge, so the cache counts as synced only once it
 * reflects the revision of the lease write that made this master active (everything its predecessor
 * wrote is below it), or, without one, the store revision read linearizably after activation.
 *
 * <p>Writes are fenced: each one first checks that this master still holds the active-master lease
 * (and that this activation was not stopped), so a master that lost the role stops writing at once,
 * even in the middle of a sync, not only once its workers have finished. Each write is also a
 * compare-and-swap on the object's version.
 */
public final class ControllersComponent implements ActiveComponent {
  private final WatchCache cache;
  private final Registry store;
  private final EventSeries events;
  private final Clock clock;
  private final BooleanSupplier holdsLease;
  private final LongSupplier activationRevision;
  private final List<WatchCache.Registration> registrations = new ArrayList<>();
  private ControllerManager manager;
  private StoreWriter writer;
  private ThreadPoolExecutor creates;

  /**
   * A stopped component over the master's cache, store and event recorder; {@code holdsLease} says
   * whether this master may still write as the active one, {@code activationRevision} the store
   * revision at which it became active (-1 when unknown).
   */
  public ControllersComponent(
      WatchCache cache,
      Registry store,
      EventSeries events,
      Clock clock,
      BooleanSupplier holdsLease,
      LongSupplier activationRevision) {
    this.cache = cache;
    this.store = store;
    this.events = events;
    this.clock = clock;
    this.holdsLease = holdsLease;
    this.activationRevision = activationRevision;
  }

  @Override
  public String name() {
    return "controllers";
  }

  /** Every write goes through {@link StoreWriter}, which checks the lease first. */
  @Override
  public boolean fencedByLease() {
    return true;
  }

  @Override
  public synchronized void start() {
    if (manager != null) {
      return;
    }
    CacheView view = new CacheView(new CatchUp());
    writer = new StoreWriter();
    creates = createsExecutor();
    manager =
        new ControllerManager(
            view, Controllers.standard(new ControllerContext(view, writer, clock, creates)));
    manager.start();
  }

  @Override
  public synchronized void stop() {
    if (manager == null) {
      return;
    }
    writer.fenced = true;
    manager.close();
    manager = null;
    creates.shutdown();
    creates = null;
    synchronized (registrations) {
      registrations.forEach(WatchCache.Registration::close);
      registrations.clear();
    }
  }

  /**
   * Threads for the concurrent creates of slow-start batches, shared by every controller: up to 16
   * at once (a batch beyond that runs its surplus on the syncing thread), none kept when idle.
   */
  private static ThreadPoolExecutor createsExecutor() {
    AtomicInteger n = new AtomicInteger();
    return new ThreadPoolExecutor(
        0,
        16,
        5,
        TimeUnit.SECONDS,
        new SynchronousQueue<>(),
        r -> {
          Thread t = new Thread(r, "controller-create-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        },
        // On the caller, even once shut down: a dropped task would leave its batch waiting forever
        // (the fenced writer fails it at once instead).
        (task, pool) -> task.run());
  }

  /** Waits for the cache to reach the revision at which this master became active. */
  private final class CatchUp {
    private long target = activationRevision.getAsLong();

    boolean reached() {
      if (!cache.synced()) {
        return false;
      }
      if (target < 0) {
        try {
          target =
              store
                  .await(
                      store
                          .kv()
                          .get(Registry.key(Kind.KIND_NAMESPACE, "", Registry.DEFAULT_NAMESPACE)))
                  .getHeader()
                  .getRevision();
        } catch (RuntimeException e) {
          // The store is not answering yet; the manager asks again shortly.
          return false;
        }
      }
      return cache.waitForRevision(target, Duration.ofMillis(200));
    }
  }

  /** The watch cache seen through the controllers' read interface, with handlers and catch-up. */
  private final class CacheView extends CacheReads {
    private final CatchUp catchUp;

    CacheView(CatchUp catchUp) {
      super(cache);
      this.catchUp = catchUp;
    }

    @Override
    public void addHandler(Kind kind, ResourceHandler handler) {
      WatchCache.Registration r =
          cache.addListener(
              kind,
              new CacheListener() {
                @Override
                public void onAdd(Object object) {
                  handler.onAdd(Kinds.unwrap(object));
                }

                @Override
                public void onUpdate(Object oldObject, Object newObject) {
                  handler.onUpdate(Kinds.unwrap(oldObject), Kinds.unwrap(newObject));
                }

                @Override
                public void onDelete(Object lastState) {
                  handler.onDelete(Kinds.unwrap(lastState));
                }
              });
      synchronized (registrations) {
        registrations.add(r);
      }
    }

    @Override
    public boolean hasSynced() {
      return catchUp.reached();
    }
  }

  /** The object store seen through the controllers' write interface. */
  private final class StoreWriter implements ObjectWriter {
    /** Set when this activation stops; every later write fails. */
    volatile boolean fenced;

    private void checkActive(String what) {
      if (fenced || !holdsLease.getAsBoolean()) {
        throw new WriteException(
            WriteException.Reason.UNAVAILABLE, what + ": this master is no longer the active one");
      }
    }

    @Override
    public <T extends Message> T create(T object) {
      return call(object, () -> store.create(Kinds.wrap(object), false));
    }

    @Override
    public <T extends Message> T update(T object) {
      return call(object, () -> store.update(Kinds.wrap(object), false));
    }

    @Override
    public <T extends Message> T updateStatus(T object) {
      return call(object, () -> store.updateStatus(Kinds.wrap(object)));
    }

    @SuppressWarnings("unchecked")
    private <T extends Message> T call(T object, Supplier<Object> write) {
      checkActive(describe(object));
      try {
        return (T) Kinds.unwrap(write.get());
      } catch (RegistryException e) {
        throw translate(describe(object), e);
      }
    }

    // Kind and key of an object to write; one created with generate_name has no name yet.
    private String describe(Message object) {
      ObjectMeta meta = ApiObjects.meta(object);
      String name = meta.getName().isEmpty() ? meta.getGenerateName() + "*" : meta.getName();
      return object.getDescriptorForType().getName()
          + " "
          + ApiObjects.key(meta.getNamespace(), name);
    }

    @Override
    public void delete(Kind kind, String namespace, String name, DeleteOptions options) {
      checkActive(Kinds.key(kind, namespace, name));
      try {
        store.delete(
            kind,
            namespace,
            name,
            new Registry.DeleteOptions(
                options.gracePeriodSeconds().orElse(null),
                options.uid().orElse(null),
                null,
                options.propagation(),
                false),
            o -> o);
      } catch (RegistryException e) {
        throw translate(Kinds.key(kind, namespace, name), e);
      }
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T extends Message> Optional<T> fetch(Kind kind, String namespace, String name) {
      try {
        return store.get(kind, namespace, name).map(o -> (T) Kinds.unwrap(o));
      } catch (RegistryException e) {
        throw translate(Kinds.key(kind, namespace, name), e);
      }
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T extends Message> List<T> listPage(
        Kind kind, String namespace, String after, int limit) {
      try {
        List<T> out = new ArrayList<>();
        for (Object o : store.namespaces().page(kind, namespace, after, limit)) {
          out.add((T) Kinds.unwrap(o));
        }
        return out;
      } catch (RegistryException e) {
        throw translate(Kinds.prefix(kind, namespace), e);
      }
    }

    @Override
    public int deleteAll(List<? extends Message> objects) {
      if (objects.isEmpty()) {
        return 0;
      }
      String what = objects.size() + " objects from " + describe(objects.get(0));
      checkActive(what);
      List<Object> wrapped = new ArrayList<>(objects.size());
      objects.forEach(o -> wrapped.add(Kinds.wrap(o)));
      try {
        return store.namespaces().deleteBatch(wrapped);
      } catch (RegistryException e) {
        throw translate(what, e);
      }
    }

    @Override
    public boolean removeNamespaceIfEmpty(String name) {
      checkActive("Namespace " + name);
      try {
        return store.namespaces().finishIfEmpty(name);
      } catch (RegistryException e) {
        throw translate("Namespace " + name, e);
      }
    }

    @Override
    public void recordEvent(Event event) {
      checkActive("event about " + event.getInvolvedObject().getName());
      try {
        events.record(event);
      } catch (RegistryException e) {
        throw translate("event about " + event.getInvolvedObject().getName(), e);
      }
    }
  }

  /** Maps the registry's failure onto the reason a controller acts on. */
  static WriteException translate(String what, RegistryException e) {
    WriteException.Reason reason;
    if (e instanceof ConflictException) {
      reason = WriteException.Reason.CONFLICT;
    } else if (e instanceof NotFoundException) {
      reason = WriteException.Reason.NOT_FOUND;
    } else if (e instanceof AlreadyExistsException) {
      reason = WriteException.Reason.ALREADY_EXISTS;
    } else if (e instanceof PreconditionFailedException || e instanceof ForbiddenException) {
      reason = WriteException.Reason.PRECONDITION_FAILED;
    } else if (e instanceof InvalidObjectException) {
      reason = WriteException.Reason.INVALID;
    } else {
      reason = WriteException.Reason.UNAVAILABLE;
    }
    return new WriteException(reason, what + ": " + e.getMessage(), e);
  }
}
