package dev.drover.master.controller;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a set of controllers while this master is the active one: {@link #start()} waits (on a
 * background thread) until the cache has synced and then starts every controller's workers; {@link
 * #close()} stops them all and waits for their threads, so a master that loses the active role
 * stops acting before another master takes over.
 */
public final class ControllerManager implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ControllerManager.class);

  private final ObjectCache cache;
  private final List<Controller> controllers;
  private final CountDownLatch stop = new CountDownLatch(1);
  private final List<Controller> started = new ArrayList<>();
  private Thread starter;

  /** Creates a manager for the controllers, reading sync state from the cache. */
  public ControllerManager(ObjectCache cache, List<Controller> controllers) {
    this.cache = cache;
    this.controllers = List.copyOf(controllers);
  }

  /** The managed controllers. */
  public List<Controller> controllers() {
    return controllers;
  }

  /** Starts the controllers once the cache has synced; returns at once. */
  public synchronized void start() {
    if (starter != null) {
      throw new IllegalStateException("controller manager already started");
    }
    starter = new Thread(this::startWhenSynced, "controller-manager-start");
    starter.setDaemon(true);
    starter.start();
  }

  /** True once every controller runs. */
  public synchronized boolean isRunning() {
    return started.size() == controllers.size() && stop.getCount() > 0;
  }

  private void startWhenSynced() {
    try {
      while (!cache.hasSynced()) {
        if (stop.await(50, TimeUnit.MILLISECONDS)) {
          return;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    synchronized (this) {
      if (stop.getCount() == 0) {
        return;
      }
      for (Controller controller : controllers) {
        controller.start();
        started.add(controller);
      }
    }
    LOG.info("started {} controllers", controllers.size());
  }

  /** Stops every controller and waits for their threads. */
  @Override
  public void close() {
    stop.countDown();
    Thread t;
    synchronized (this) {
      t = starter;
    }
    if (t != null) {
      try {
        t.join(Duration.ofSeconds(30).toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    synchronized (this) {
      // Every controller stops taking keys before any is waited for: closing them one by one
      // would let the later ones start new syncs while an earlier one finishes a slow write,
      // after this master may already have lost the active role.
      for (Controller controller : started) {
        controller.shutDown();
      }
      for (Controller controller : started) {
        controller.close();
      }
    }
  }
}
