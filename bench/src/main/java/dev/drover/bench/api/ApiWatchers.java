package dev.drover.bench.api;

import dev.drover.api.v1.ControlServiceGrpc;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.WatchEvent;
import dev.drover.api.v1.WatchEventBatch;
import dev.drover.api.v1.WatchEventType;
import dev.drover.api.v1.WatchRequest;
import dev.drover.client.Channels;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.WatchOption;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The watchers of {@link ApiBench}, in their own JVM as real watchers are (in the benchmark's JVM
 * their decoding would take CPU from the writers). Opens N watches of one system, spread alike on
 * both: watcher {@code i} on member {@code i % members}, over one connection per member (a gRPC
 * channel for Drover, a jetcd client for etcd), each watch its own stream. Reports on standard
 * output, one line each:
 *
 * <ul>
 *   <li>{@code READY} once every watch is started;
 *   <li>{@code ALL <version> <nanoTime>} when the write of that version reached the last watcher
 *       ({@link System#nanoTime()} is CLOCK_MONOTONIC on Linux, so the parent can compare it with
 *       its own);
 *   <li>{@code END delivered=<n> errors=<n> expired=<n> cpu_s=<s> codes={...}} after standard input
 *       closes or says {@code STOP}, then the process exits.
 * </ul>
 *
 * <p>Usage: {@code ApiWatchers SYSTEM ENDPOINTS TARGET WATCHERS FROM} with SYSTEM {@code drover}
 * (WatchBatched, as DroverClient watches), {@code drover-per-event} (Watch) or {@code etcd};
 * ENDPOINTS {@code host:port,...}; TARGET the namespace of ConfigMaps (Drover) or the key prefix
 * (etcd); FROM the version after which events are wanted.
 */
public final class ApiWatchers {
  private final int count;
  private final PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
  private final Map<Long, AtomicInteger> byVersion = new ConcurrentHashMap<>();
  private final AtomicLong delivered = new AtomicLong();
  private final AtomicInteger errors = new AtomicInteger();
  private final AtomicInteger expired = new AtomicInteger();
  private final Map<String, AtomicInteger> errorCodes = new ConcurrentHashMap<>();
  private final CountDownLatch opened;

  private ApiWatchers(int count) {
    this.count = count;
    this.opened = new CountDownLatch(count);
  }

  public static void main(String[] args) throws Exception {
    String system = args[0];
    List<String> endpoints = List.of(args[1].split(","));
    String target = args[2];
    int count = Integer.parseInt(args[3]);
    long from = Long.parseLong(args[4]);
    ApiWatchers w = new ApiWatchers(count);
    List<AutoCloseable> connections = new ArrayList<>();
    if (system.equals("etcd")) {
      w.watchEtcd(endpoints, target, from, connections);
    } else {
      w.watchDrover(endpoints, target, from, system.equals("drover"), connections);
    }
    if (!w.opened.await(120, TimeUnit.SECONDS)) {
      throw new IllegalStateException(w.opened.getCount() + " watches did not start in 120 s");
    }
    w.say("READY");
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null && !line.equals("STOP")) {
      // Nothing else is said on standard input.
    }
    for (AutoCloseable c : connections) {
      c.close();
    }
    w.say(
        String.format(
            Locale.ROOT,
            "END delivered=%d errors=%d expired=%d cpu_s=%.1f codes=%s",
            w.delivered.get(),
            w.errors.get(),
            w.expired.get(),
            processCpuSeconds(),
            new java.util.TreeMap<>(w.errorCodes)));
    System.exit(0);
  }

  private void say(String line) {
    synchronized (out) {
      out.println(line);
      out.flush();
    }
  }

  /** One event of version {@code version} reached one watcher. */
  private void delivered(long version) {
    delivered.incrementAndGet();
    AtomicInteger n = byVersion.computeIfAbsent(version, k -> new AtomicInteger());
    if (n.incrementAndGet() == count) {
      long now = System.nanoTime();
      byVersion.remove(version);
      say("ALL " + version + " " + now);
    }
  }

  private void failed(String code, Throwable t) {
    errors.incrementAndGet();
    if (errorCodes.computeIfAbsent(code, k -> new AtomicInteger()).incrementAndGet() == 1) {
      // The first failure of each kind in full: a status without a description says nothing of
      // its cause, and the streams' end is what a reader of the result needs explained.
      synchronized (System.err) {
        System.err.println("watcher: first stream failure " + code + ":");
        t.printStackTrace(System.err);
      }
    }
  }

  private void watchEtcd(
      List<String> endpoints, String prefix, long from, List<AutoCloseable> connections) {
    ByteSequence key = ByteSequence.from(prefix, StandardCharsets.UTF_8);
    WatchOption option = WatchOption.builder().isPrefix(true).withRevision(from + 1).build();
    List<Client> clients = new ArrayList<>();
    for (String endpoint : endpoints) {
      Client c = Client.builder().endpoints("http://" + endpoint).build();
      clients.add(c);
      connections.add(c);
    }
    for (int i = 0; i < count; i++) {
      clients
          .get(i % clients.size())
          .getWatchClient()
          .watch(
              key,
              option,
              Watch.listener(
                  r -> r.getEvents().forEach(e -> delivered(e.getKeyValue().getModRevision())),
                  t -> failed(String.valueOf(t), t)));
      opened.countDown();
    }
  }

  private void watchDrover(
      List<String> endpoints,
      String namespace,
      long from,
      boolean batched,
      List<AutoCloseable> connections) {
    WatchRequest request =
        WatchRequest.newBuilder()
            .setKind(Kind.KIND_CONFIG_MAP)
            .setNamespace(namespace)
            .setResourceVersion(from)
            .setAllowBookmarks(false)
            .build();
    List<ClientCallStreamObserver<WatchRequest>> calls = new ArrayList<>();
    connections.add(
        () -> {
          synchronized (calls) {
            calls.forEach(c -> c.cancel("bench done", null));
          }
        });
    List<ManagedChannel> channels = new ArrayList<>();
    for (String endpoint : endpoints) {
      ManagedChannel c = Channels.plaintext(endpoint);
      channels.add(c);
      connections.add(c::shutdownNow);
    }
    for (int i = 0; i < count; i++) {
      ControlServiceGrpc.ControlServiceStub stub =
          ControlServiceGrpc.newStub(channels.get(i % channels.size()));
      if (batched) {
        stub.watchBatched(
            request,
            new Stream<WatchEventBatch>(calls) {
              @Override
              public void onNext(WatchEventBatch b) {
                b.getEventsList().forEach(ApiWatchers.this::droverEvent);
              }
            });
      } else {
        stub.watch(
            request,
            new Stream<WatchEvent>(calls) {
              @Override
              public void onNext(WatchEvent e) {
                droverEvent(e);
              }
            });
      }
    }
  }

  private void droverEvent(WatchEvent e) {
    if (e.getType() == WatchEventType.WATCH_EVENT_TYPE_BOOKMARK) {
      return;
    }
    if (e.getType() == WatchEventType.WATCH_EVENT_TYPE_ERROR) {
      expired.incrementAndGet();
      return;
    }
    delivered(e.getResourceVersion());
  }

  /** One Drover watch stream's callbacks other than onNext: counts it started, and its errors. */
  private abstract class Stream<R> implements ClientResponseObserver<WatchRequest, R> {
    private final List<ClientCallStreamObserver<WatchRequest>> calls;

    Stream(List<ClientCallStreamObserver<WatchRequest>> calls) {
      this.calls = calls;
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<WatchRequest> call) {
      synchronized (calls) {
        calls.add(call);
      }
      opened.countDown();
    }

    @Override
    public void onError(Throwable t) {
      Status s = Status.fromThrowable(t);
      if (s.getCode() != Status.Code.CANCELLED) {
        failed(s.getCode() + ":" + s.getDescription(), t);
      }
    }

    @Override
    public void onCompleted() {}
  }

  /** CPU time this JVM has used, in seconds (NaN when the platform does not say). */
  static double processCpuSeconds() {
    if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getProcessCpuTime() / 1e9;
    }
    return Double.NaN;
  }
}
