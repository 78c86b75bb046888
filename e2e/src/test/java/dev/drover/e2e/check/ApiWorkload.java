package dev.drover.e2e.check;

import static org.awaitility.Awaitility.await;

import dev.drover.api.v1.ConfigMap;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.ListRequest;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.client.DroverClient;
import dev.drover.store.lin.RegisterOp;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SortedSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * API-level clients on a few ConfigMaps ({@code reg-K} in one namespace) used as registers: get,
 * and update with the resource_version last read (a compare-and-swap; every write sets a value of
 * its own, so equal versions mean equal values). Every operation goes into a {@link
 * RegisterHistory}; each client checks read-your-writes and monotonic reads (a get never returns a
 * version older than one it wrote or read); watchers ({@link WatchRecorder}) follow the namespace
 * from the start. At the end {@link #check} adds the final state: every acknowledged write's
 * version must be at or below the object's final version.
 */
public final class ApiWorkload implements AutoCloseable {

  // As long as FaultRun gives a cluster to recover from a fault.
  private static final Duration CREATE_LIMIT = Duration.ofSeconds(120);

  private final List<DroverClient> clients;
  private final String namespace;
  private final int keys;
  private final long seed;
  private final RegisterHistory history = new RegisterHistory("api");
  private final List<String> violations = new CopyOnWriteArrayList<>();
  private final SortedSet<Long> ackedVersions = new ConcurrentSkipListSet<>();
  private final Map<String, Long> lastAcked = new ConcurrentHashMap<>();
  private final AtomicInteger acked = new AtomicInteger();
  private final List<Thread> threads = new ArrayList<>();
  private final List<WatchRecorder> watchers = new ArrayList<>();
  private volatile boolean stopping;

  /**
   * One thread per client of {@code clients} (the last ones also carry a watcher each when {@code
   * watchers} &gt; 0) on {@code keys} keys in {@code namespace}.
   */
  public ApiWorkload(List<DroverClient> clients, String namespace, int keys, long seed) {
    this.clients = List.copyOf(clients);
    this.namespace = namespace;
    this.keys = keys;
    this.seed = seed;
  }

  /** Creates the keys, starts {@code watchers} watchers (from now) and the client threads. */
  public ApiWorkload start(int watcherCount, List<DroverClient> watcherClients) {
    DroverClient first = clients.get(0);
    for (int k = 0; k < keys; k++) {
      create(first, k);
    }
    long from =
        first
            .list(
                ListRequest.newBuilder()
                    .setKind(Kind.KIND_CONFIG_MAP)
                    .setNamespace(namespace)
                    .build())
            .getResourceVersion();
    for (int w = 0; w < watcherCount; w++) {
      watchers.add(
          new WatchRecorder(
              "watcher-" + w, watcherClients.get(w % watcherClients.size()), namespace, from));
    }
    for (int c = 0; c < clients.size(); c++) {
      final int client = c;
      Thread t = new Thread(() -> loop(client), "api-client-" + c);
      t.setDaemon(true);
      threads.add(t);
      t.start();
    }
    return this;
  }

  /**
   * Creates key {@code k}, again while the outcome is unknown (an election, or a stalled master,
   * right at the start can take a create past its deadline). Each such attempt goes into the
   * history as a create that may have happened; one that finds the key means an earlier one did.
   */
  private void create(DroverClient client, int k) {
    await("creating " + name(k)).atMost(CREATE_LIMIT).until(() -> tryCreate(client, k));
  }

  private boolean tryCreate(DroverClient client, int k) {
    String value = "init-" + k;
    long invoke = System.nanoTime();
    try {
      ConfigMap c = client.configMaps().create(object(k, value, 0));
      history.add(name(k), RegisterOp.put(-1, value, invoke, System.nanoTime()));
      acked(name(k), c.getMetadata().getResourceVersion());
      return true;
    } catch (StatusRuntimeException e) {
      Status.Code code = e.getStatus().getCode();
      if (code == Status.Code.ALREADY_EXISTS) {
        return true;
      }
      if (code != Status.Code.UNAVAILABLE && code != Status.Code.DEADLINE_EXCEEDED) {
        throw e;
      }
      // A create is a compare-and-swap from absent: it may take effect only while there is none.
      history.add(name(k), RegisterOp.cas(-1, null, value, false, invoke, RegisterOp.UNKNOWN));
      return false;
    }
  }

  private String name(int k) {
    return "reg-" + k;
  }

  private ConfigMap object(int k, String value, long rv) {
    return ConfigMap.newBuilder()
        .setMetadata(
            ObjectMeta.newBuilder().setNamespace(namespace).setName(name(k)).setResourceVersion(rv))
        .putData("v", value)
        .build();
  }

  private void acked(String name, long rv) {
    ackedVersions.add(rv);
    lastAcked.merge(name, rv, Math::max);
    acked.incrementAndGet();
  }

  /** Updates acknowledged so far. */
  public int acknowledged() {
    return acked.get();
  }

  /** Operations recorded so far. */
  public int operations() {
    return history.size();
  }

  private void loop(int client) {
    DroverClient api = clients.get(client);
    Random rnd = new Random(seed * 7919 + client);
    Map<String, Long> highest = new ConcurrentHashMap<>();
    Map<String, ConfigMap> lastRead = new ConcurrentHashMap<>();
    for (int counter = 0; !stopping; counter++) {
      int k = rnd.nextInt(keys);
      String name = name(k);
      ConfigMap known = lastRead.get(name);
      long invoke = System.nanoTime();
      if (known == null || rnd.nextInt(10) < 4) {
        try {
          ConfigMap got = api.configMaps().get(namespace, name);
          history.add(
              name,
              RegisterOp.get(client, got.getDataOrDefault("v", null), invoke, System.nanoTime()));
          long rv = got.getMetadata().getResourceVersion();
          Long before = highest.get(name);
          if (before != null && rv < before) {
            violations.add(
                "api client "
                    + client
                    + ": get "
                    + name
                    + " returned version "
                    + rv
                    + " after it wrote or read "
                    + before
                    + " (read-your-writes / monotonic reads)");
          }
          highest.merge(name, rv, Math::max);
          lastRead.put(name, got);
        } catch (StatusRuntimeException e) {
          pause();
        }
        continue;
      }
      String value = "c" + client + "-" + counter;
      String expected = known.getDataOrDefault("v", null);
      try {
        ConfigMap updated =
            api.configMaps().update(object(k, value, known.getMetadata().getResourceVersion()));
        long rv = updated.getMetadata().getResourceVersion();
        history.add(name, RegisterOp.cas(client, expected, value, true, invoke, System.nanoTime()));
        acked(name, rv);
        highest.merge(name, rv, Math::max);
        lastRead.put(name, updated);
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() == Status.Code.ABORTED) {
          history.add(
              name, RegisterOp.cas(client, expected, value, false, invoke, System.nanoTime()));
          lastRead.remove(name);
        } else {
          history.add(
              name, RegisterOp.cas(client, expected, value, false, invoke, RegisterOp.UNKNOWN));
          lastRead.remove(name);
          pause();
        }
      }
    }
  }

  private static void pause() {
    // Not synchronization: a client backing off so that a down cluster is not spun on.
    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
  }

  /** What {@link #check} found. */
  public record Result(
      RegisterHistory.Result linearizability,
      List<String> clientViolations,
      List<String> watchViolations,
      List<String> lost,
      int watchEvents,
      int relists) {}

  /**
   * Stops the clients (call after healing), reads the final state and checks everything: the
   * history's linearizability (with the final reads in it), the clients' read guarantees, every
   * watcher against the merged history, and acknowledged writes present.
   */
  public Result check(java.nio.file.Path dumpDir) throws InterruptedException {
    stop();
    DroverClient api = clients.get(0);
    List<String> lost = new ArrayList<>();
    for (int k = 0; k < keys; k++) {
      String name = name(k);
      long invoke = System.nanoTime();
      ConfigMap got = api.configMaps().get(namespace, name);
      history.add(
          name, RegisterOp.get(-2, got.getDataOrDefault("v", null), invoke, System.nanoTime()));
      Long mustHave = lastAcked.get(name);
      if (mustHave != null && got.getMetadata().getResourceVersion() < mustHave) {
        lost.add(
            name
                + " is at "
                + got.getMetadata().getResourceVersion()
                + ", acknowledged "
                + mustHave);
      }
    }
    SortedSet<Long> merged = new ConcurrentSkipListSet<>(ackedVersions);
    watchers.forEach(w -> merged.addAll(w.delivered()));
    List<String> watchViolations = new ArrayList<>();
    int events = 0;
    int relists = 0;
    for (WatchRecorder w : watchers) {
      watchViolations.addAll(w.check(merged));
      events += w.events();
      relists += w.relists();
    }
    return new Result(
        history.check(dumpDir), List.copyOf(violations), watchViolations, lost, events, relists);
  }

  private void stop() throws InterruptedException {
    stopping = true;
    for (Thread t : threads) {
      t.join(30_000);
    }
  }

  @Override
  public void close() throws InterruptedException {
    stop();
    watchers.forEach(WatchRecorder::close);
  }
}
