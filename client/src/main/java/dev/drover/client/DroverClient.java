package dev.drover.client;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import com.google.protobuf.Message;
import dev.drover.api.v1.ConfigMap;
import dev.drover.api.v1.ControlServiceGrpc;
import dev.drover.api.v1.CreateRequest;
import dev.drover.api.v1.CronJob;
import dev.drover.api.v1.DaemonSet;
import dev.drover.api.v1.DeleteRequest;
import dev.drover.api.v1.DeleteResponse;
import dev.drover.api.v1.Deployment;
import dev.drover.api.v1.Endpoints;
import dev.drover.api.v1.Event;
import dev.drover.api.v1.GetRequest;
import dev.drover.api.v1.Job;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.Lease;
import dev.drover.api.v1.ListRequest;
import dev.drover.api.v1.ListResponse;
import dev.drover.api.v1.Namespace;
import dev.drover.api.v1.Node;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.PersistentVolume;
import dev.drover.api.v1.PersistentVolumeClaim;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.ReplicaSet;
import dev.drover.api.v1.Secret;
import dev.drover.api.v1.Service;
import dev.drover.api.v1.StatefulSet;
import dev.drover.api.v1.UpdateRequest;
import dev.drover.api.v1.UpdateStatusRequest;
import dev.drover.api.v1.WatchEvent;
import dev.drover.api.v1.WatchEventBatch;
import dev.drover.api.v1.WatchEventType;
import dev.drover.api.v1.WatchRequest;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.Deadline;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Java client of the Drover API: typed helpers for every kind over the generated stubs, a list of
 * master endpoints with failover, a deadline on every unary call, retries only where they are safe,
 * and watches that resume by themselves from their last resource_version when a master goes away.
 *
 * <p>Retries: reads (Get, List) are retried on another master after UNAVAILABLE or
 * DEADLINE_EXCEEDED; Update and UpdateStatus, being compare-and-swap, are retried after UNAVAILABLE
 * only (a repeat can never apply twice; when it conflicts, the first attempt may have applied, so
 * the caller gets UNAVAILABLE "outcome unknown", not ABORTED); Create and Delete are never retried,
 * since the caller must learn whether they happened. Every unary call has the client's deadline; a
 * watch stream has a long one after which it resumes.
 *
 * <p>One answer is resent whatever the call: RESOURCE_EXHAUSTED with a {@code
 * grpc-retry-pushback-ms} trailer, the master's limiter refusing the call before any handler ran
 * (so it was not applied). The client waits as long as the trailer says and sends the same call to
 * the same master again, within that attempt's deadline; when the wait would pass the deadline the
 * caller gets the RESOURCE_EXHAUSTED.
 */
