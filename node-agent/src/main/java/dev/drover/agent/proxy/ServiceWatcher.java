package dev.drover.agent.proxy;

import dev.drover.api.ApiObjects;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.ListRequest;
import dev.drover.api.v1.ListResponse;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.WatchEvent;
import dev.drover.api.v1.WatchEventType;
import dev.drover.api.v1.WatchRequest;
import dev.drover.client.DroverClient;
import io.grpc.Status;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Feeds a {@link ServiceProxy} with every Service and Endpoints object: lists each kind, then
 * watches it from the list's version through the agent's master client (which resumes broken
 * streams and relists after expiry). A list that fails, or a watch that ends for good (a master
 * refusing the agent until it is authorized, say), is tried again after a few seconds.
 */
public final class ServiceWatcher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ServiceWatcher.class);
  private static final long RETRY_MILLIS = 3000;

  private final DroverClient client;
  private final ServiceProxy proxy;
  private final ScheduledExecutorService retries;
  private volatile DroverClient.WatchStream services;
  private volatile DroverClient.WatchStream endpoints;
  private volatile boolean closed;

  /** A watcher over {@code client}'s masters. */
  public ServiceWatcher(DroverClient client, ServiceProxy proxy) {
    this.client = client;
    this.proxy = proxy;
    this.retries =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "proxy-watch");
              t.setDaemon(true);
              return t;
            });
  }

  /** Starts both watches in the background. */
  public ServiceWatcher start() {
    retries.execute(() -> watch(Kind.KIND_SERVICE));
    retries.execute(() -> watch(Kind.KIND_ENDPOINTS));
    return this;
  }

  private void watch(Kind kind) {
    if (closed) {
      return;
    }
    ListResponse all;
    try {
      all = client.listAll(ListRequest.newBuilder().setKind(kind).build());
    } catch (RuntimeException e) {
      log.debug("listing {} failed; retrying", kind, e);
      retries.schedule(() -> watch(kind), RETRY_MILLIS, TimeUnit.MILLISECONDS);
      return;
    }
    replace(kind, all.getItemsList());
    DroverClient.WatchStream stream =
        client.watch(
            WatchRequest.newBuilder()
                .setKind(kind)
                .setResourceVersion(all.getResourceVersion())
                .setAllowBookmarks(true)
                .build(),
            new DroverClient.WatchListener() {
              @Override
              public void onEvent(WatchEvent e) {
                apply(kind, e);
              }

              @Override
              public void onRelist(List<Object> items, long resourceVersion) {
                replace(kind, items);
              }

              @Override
              public void onClosed(Status status) {
                if (!closed) {
                  log.info("watch of {} ended ({}); listing again", kind, status);
                  retries.schedule(() -> watch(kind), RETRY_MILLIS, TimeUnit.MILLISECONDS);
                }
              }
            });
    if (kind == Kind.KIND_SERVICE) {
      services = stream;
    } else {
      endpoints = stream;
    }
  }

  private void replace(Kind kind, List<Object> items) {
    if (kind == Kind.KIND_SERVICE) {
      proxy.replaceServices(items.stream().map(Object::getService).toList());
    } else {
      proxy.replaceEndpoints(items.stream().map(Object::getEndpoints).toList());
    }
  }

  private void apply(Kind kind, WatchEvent e) {
    boolean deleted = e.getType() == WatchEventType.WATCH_EVENT_TYPE_DELETED;
    if (e.getType() != WatchEventType.WATCH_EVENT_TYPE_ADDED
        && e.getType() != WatchEventType.WATCH_EVENT_TYPE_MODIFIED
        && !deleted) {
      return;
    }
    if (kind == Kind.KIND_SERVICE) {
      if (deleted) {
        proxy.removeService(ApiObjects.key(e.getObject().getService()));
      } else {
        proxy.putService(e.getObject().getService());
      }
    } else if (deleted) {
      proxy.removeEndpoints(ApiObjects.key(e.getObject().getEndpoints()));
    } else {
      proxy.putEndpoints(e.getObject().getEndpoints());
    }
  }

  @Override
  public void close() {
    closed = true;
    retries.shutdownNow();
    DroverClient.WatchStream s = services;
    DroverClient.WatchStream e = endpoints;
    if (s != null) {
      s.close();
    }
    if (e != null) {
      e.close();
    }
  }
}
