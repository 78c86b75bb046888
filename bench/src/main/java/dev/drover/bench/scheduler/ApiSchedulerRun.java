package dev.drover.bench.scheduler;

import dev.drover.api.v1.ControlServiceGrpc;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.ListRequest;
import dev.drover.api.v1.Namespace;
import dev.drover.api.v1.Node;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.WatchEvent;
import dev.drover.api.v1.WatchEventType;
import dev.drover.api.v1.WatchRequest;
import dev.drover.bench.BenchSupport;
import dev.drover.client.Channels;
import dev.drover.client.DroverClient;
import dev.drover.master.Master;
import dev.drover.master.auth.AuthContext;
import dev.drover.master.auth.Principal;
import dev.drover.master.auth.Role;
import dev.drover.master.metrics.StoreMetrics;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;

/**
 * One scheduler_perf-style workload through the real master: a fresh master on an embedded
 * (one-member Ratis) store, its API server on loopback and only the scheduler running on it
 * (scheduler_perf runs no controllers either), 5,000 Node objects created through the API, the
 * initial pods created and bound, then the measured pods created through the API by many concurrent
 * calls. Throughput is measured pods / (time the last measured pod was seen bound by a watch - time
 * the first measured create was sent).
 *
 * <p>The watch also checks that every pod is bound once and never moves to another node.
 */
final class ApiSchedulerRun implements AutoCloseable {

  /**
   * Creates in flight at once by default. scheduler_perf creates pods with a client allowed 5,000
   * QPS; here the store's group commit (at most two Raft messages in flight, whatever waits
   * meanwhile leaves as one) turns more concurrent creates into larger log entries instead of a
   * longer queue at the Raft client, so the harness keeps enough in flight that creating the pods
   * is not what it measures.
   */
  static final int DEFAULT_IN_FLIGHT = 32;

  private static final int MAX_SENDS = 5;

