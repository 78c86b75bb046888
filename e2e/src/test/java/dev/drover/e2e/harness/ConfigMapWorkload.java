package dev.drover.e2e.harness;

import dev.drover.api.v1.ConfigMap;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.client.DroverClient;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A client that writes ConfigMaps without pause on its own thread while faults happen, and records
 * what it was told: each create answered OK is an acknowledged write (name and resource version); a
 * create that failed may or may not have happened. After each write it reads back one object it
 * knows of and records a violation when the version it gets is older than one it already saw for
 * that name (acknowledged or read) or the object is missing. {@link #verifyAllPresent} then reads
 * everything back at the end.
 */
public final class ConfigMapWorkload implements AutoCloseable {

  private final DroverClient client;
  private final String namespace;
  private final Random random;
  private final Map<String, Long> acked = new ConcurrentHashMap<>();
  private final Map<String, Long> highestSeen = new ConcurrentHashMap<>();
  private final List<String> violations = new CopyOnWriteArrayList<>();
  private final AtomicInteger failedWrites = new AtomicInteger();
  private final AtomicInteger reads = new AtomicInteger();
  private final Thread thread;
  private volatile boolean stopping;

  /** A workload on {@code namespace} (which must exist); {@code seed} picks what it reads. */
  public ConfigMapWorkload(DroverClient client, String namespace, long seed) {
    this.client = client;
    this.namespace = namespace;
    this.random = new Random(seed);
    this.thread = new Thread(this::loop, "configmap-workload");
    this.thread.setDaemon(true);
  }

  /** Starts writing. */
  public ConfigMapWorkload start() {
    thread.start();
    return this;
  }

  private void loop() {
    List<String> names = new ArrayList<>();
    for (int i = 0; !stopping; i++) {
      String name = "cm-" + i;
      try {
        ConfigMap created =
            client
                .configMaps()
                .create(
                    ConfigMap.newBuilder()
                        .setMetadata(ObjectMeta.newBuilder().setNamespace(namespace).setName(name))
                        .putData("i", Integer.toString(i))
                        .build());
        long rv = created.getMetadata().getResourceVersion();
        acked.put(name, rv);
        saw(name, rv, "create");
        names.add(name);
      } catch (StatusRuntimeException e) {
        // Outcome unknown (or refused): not acknowledged, so it may or may not exist.
        failedWrites.incrementAndGet();
      }
      if (!names.isEmpty()) {
        readBack(names.get(random.nextInt(names.size())));
      }
    }
  }

  private void readBack(String name) {
    try {
      ConfigMap got = client.configMaps().get(namespace, name);
      reads.incrementAndGet();
      saw(name, got.getMetadata().getResourceVersion(), "get");
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
        violations.add("get " + name + ": NOT_FOUND after it was acknowledged");
      }
      // Other failures (no master reachable, deadline) say nothing about the data.
    }
  }

  private void saw(String name, long rv, String how) {
    Long before = highestSeen.get(name);
    if (before != null && rv < before) {
      violations.add(how + " " + name + ": resource_version " + rv + " after " + before);
    }
    highestSeen.merge(name, rv, Math::max);
  }

  /** How many creates were acknowledged so far. */
  public int acknowledged() {
    return acked.size();
  }

  /** How many creates failed (outcome unknown). */
  public int failedWrites() {
    return failedWrites.get();
  }

  /** How many read-backs succeeded. */
  public int reads() {
    return reads.get();
  }

  /** Every violation seen while running. */
  public List<String> violations() {
    return List.copyOf(violations);
  }

  /**
   * Reads the whole namespace back (the workload must be closed) and returns every acknowledged
   * write that is missing or older than acknowledged.
   */
  public List<String> verifyAllPresent() {
    Map<String, Long> present = new ConcurrentHashMap<>();
    for (ConfigMap c : client.configMaps().list(namespace, "")) {
      present.put(c.getMetadata().getName(), c.getMetadata().getResourceVersion());
    }
    List<String> lost = new ArrayList<>();
    acked.forEach(
        (name, rv) -> {
          Long now = present.get(name);
          if (now == null) {
            lost.add(name + " (acknowledged at " + rv + ") is missing");
          } else if (now < rv) {
            lost.add(name + " is at " + now + ", older than acknowledged " + rv);
          }
        });
    return lost;
  }

  /** Stops writing and waits for the thread to end. */
  @Override
  public void close() throws InterruptedException {
    stopping = true;
    thread.join(30_000);
    if (thread.isAlive()) {
      throw new IllegalStateException("the workload thread did not stop within 30 s");
    }
  }
}