public final class DroverClient implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DroverClient.class);

  private static final Duration RETRY_FIRST = Duration.ofMillis(50);
  private static final Duration RETRY_MAX = Duration.ofSeconds(1);

  /** Page size of {@link #listAll} when the request sets no limit (as kubectl's chunking). */
  public static final int LIST_PAGE = 500;

  private final List<String> endpoints;
  private final Function<String, ManagedChannel> channelFactory;
  private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
  private final Duration deadline;
  private final Duration watchTimeout;
  private final ClientInterceptor[] interceptors;
  private final AtomicInteger current = new AtomicInteger();
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "drover-client-watch");
            t.setDaemon(true);
            return t;
          });

  private final Async async = new Async();
  private final AtomicLong pushbackResends = new AtomicLong();

  private DroverClient(Builder b) {
    if (b.endpoints.isEmpty()) {
      throw new IllegalArgumentException("at least one master endpoint is required");
    }
    this.endpoints = List.copyOf(b.endpoints);
    this.channelFactory = b.channelFactory;
    this.deadline = b.deadline;
    this.watchTimeout = b.watchTimeout;
    this.interceptors =
        b.warnings == null
            ? new ClientInterceptor[0]
            : new ClientInterceptor[] {Warnings.interceptor(b.warnings)};
  }

  /** A builder; add endpoints as {@code host:port}. */
  public static Builder builder() {
    return new Builder();
  }

  /** Settings of a client. */
  public static final class Builder {
    private final List<String> endpoints = new ArrayList<>();
    private Duration deadline = Duration.ofSeconds(10);
    private Duration watchTimeout = Duration.ofMinutes(30);
    private Function<String, ManagedChannel> channelFactory = Channels::plaintext;
    private Consumer<String> warnings;

    /**
     * Adds a master endpoint ({@code host:port}, or any target the channel factory understands).
     */
    public Builder endpoint(String target) {
      endpoints.add(target);
      return this;
    }

    /** Adds several endpoints. */
    public Builder endpoints(List<String> targets) {
      endpoints.addAll(targets);
      return this;
    }

    /** Deadline of each unary call (default 10 s). */
    public Builder deadline(Duration d) {
      this.deadline = d;
      return this;
    }

    /**
     * Deadline of one watch stream (default 30 min): when it passes, the watch resumes from its
     * last version on the same master, so even a stream no keepalive can break ends.
     */
    public Builder watchTimeout(Duration d) {
      this.watchTimeout = d;
      return this;
    }

    /** How channels are made (e.g. in-process channels in tests). */
    public Builder channelFactory(Function<String, ManagedChannel> f) {
      this.channelFactory = f;
      return this;
    }

    /**
     * Where the warnings of every call go (the master's {@link Warnings} metadata, e.g. that a
     * LoadBalancer Service is served as NodePort); by default they are dropped.
     */
    public Builder onWarning(Consumer<String> sink) {
      this.warnings = sink;
      return this;
    }

    /** Builds the client. */
    public DroverClient build() {
      return new DroverClient(this);
    }
  }

  private ManagedChannel channel(int index) {
    String target = endpoints.get(Math.floorMod(index, endpoints.size()));
    return channels.computeIfAbsent(target, channelFactory);
  }

  // The channel to one master with the client's interceptors (the warnings sink).
  private io.grpc.Channel calls(int index) {
    return ClientInterceptors.intercept(channel(index), interceptors);
  }

  /** The endpoint calls currently go to. */
  public String currentEndpoint() {
    return endpoints.get(Math.floorMod(current.get(), endpoints.size()));
  }

  private void failover(int from) {
    current.compareAndSet(from, from + 1);
  }

  /**
   * A blocking stub on the current master with the client's deadline, for calls without a helper.
   */
  public ControlServiceGrpc.ControlServiceBlockingStub control() {
    return ControlServiceGrpc.newBlockingStub(calls(current.get()))
        .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The channel to the current master, for services other than ControlService. */
  public io.grpc.Channel currentChannel() {
    return calls(current.get());
  }

  /** When a call may be tried again, on another master, after it failed. */
  public enum Retry {
    /** A read: retried after UNAVAILABLE and DEADLINE_EXCEEDED. */
    READ,
    /**
     * A compare-and-swap write: retried after UNAVAILABLE; a conflict after a lost answer is
     * reported as UNAVAILABLE "outcome unknown", since the first attempt may have applied.
     */
    CAS_WRITE,
    /**
     * A write the server makes idempotent (apply, scale, node actions): retried after UNAVAILABLE.
     */
    IDEMPOTENT,
    /**
     * Create and delete: never retried, the caller must learn whether they happened (a pushback
     * from the limiter aside: that call never reached a handler).
     */
    NEVER
  }

  /** Every master endpoint of this client, in failover order. */
  public List<String> masterEndpoints() {
    return endpoints;
  }

  /** The deadline of each unary call. */
  public Duration deadline() {
    return deadline;
  }

  /**
   * A blocking stub on the current master with its own deadline, for streaming calls (watches,
   * followed logs) that are long but never unbounded.
   */
  public ControlServiceGrpc.ControlServiceBlockingStub stub(Duration streamDeadline) {
    return ControlServiceGrpc.newBlockingStub(calls(current.get()))
        .withDeadlineAfter(streamDeadline.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Runs any unary call of the API with the client's deadline, trying it again on another master as
   * {@code retry} allows; the last failure is thrown when no attempt succeeded.
   */
  private int attempts(Retry safety) {
    return safety == Retry.NEVER ? 1 : Math.max(3, endpoints.size() * 2);
  }

  /**
   * Runs any unary call of the API with the client's deadline, trying it again on another master as
   * {@code retry} allows; the last failure is thrown when no attempt succeeded.
   */
  public <R> R call(Retry safety, Function<ControlServiceGrpc.ControlServiceBlockingStub, R> fn) {
    StatusRuntimeException last = null;
    for (int i = 0; ; i++) {
      int at = current.get();
      Deadline until = attemptDeadline();
      try {
        while (true) {
          try {
            return fn.apply(ControlServiceGrpc.newBlockingStub(calls(at)).withDeadline(until));
          } catch (StatusRuntimeException refused) {
            long wait = Pushback.waitMillis(refused, until);
            if (wait < 0) {
              throw refused;
            }
            pushbackResends.incrementAndGet();
            sleep(wait);
          }
        }
      } catch (StatusRuntimeException e) {
        StatusRuntimeException fatal = afterFailure(safety, i, at, e, last);
        if (fatal != null) {
          throw fatal;
        }
        last = e;
        sleep(backoffMillis(i));
      }
    }
  }

  /**
   * Decides what a failed attempt means: null when the call may be tried again (after moving to the
   * next master where the failure says this one is gone), else the exception to give the caller.
   * Shared by the blocking and the asynchronous calls, so both retry alike.
   */
  private StatusRuntimeException afterFailure(
      Retry safety, int attempt, int at, StatusRuntimeException e, StatusRuntimeException last) {
    Status.Code c = e.getStatus().getCode();
    if (safety == Retry.CAS_WRITE && last != null && c == Status.Code.ABORTED) {
      // The attempt that failed with UNAVAILABLE may have been applied before its answer was
      // lost, and then this repeat conflicts with it: ABORTED would tell the caller "not
      // applied" (and a read-modify-write loop would apply its change twice), so the outcome is
      // reported as unknown instead.
      return Status.UNAVAILABLE
          .withDescription(
              "outcome unknown: an earlier attempt may have been applied ("
                  + last.getStatus().getDescription()
                  + "); read the object again")
          .withCause(e)
          .asRuntimeException();
    }
    boolean retry =
        c == Status.Code.UNAVAILABLE
            || (safety == Retry.READ && c == Status.Code.DEADLINE_EXCEEDED);
    if (c == Status.Code.UNAVAILABLE || c == Status.Code.DEADLINE_EXCEEDED) {
      failover(at);
    }
    return retry && attempt + 1 < attempts(safety) ? null : e;
  }

  private Deadline attemptDeadline() {
    return Deadline.after(deadline.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Calls sent again after the master's limiter asked this client to wait (RESOURCE_EXHAUSTED with
   * a pushback), since the client was built: a client that sees many is over its rate.
   */
  public long pushbackResends() {
    return pushbackResends.get();
  }

  /** Exponential back-off between attempts: 50 ms doubling up to 1 s. */
  private static long backoffMillis(int attempt) {
    return Backoff.exponential(RETRY_FIRST, RETRY_MAX, attempt).toMillis();
  }

  private static void sleep(long millis) {
    try {
      TimeUnit.MILLISECONDS.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw Status.CANCELLED.withDescription("interrupted").asRuntimeException();
    }
  }

  // ------------------------------------------------------------------ asynchronous verbs

  /**
   * The same verbs without blocking: each returns at once with a future that completes with the
   * answer, or exceptionally with the {@link StatusRuntimeException} a blocking call would throw.
   * Retries follow the same rules; their back-off waits on the client's timer, never on a caller's
   * thread.
   */
  public Async async() {
    return async;
  }

  /** Asynchronous calls of a {@link DroverClient}; see {@link DroverClient#async()}. */
  public final class Async {
    private Async() {}

    /** Creates an object (not retried, but resent after a limiter pushback). */
    public CompletableFuture<Object> create(Object o) {
      return call(Retry.NEVER, s -> s.create(createRequest(o)));
    }

    /** Reads an object. */
    public CompletableFuture<Object> get(Kind kind, String namespace, String name) {
      return call(Retry.READ, s -> s.get(getRequest(kind, namespace, name)));
    }

    /** Lists objects (one page, as the request says). */
    public CompletableFuture<ListResponse> list(ListRequest request) {
      return call(Retry.READ, s -> s.list(request));
    }

    /** Updates metadata and spec (compare-and-swap on the object's resource_version). */
    public CompletableFuture<Object> update(Object o) {
      return call(Retry.CAS_WRITE, s -> s.update(updateRequest(o)));
    }

    /** Updates the status (compare-and-swap). */
    public CompletableFuture<Object> updateStatus(Object o) {
      return call(Retry.CAS_WRITE, s -> s.updateStatus(updateStatusRequest(o)));
    }

    /** Deletes an object (not retried). */
    public CompletableFuture<DeleteResponse> delete(DeleteRequest request) {
      return call(Retry.NEVER, s -> s.delete(request));
    }

    /** Runs any unary call through the future stub, retried as {@code retry} allows. */
    public <R> CompletableFuture<R> call(
        Retry retry,
        Function<ControlServiceGrpc.ControlServiceFutureStub, ListenableFuture<R>> fn) {
      CompletableFuture<R> result = new CompletableFuture<>();
      attempt(retry, fn, 0, null, result);
      return result;
    }

    private <R> void attempt(
        Retry safety,
        Function<ControlServiceGrpc.ControlServiceFutureStub, ListenableFuture<R>> fn,
        int attempt,
        StatusRuntimeException last,
        CompletableFuture<R> result) {
      send(safety, fn, attempt, last, result, current.get(), attemptDeadline());
    }

    /** Sends one attempt to master {@code at}; again after a pushback, within {@code until}. */
    private <R> void send(
        Retry safety,
        Function<ControlServiceGrpc.ControlServiceFutureStub, ListenableFuture<R>> fn,
        int attempt,
        StatusRuntimeException last,
        CompletableFuture<R> result,
        int at,
        Deadline until) {
      ListenableFuture<R> call;
      try {
        call = fn.apply(ControlServiceGrpc.newFutureStub(calls(at)).withDeadline(until));
      } catch (RuntimeException e) {
        result.completeExceptionally(e);
        return;
      }
      Futures.addCallback(
          call,
          new FutureCallback<R>() {
            @Override
            public void onSuccess(R value) {
              result.complete(value);
            }

            @Override
            public void onFailure(Throwable t) {
              StatusRuntimeException e =
                  t instanceof StatusRuntimeException sre
                      ? sre
                      : Status.fromThrowable(t).asRuntimeException();
              long wait = Pushback.waitMillis(e, until);
              if (wait >= 0) {
                pushbackResends.incrementAndGet();
                later(() -> send(safety, fn, attempt, last, result, at, until), wait, result);
                return;
              }
              StatusRuntimeException fatal = afterFailure(safety, attempt, at, e, last);
              if (fatal != null) {
                result.completeExceptionally(fatal);
                return;
              }
              later(
                  () -> attempt(safety, fn, attempt + 1, e, result),
                  backoffMillis(attempt),
                  result);
            }
          },
          MoreExecutors.directExecutor());
    }

    /** Runs {@code r} on the client's timer after {@code millis}; fails the call once closed. */
    private void later(Runnable r, long millis, CompletableFuture<?> result) {
      try {
        timer.schedule(r, millis, TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException closed) {
        result.completeExceptionally(
            Status.CANCELLED.withDescription("client closed").asRuntimeException());
      }
    }
  }

  // ------------------------------------------------------------------ generic verbs

  /** Creates an object (not retried, but resent after a limiter pushback). */
  public Object create(Object o) {
    return call(Retry.NEVER, s -> s.create(createRequest(o)));
  }

  /** Reads an object. */
  public Object get(Kind kind, String namespace, String name) {
    return call(Retry.READ, s -> s.get(getRequest(kind, namespace, name)));
  }

  /** Lists objects (one page, as the request says). */
  public ListResponse list(ListRequest request) {
    return call(Retry.READ, s -> s.list(request));
  }

  /** Lists every page of a listing into one response (a consistent snapshot). */
  public ListResponse listAll(ListRequest request) {
    ListResponse.Builder all = ListResponse.newBuilder();
    // Pages keep each response well under the message limit; the continue token keeps them
    // one consistent snapshot.
    ListRequest paged =
        request.getLimit() > 0 ? request : request.toBuilder().setLimit(LIST_PAGE).build();
    ListRequest next = paged;
    while (true) {
      ListResponse page = list(next);
      all.addAllItems(page.getItemsList()).setResourceVersion(page.getResourceVersion());
      if (page.getContinueToken().isEmpty()) {
        return all.build();
      }
      next = paged.toBuilder().setContinueToken(page.getContinueToken()).build();
    }
  }

  /** Updates metadata and spec (compare-and-swap on the object's resource_version). */
  public Object update(Object o) {
    return call(Retry.CAS_WRITE, s -> s.update(updateRequest(o)));
  }

  /** Updates the status (compare-and-swap). */
  public Object updateStatus(Object o) {
    return call(Retry.CAS_WRITE, s -> s.updateStatus(updateStatusRequest(o)));
  }

  /** Deletes an object (not retried). */
  public DeleteResponse delete(DeleteRequest request) {
    return call(Retry.NEVER, s -> s.delete(request));
  }

  // The requests of the verbs, built once for the blocking and the asynchronous calls alike.

  private static CreateRequest createRequest(Object o) {
    return CreateRequest.newBuilder().setObject(o).build();
  }

  private static GetRequest getRequest(Kind kind, String namespace, String name) {
    return GetRequest.newBuilder().setKind(kind).setNamespace(namespace).setName(name).build();
  }

  private static UpdateRequest updateRequest(Object o) {
    return UpdateRequest.newBuilder().setObject(o).build();
  }

  private static UpdateStatusRequest updateStatusRequest(Object o) {
    return UpdateStatusRequest.newBuilder().setObject(o).build();
  }

  // ------------------------------------------------------------------ watch

  /** Receives a resumable watch's events. */
  public interface WatchListener {
    /** An ADDED, MODIFIED, DELETED or BOOKMARK event, each exactly once and in order. */
    void onEvent(WatchEvent event);

    /**
     * The watch's history expired and the client listed again: {@code items} is the full current
     * state at {@code resourceVersion}; events continue from there.
     */
    default void onRelist(List<Object> items, long resourceVersion) {}

    /** The watch ended for good (closed, or a non-retryable error). */
    default void onClosed(Status status) {}
  }

  /** A running watch; close it to stop. */
  public interface WatchStream extends AutoCloseable {
    /** Version of the last event delivered. */
    long lastResourceVersion();

    @Override
    void close();
  }

  /**
   * Watches with automatic resumption: after a broken stream it watches again from the last
   * delivered resource_version, on the next master; after an Expired error it lists again, reports
   * the state through {@link WatchListener#onRelist} and continues from there.
   */
  public WatchStream watch(WatchRequest request, WatchListener listener) {
    ResumingWatch w = new ResumingWatch(request, listener);
    w.open(request);
    return w;
  }

  private final class ResumingWatch implements WatchStream {
    private final WatchRequest base;
    private final WatchListener listener;
    private volatile long lastRv;
    private volatile boolean closed;
    private volatile ClientCallStreamObserver<WatchRequest> call;
    private int failures;

    /** Whether to use WatchBatched; cleared when a master does not know it (then Watch). */
    private volatile boolean batched = true;

    ResumingWatch(WatchRequest base, WatchListener listener) {
      this.base = base;
      this.listener = listener;
      this.lastRv = base.getResourceVersion();
    }

    @Override
    public long lastResourceVersion() {
      return lastRv;
    }

    void open(WatchRequest request) {
      if (closed) {
        return;
      }
      int at = current.get();
      ControlServiceGrpc.ControlServiceStub stub =
          ControlServiceGrpc.newStub(calls(at))
              .withDeadlineAfter(watchTimeout.toMillis(), TimeUnit.MILLISECONDS);
      if (batched) {
        stub.watchBatched(
            request,
            new Stream<WatchEventBatch>(at) {
              @Override
              public void onNext(WatchEventBatch batch) {
                for (WatchEvent e : batch.getEventsList()) {
                  if (!deliver(e)) {
                    return;
                  }
                }
              }
            });
      } else {
        stub.watch(
            request,
            new Stream<WatchEvent>(at) {
              @Override
              public void onNext(WatchEvent e) {
                deliver(e);
              }
            });
      }
    }

    /** One stream's callbacks; {@code at} is the endpoint it was opened on. */
    private abstract class Stream<R> implements ClientResponseObserver<WatchRequest, R> {
      private final int at;

      /** Set once this stream's outcome is handled, so its later callbacks do nothing. */
      private boolean done;

      Stream(int at) {
        this.at = at;
      }

      @Override
      public void beforeStart(ClientCallStreamObserver<WatchRequest> requestStream) {
        call = requestStream;
      }

      /**
       * Hands one event to the listener; false once the stream is over (closed or ended by an
       * ERROR).
       */
      boolean deliver(WatchEvent e) {
        if (closed || done) {
          return false;
        }
        failures = 0;
        if (e.getType() == WatchEventType.WATCH_EVENT_TYPE_ERROR) {
          done = true;
          if ("Expired".equals(e.getError().getReason())) {
            schedule(ResumingWatch.this::relist, 0);
          } else {
            finish(
                Status.fromCodeValue(e.getError().getCode())
                    .withDescription(e.getError().getMessage()));
          }
          return false;
        }
        if (e.getResourceVersion() <= lastRv
            && e.getType() != WatchEventType.WATCH_EVENT_TYPE_BOOKMARK) {
          // Already delivered before a resume; the server never sends these, but be certain.
          return true;
        }
        lastRv = Math.max(lastRv, e.getResourceVersion());
        listener.onEvent(e);
        return true;
      }

      @Override
      public void onError(Throwable t) {
        if (closed || done) {
          return;
        }
        done = true;
        Status s = Status.fromThrowable(t);
        if (s.getCode() == Status.Code.UNIMPLEMENTED && batched) {
          // A master from before WatchBatched: the same events, one per message.
          batched = false;
          schedule(
              () ->
                  open(
                      base.toBuilder()
                          .setResourceVersion(lastRv)
                          .setSendInitialEvents(false)
                          .build()),
              0);
          return;
        }
        if (s.getCode() == Status.Code.INVALID_ARGUMENT
            || s.getCode() == Status.Code.PERMISSION_DENIED
            || s.getCode() == Status.Code.UNAUTHENTICATED) {
          finish(s);
          return;
        }
        if (s.getCode() != Status.Code.DEADLINE_EXCEEDED) {
          // The stream's own deadline passing says nothing against this master.
          failover(at);
        }
        resumeLater();
      }

      @Override
      public void onCompleted() {
        // A stream the server ended without an error (not after Expired) resumes like a break.
        if (!closed && !done) {
          done = true;
          resumeLater();
        }
      }
    }

    private void resumeLater() {
      int n = ++failures;
      long delay = Math.min(2000, 50L << Math.min(n, 6));
      LOG.debug(
          "watch of {} resumes from {} on {} in {} ms",
          base.getKind(),
          lastRv,
          currentEndpoint(),
          delay);
      schedule(
          () ->
              open(base.toBuilder().setResourceVersion(lastRv).setSendInitialEvents(false).build()),
          delay);
    }

    private void schedule(Runnable r, long delayMillis) {
      try {
        timer.schedule(r, delayMillis, TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException e) {
        closed = true;
      }
    }

    private void relist() {
      var c = call;
      if (c != null) {
        c.cancel("relisting", null);
      }
      try {
        ListResponse all =
            listAll(
                ListRequest.newBuilder()
                    .setKind(base.getKind())
                    .setNamespace(base.getNamespace())
                    .setLabelSelector(base.getLabelSelector())
                    .setFieldSelector(base.getFieldSelector())
                    .build());
        lastRv = all.getResourceVersion();
        listener.onRelist(all.getItemsList(), all.getResourceVersion());
        open(base.toBuilder().setResourceVersion(lastRv).setSendInitialEvents(false).build());
      } catch (StatusRuntimeException e) {
        resumeLater();
      }
    }

    private void finish(Status s) {
      closed = true;
      var c = call;
      if (c != null) {
        c.cancel("finished", null);
      }
      listener.onClosed(s);
    }

    @Override
    public void close() {
      if (!closed) {
        finish(Status.CANCELLED.withDescription("closed by the client"));
      }
    }
  }

  // ------------------------------------------------------------------ typed helpers

  /** Typed operations on one kind. */
  public final class Resource<T extends Message> {
    private final Kind kind;
    private final Function<Object, T> unwrap;
    private final Function<T, Object> wrap;

    Resource(Kind kind, Function<Object, T> unwrap, Function<T, Object> wrap) {
      this.kind = kind;
      this.unwrap = unwrap;
      this.wrap = wrap;
    }

    /** Creates the object; returns it as stored. */
    public T create(T o) {
      return unwrap.apply(DroverClient.this.create(wrap.apply(o)));
    }

    /** Reads one object (namespace "" for cluster-scoped kinds). */
    public T get(String namespace, String name) {
      return unwrap.apply(DroverClient.this.get(kind, namespace, name));
    }

    /** Every object in a namespace ("" for all) matching a label selector ("" for all). */
    public List<T> list(String namespace, String labelSelector) {
      return listAll(
              ListRequest.newBuilder()
                  .setKind(kind)
                  .setNamespace(namespace)
                  .setLabelSelector(labelSelector)
                  .build())
          .getItemsList()
          .stream()
          .map(unwrap)
          .toList();
    }

    /** Replaces metadata and spec, expecting the version in the object's metadata. */
    public T update(T o) {
      return unwrap.apply(DroverClient.this.update(wrap.apply(o)));
    }

    /** Replaces the status, expecting the version in the object's metadata. */
    public T updateStatus(T o) {
      return unwrap.apply(DroverClient.this.updateStatus(wrap.apply(o)));
    }

    /** Deletes an object; true when it was removed at once. */
    public boolean delete(String namespace, String name) {
      return DroverClient.this
          .delete(
              DeleteRequest.newBuilder()
                  .setKind(kind)
                  .setNamespace(namespace)
                  .setName(name)
                  .build())
          .getDeletedImmediately();
    }

    /**
     * Watches the kind in a namespace ("" for all) from a version (0: from now), resuming by
     * itself.
     */
    public WatchStream watch(String namespace, long fromResourceVersion, WatchListener listener) {
      return DroverClient.this.watch(
          WatchRequest.newBuilder()
              .setKind(kind)
              .setNamespace(namespace)
              .setResourceVersion(fromResourceVersion)
              .setAllowBookmarks(true)
              .build(),
          listener);
    }
  }

  /** Namespaces. */
  public Resource<Namespace> namespaces() {
    return new Resource<>(
        Kind.KIND_NAMESPACE,
        Object::getNamespace,
        x -> Object.newBuilder().setNamespace(x).build());
  }

  /** Nodes. */
  public Resource<Node> nodes() {
    return new Resource<>(
        Kind.KIND_NODE, Object::getNode, x -> Object.newBuilder().setNode(x).build());
  }

  /** Pods. */
  public Resource<Pod> pods() {
    return new Resource<>(
        Kind.KIND_POD, Object::getPod, x -> Object.newBuilder().setPod(x).build());
  }

  /** Deployments. */
  public Resource<Deployment> deployments() {
    return new Resource<>(
        Kind.KIND_DEPLOYMENT,
        Object::getDeployment,
        x -> Object.newBuilder().setDeployment(x).build());
  }

  /** ReplicaSets. */
  public Resource<ReplicaSet> replicaSets() {
    return new Resource<>(
        Kind.KIND_REPLICA_SET,
        Object::getReplicaSet,
        x -> Object.newBuilder().setReplicaSet(x).build());
  }

  /** DaemonSets. */
  public Resource<DaemonSet> daemonSets() {
    return new Resource<>(
        Kind.KIND_DAEMON_SET,
        Object::getDaemonSet,
        x -> Object.newBuilder().setDaemonSet(x).build());
  }

  /** Jobs. */
  public Resource<Job> jobs() {
    return new Resource<>(
        Kind.KIND_JOB, Object::getJob, x -> Object.newBuilder().setJob(x).build());
  }

  /** CronJobs. */
  public Resource<CronJob> cronJobs() {
    return new Resource<>(
        Kind.KIND_CRON_JOB, Object::getCronJob, x -> Object.newBuilder().setCronJob(x).build());
  }

  /** Services. */
  public Resource<Service> services() {
    return new Resource<>(
        Kind.KIND_SERVICE, Object::getService, x -> Object.newBuilder().setService(x).build());
  }

  /** Endpoints. */
  public Resource<Endpoints> endpoints() {
    return new Resource<>(
        Kind.KIND_ENDPOINTS,
        Object::getEndpoints,
        x -> Object.newBuilder().setEndpoints(x).build());
  }

  /** Events. */
  public Resource<Event> events() {
    return new Resource<>(
        Kind.KIND_EVENT, Object::getEvent, x -> Object.newBuilder().setEvent(x).build());
  }

  /** Secrets. */
  public Resource<Secret> secrets() {
    return new Resource<>(
        Kind.KIND_SECRET, Object::getSecret, x -> Object.newBuilder().setSecret(x).build());
  }

  /** ConfigMaps. */
  public Resource<ConfigMap> configMaps() {
    return new Resource<>(
        Kind.KIND_CONFIG_MAP,
        Object::getConfigMap,
        x -> Object.newBuilder().setConfigMap(x).build());
  }

  /** Leases. */
  public Resource<Lease> leases() {
    return new Resource<>(
        Kind.KIND_LEASE, Object::getLease, x -> Object.newBuilder().setLease(x).build());
  }

  /** StatefulSets. */
  public Resource<StatefulSet> statefulSets() {
    return new Resource<>(
        Kind.KIND_STATEFUL_SET,
        Object::getStatefulSet,
        x -> Object.newBuilder().setStatefulSet(x).build());
  }

  /** PersistentVolumes (cluster-scoped). */
  public Resource<PersistentVolume> persistentVolumes() {
    return new Resource<>(
        Kind.KIND_PERSISTENT_VOLUME,
        Object::getPersistentVolume,
        x -> Object.newBuilder().setPersistentVolume(x).build());
  }

  /** PersistentVolumeClaims. */
  public Resource<PersistentVolumeClaim> persistentVolumeClaims() {
    return new Resource<>(
        Kind.KIND_PERSISTENT_VOLUME_CLAIM,
        Object::getPersistentVolumeClaim,
        x -> Object.newBuilder().setPersistentVolumeClaim(x).build());
  }

  /** Closes every channel and stops resuming watches. */
  @Override
  public void close() {
    timer.shutdownNow();
    for (ManagedChannel c : channels.values()) {
      c.shutdownNow();
    }
    channels.values().forEach(Channels::close);
  }
}
