package dev.drover.bench.api;

import dev.drover.api.v1.ControlServiceGrpc;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.WatchEvent;
import dev.drover.api.v1.WatchEventBatch;
import dev.drover.api.v1.WatchEventType;
import dev.drover.api.v1.WatchRequest;
import dev.drover.client.Channels;
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
 * their decoding would take CPU from the masters). Opens N watch streams of pods on one master and
 * reports on standard output, one line each:
 *
 * <ul>
 *   <li>{@code READY} once every stream is open;
 *   <li>{@code ALL <resource_version> <nanoTime>} when an event reached the last watcher ({@link
 *       System#nanoTime()} is CLOCK_MONOTONIC on Linux, so the parent can compare it with its own);
 *   <li>{@code END delivered=<n> errors=<n> expired=<n> cpu_s=<s> codes={...}} after standard input
 *       closes or says {@code STOP}, then the process exits.
 * </ul>
 *
 * <p>Usage: {@code ApiWatchers TARGET NAMESPACE WATCHERS FROM_RESOURCE_VERSION [batched|per-event]}
 * (WatchBatched by default, Watch with per-event).
 */
public final class ApiWatchers {
  private ApiWatchers() {}

  public static void main(String[] args) throws Exception {
    String target = args[0];
    String namespace = args[1];
    int count = Integer.parseInt(args[2]);
    long from = Long.parseLong(args[3]);
    boolean batched = args.length < 5 || !args[4].equals("per-event");
    PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
    Map<Long, AtomicInteger> byRv = new ConcurrentHashMap<>();
    AtomicLong delivered = new AtomicLong();
    AtomicInteger errors = new AtomicInteger();
    AtomicInteger expired = new AtomicInteger();
    List<ManagedChannel> channels = new ArrayList<>();
    List<ClientCallStreamObserver<WatchRequest>> calls = new ArrayList<>();
    CountDownLatch opened = new CountDownLatch(count);
    Map<String, AtomicInteger> errorCodes = new ConcurrentHashMap<>();
    java.util.function.Consumer<WatchEvent> handle =
        e -> {
          if (e.getType() == WatchEventType.WATCH_EVENT_TYPE_BOOKMARK) {
            return;
          }
          if (e.getType() == WatchEventType.WATCH_EVENT_TYPE_ERROR) {
            expired.incrementAndGet();
            return;
          }
          delivered.incrementAndGet();
          long rv = e.getResourceVersion();
          AtomicInteger n = byRv.computeIfAbsent(rv, k -> new AtomicInteger());
          if (n.incrementAndGet() == count) {
            long now = System.nanoTime();
            byRv.remove(rv);
            synchronized (out) {
              out.println("ALL " + rv + " " + now);
              out.flush();
            }
          }
        };
    WatchRequest request =
        WatchRequest.newBuilder()
            .setKind(Kind.KIND_POD)
            .setNamespace(namespace)
            .setResourceVersion(from)
            .setAllowBookmarks(false)
            .build();
    for (int i = 0; i < count; i++) {
      if (i % 100 == 0) {
        channels.add(Channels.plaintext(target));
      }
      ControlServiceGrpc.ControlServiceStub stub =
          ControlServiceGrpc.newStub(channels.get(channels.size() - 1));
      if (batched) {
        stub.watchBatched(
            request,
            new Stream<WatchEventBatch>(calls, opened, errors, errorCodes) {
              @Override
              public void onNext(WatchEventBatch b) {
                for (WatchEvent e : b.getEventsList()) {
                  handle.accept(e);
                }
              }
            });
      } else {
        stub.watch(
            request,
            new Stream<WatchEvent>(calls, opened, errors, errorCodes) {
              @Override
              public void onNext(WatchEvent e) {
                handle.accept(e);
              }
            });
      }
    }
    if (!opened.await(60, TimeUnit.SECONDS)) {
      throw new IllegalStateException(opened.getCount() + " watch streams did not start in 60 s");
    }
    synchronized (out) {
      out.println("READY");
      out.flush();
    }
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null && !line.equals("STOP")) {
      // Nothing else is said on standard input.
    }
    synchronized (calls) {
      calls.forEach(c -> c.cancel("bench done", null));
    }
    channels.forEach(ManagedChannel::shutdownNow);
    synchronized (out) {
      out.printf(
          Locale.ROOT,
          "END delivered=%d errors=%d expired=%d cpu_s=%.1f codes=%s%n",
          delivered.get(),
          errors.get(),
          expired.get(),
          processCpuSeconds(),
          new java.util.TreeMap<>(errorCodes));
      out.flush();
    }
    System.exit(0);
  }

  /** One watch stream's callbacks other than onNext: counts it opened, and its errors by code. */
  private abstract static class Stream<R> implements ClientResponseObserver<WatchRequest, R> {
    private final List<ClientCallStreamObserver<WatchRequest>> calls;
    private final CountDownLatch opened;
    private final AtomicInteger errors;
    private final Map<String, AtomicInteger> errorCodes;

    Stream(
        List<ClientCallStreamObserver<WatchRequest>> calls,
        CountDownLatch opened,
        AtomicInteger errors,
        Map<String, AtomicInteger> errorCodes) {
      this.calls = calls;
      this.opened = opened;
      this.errors = errors;
      this.errorCodes = errorCodes;
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
        errors.incrementAndGet();
        errorCodes
            .computeIfAbsent(s.getCode() + ":" + s.getDescription(), k -> new AtomicInteger())
            .incrementAndGet();
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