  /**
   * Names every caller of the bench's master the cluster-admin {@code bench-admin}, as a client
   * certificate of the cluster's admin would (without TLS's cost on loopback).
   */
  private static final ServerInterceptor ADMIN =
      new ServerInterceptor() {
        private final Principal admin = new Principal("bench-admin", Role.CLUSTER_ADMIN, null);

        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
          return Contexts.interceptCall(
              Context.current().withValue(AuthContext.PRINCIPAL, admin), call, headers, next);
        }
      };

  private static final int CHANNELS = 4;
  private static final long CALL_DEADLINE_SECONDS = 120;
  private static final long PHASE_TIMEOUT_SECONDS = 600;

  /** What one workload measured. */
  record Figures(
      double podsPerSecond,
      double createsPerSecond,
      double seconds,
      double storeCallsPerPod,
      double storeWritesPerPod,
      Map<String, Double> cpuMillisPerPod,
      long pushbackResends,
      PlacementCheck placements,
      int stepDowns) {}

  private final Path dir;
  private final Master master;
  private final List<ManagedChannel> channels = new ArrayList<>();

  /** The client's own threads, named so that {@link CpuAccount} tells them from the master's. */
  private final EventLoopGroup clientLoops;

  private final ExecutorService clientExecutor =
      Executors.newFixedThreadPool(2, new DefaultThreadFactory("bench-client", true));
  private final List<ControlServiceGrpc.ControlServiceStub> stubs = new ArrayList<>();
  private final List<DroverClient> clients = new ArrayList<>();
  private final Map<String, String> boundTo = new ConcurrentHashMap<>();
  private final AtomicLong bound = new AtomicLong();
  private final AtomicLong lastBoundNanos = new AtomicLong();
  private final AtomicReference<String> violation = new AtomicReference<>();
  private final AtomicInteger next = new AtomicInteger();
  private final AtomicLong resends = new AtomicLong();
  private final int inFlight;

  /** Times the master stopped being active during the run (it has no peer to hand over to). */
  private final AtomicInteger stepDowns = new AtomicInteger();

  private final Thread activeWatch;

  ApiSchedulerRun(int inFlight, boolean insecureClient) {
    this.inFlight = inFlight;
    try {
      dir = Files.createTempDirectory("drover-bench-scheduler");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Master.Builder builder =
        Master.builder()
            .id("bench")
            .apiHost("127.0.0.1")
            .apiPort(0)
            .embeddedStore(dir.resolve("store"))
            // The master's own defaults (lease, renewal, scheduler policy, API limits), as
            // shipped; only the controllers are off, as scheduler_perf runs none.
            .controllers(false);
    if (!insecureClient) {
      // The harness calls as an authenticated cluster-admin, as scheduler_perf's client is an
      // admin (exempt from Kubernetes' API priority and fairness): what is measured is the
      // scheduler, not the per-client rate limit an anonymous caller gets.
      builder.authenticator(ADMIN);
    }
    master = builder.start();
    // A lone master that misses its lease renewal steps down and restarts its scheduler; the
    // run counts it, since with the default lease timings it happens on a loaded machine.
    activeWatch =
        new Thread(
            () -> {
              boolean was = false;
              while (!Thread.currentThread().isInterrupted()) {
                boolean now = master.isActive();
                if (was && !now) {
                  stepDowns.incrementAndGet();
                }
                was = now;
                try {
                  TimeUnit.MILLISECONDS.sleep(5);
                } catch (InterruptedException e) {
                  return;
                }
              }
            },
            "bench-active-watch");
    activeWatch.setDaemon(true);
    activeWatch.start();
    boolean epoll = Epoll.isAvailable();
    DefaultThreadFactory loopThreads = new DefaultThreadFactory("bench-netty", true);
    clientLoops =
        epoll ? new EpollEventLoopGroup(1, loopThreads) : new NioEventLoopGroup(1, loopThreads);
    for (int i = 0; i < CHANNELS; i++) {
      ManagedChannel ch =
          Channels.plaintextBuilder(master.apiAddress())
              .eventLoopGroup(clientLoops)
              .channelType(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
              .executor(clientExecutor)
              .build();
      channels.add(ch);
      stubs.add(ControlServiceGrpc.newStub(ch));
      // Creates go through the project's client, which waits out the master's rate-limit
      // pushback as any client of the API should.
      clients.add(
          DroverClient.builder()
              .endpoint(master.apiAddress())
              .deadline(Duration.ofSeconds(CALL_DEADLINE_SECONDS))
              .channelFactory(target -> ch)
              .build());
    }
  }

  /** Runs one workload on this (fresh) master. */
  Figures run(int nodeCount, int initPods, int measuredPods, IntFunction<Pod> pod)
      throws InterruptedException {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(PHASE_TIMEOUT_SECONDS);
    while (!master.isActive()) {
      if (System.nanoTime() > until) {
        throw new IllegalStateException("the master did not become active");
      }
      TimeUnit.MILLISECONDS.sleep(20);
    }
    createAll(
        1,
        i ->
            Object.newBuilder()
                .setNamespace(
                    Namespace.newBuilder()
                        .setMetadata(ObjectMeta.newBuilder().setName(SchedulerBench.NAMESPACE)))
                .build());
    createAll(nodeCount, i -> Object.newBuilder().setNode(SchedulerBench.node(i)).build());
    watchPods();
    createAll(initPods, i -> Object.newBuilder().setPod(apiPod(pod.apply(i))).build());
    awaitBound(initPods);
    // The requests are built before the clock starts, as scheduler_perf's pod templates are:
    // what is measured is the master, not the protobuf builders of the client.
    List<Object> measured = new ArrayList<>(measuredPods);
    for (int i = 0; i < measuredPods; i++) {
      measured.add(Object.newBuilder().setPod(apiPod(pod.apply(initPods + i))).build());
    }
    long callsBefore = storeCount(StoreMetrics.CALLS);
    long revisionBefore = master.kv().currentRevision();
    CpuAccount cpuBefore = CpuAccount.now();
    long pushbacksBefore = pushbackResends();
    long start = System.nanoTime();
    createAll(measuredPods, measured::get);
    double createSeconds = (System.nanoTime() - start) / 1e9;
    awaitBound(initPods + measuredPods);
    Map<String, Double> cpu = CpuAccount.now().since(cpuBefore, measuredPods);
    double seconds = (lastBoundNanos.get() - start) / 1e9;
    double calls = (storeCount(StoreMetrics.CALLS) - callsBefore) / (double) measuredPods;
    double writes = (master.kv().currentRevision() - revisionBefore) / (double) measuredPods;
    long pushbacks = pushbackResends() - pushbacksBefore;
    if (violation.get() != null) {
      throw new IllegalStateException(violation.get());
    }
    return new Figures(
        measuredPods / seconds,
        measuredPods / createSeconds,
        seconds,
        calls,
        writes,
        cpu,
        pushbacks,
        checkPlacements(),
        stepDowns.get());
  }

  /** Every node and pod as the API lists them now, checked by {@link PlacementCheck}. */
  private PlacementCheck checkPlacements() {
    DroverClient client = clients.get(0);
    List<Node> nodes =
        client
            .listAll(ListRequest.newBuilder().setKind(Kind.KIND_NODE).build())
            .getItemsList()
            .stream()
            .map(Object::getNode)
            .toList();
    List<Pod> pods =
        client
            .listAll(
                ListRequest.newBuilder()
                    .setKind(Kind.KIND_POD)
                    .setNamespace(SchedulerBench.NAMESPACE)
                    .build())
            .getItemsList()
            .stream()
            .map(Object::getPod)
            .toList();
    if (pods.size() != boundTo.size()) {
      throw new IllegalStateException(
          "the API lists " + pods.size() + " pods, the watch saw " + boundTo.size() + " bound");
    }
    return PlacementCheck.of(nodes, pods);
  }

  /** How many observations a histogram of the master's store metrics holds so far. */
  private long storeCount(String histogram) {
    String prefix = histogram + "_count ";
    for (String line : master.metrics().render().split("\n")) {
      if (line.startsWith(prefix)) {
        return Long.parseLong(line.substring(prefix.length()).trim());
      }
    }
    return 0;
  }

  /** The pod as a client sends it: no uid or version (the server assigns them). */
  private static Pod apiPod(Pod p) {
    Pod.Builder b = p.toBuilder();
    b.getMetadataBuilder().clearUid().clearResourceVersion();
    return b.build();
  }

  /**
   * Creates {@code count} objects with at most {@code inFlight} calls outstanding. A create that
   * timed out or met an unavailable store is sent again (it may have been applied, so
   * ALREADY_EXISTS then counts as done); any other failure ends the run.
   */
  private void createAll(int count, IntFunction<Object> make) throws InterruptedException {
    Semaphore slots = new Semaphore(inFlight);
    CountDownLatch done = new CountDownLatch(count);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    for (int i = 0; i < count; i++) {
      Object o = make.apply(i);
      slots.acquire();
      if (failure.get() != null) {
        break;
      }
      send(
          o,
          MAX_SENDS,
          false,
          () -> {
            slots.release();
            done.countDown();
          },
          failure);
    }
    if (failure.get() == null && !done.await(PHASE_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
      throw new IllegalStateException("creates did not finish in " + PHASE_TIMEOUT_SECONDS + " s");
    }
    if (failure.get() != null) {
      throw new IllegalStateException("a create failed: " + failure.get(), failure.get());
    }
  }

  private void send(
      Object o,
      int sendsLeft,
      boolean resent,
      Runnable finished,
      AtomicReference<Throwable> failure) {
    DroverClient client = clients.get(next.getAndIncrement() % CHANNELS);
    client
        .async()
        .create(o)
        .whenComplete(
            (created, t) -> {
              if (t == null) {
                finished.run();
                return;
              }
              Throwable cause = t instanceof CompletionException ce ? ce.getCause() : t;
              Status.Code code = Status.fromThrowable(cause).getCode();
              if (resent && code == Status.Code.ALREADY_EXISTS) {
                finished.run();
                return;
              }
              if (sendsLeft > 1
                  && (code == Status.Code.DEADLINE_EXCEEDED
                      || code == Status.Code.UNAVAILABLE
                      || code == Status.Code.ABORTED)) {
                resends.incrementAndGet();
                send(o, sendsLeft - 1, true, finished, failure);
                return;
              }
              failure.compareAndSet(null, cause);
              finished.run();
            });
  }

  /** Creates the client sent again after the master's rate-limit pushback, over the run. */
  long pushbackResends() {
    return clients.stream().mapToLong(DroverClient::pushbackResends).sum();
  }

  /** Creates sent again after a timeout or an unavailable store, over the whole run. */
  long resends() {
    return resends.get();
  }

  /** Watches the benchmark's pods from a fresh snapshot; returns once the snapshot is through. */
  private void watchPods() throws InterruptedException {
    CountDownLatch synced = new CountDownLatch(1);
    stubs
        .get(0)
        .watch(
            WatchRequest.newBuilder()
                .setKind(Kind.KIND_POD)
                .setNamespace(SchedulerBench.NAMESPACE)
                .setSendInitialEvents(true)
                .setAllowBookmarks(true)
                .build(),
            new StreamObserver<>() {
              @Override
              public void onNext(WatchEvent e) {
                if (e.getType() == WatchEventType.WATCH_EVENT_TYPE_BOOKMARK) {
                  synced.countDown();
                  return;
                }
                Pod p = e.getObject().getPod();
                String node = p.getSpec().getNodeName();
                if (node.isEmpty()) {
                  return;
                }
                String name = p.getMetadata().getName();
                String before = boundTo.putIfAbsent(name, node);
                if (before == null) {
                  lastBoundNanos.set(System.nanoTime());
                  bound.incrementAndGet();
                  synchronized (bound) {
                    bound.notifyAll();
                  }
                } else if (!before.equals(node)) {
                  violation.compareAndSet(
                      null, "pod " + name + " moved from " + before + " to " + node);
                }
              }

              @Override
              public void onError(Throwable t) {
                violation.compareAndSet(null, "the pod watch failed: " + t);
                synced.countDown();
              }

              @Override
              public void onCompleted() {
                violation.compareAndSet(null, "the pod watch ended");
              }
            });
    if (!synced.await(PHASE_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
      throw new IllegalStateException("the pod watch did not start");
    }
  }

  private void awaitBound(long count) throws InterruptedException {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(PHASE_TIMEOUT_SECONDS);
    synchronized (bound) {
      while (bound.get() < count) {
        if (violation.get() != null) {
          throw new IllegalStateException(violation.get());
        }
        long left = until - System.nanoTime();
        if (left <= 0) {
          throw new IllegalStateException(
              "only "
                  + bound.get()
                  + " of "
                  + count
                  + " pods bound in "
                  + PHASE_TIMEOUT_SECONDS
                  + " s");
        }
        bound.wait(Math.min(TimeUnit.NANOSECONDS.toMillis(left) + 1, 200));
      }
    }
  }

  @Override
  public void close() throws InterruptedException {
    activeWatch.interrupt();
    for (DroverClient c : clients) {
      c.close();
    }
    for (ManagedChannel ch : channels) {
      ch.shutdownNow();
    }
    for (ManagedChannel ch : channels) {
      ch.awaitTermination(10, TimeUnit.SECONDS);
    }
    clientLoops.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    clientExecutor.shutdownNow();
    master.close();
    try {
      BenchSupport.deleteTree(dir);
    } catch (IOException e) {
      System.err.println("could not remove " + dir + ": " + e);
    }
  }
}
