package dev.drover.master.auth;

import com.google.protobuf.MessageLite;
import dev.drover.api.v1.NodeServiceGrpc;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Enforces {@link Limits} on calls from the network: per client, a token-bucket rate and a cap on
 * open streams; for the server, a cap on calls in flight. A refusal answers RESOURCE_EXHAUSTED with
 * the wait in the message and in the {@value #RETRY_PUSHBACK} trailer. Every caller's request
 * messages are held to the size limit (INVALID_ARGUMENT). In-process callers are the embedding
 * program itself and are not rate limited; health checks never are.
 *
 * <p>Calls in flight are counted in two priority levels, each capped at {@link
 * Limits#maxInFlight()}: the nodes' own calls (NodeService: heartbeats, status reports) and
 * everyone else's. As Kubernetes gives the nodes a priority level of their own, thousands of nodes
 * renewing their leases cannot fill the budget users' calls need, and a flood of users' calls
 * cannot shed the heartbeats that keep nodes Ready (a shed heartbeat leads to pods evicted).
 *
 * <p>As Kubernetes' API priority and fairness exempts {@code system:masters}, an authenticated
 * cluster-wide cluster-admin and the other masters are exempt from the rate (a runaway user cannot
 * lock the administrators or the control plane out); their streams and messages are still capped,
 * and their calls count towards the calls in flight. The {@code --insecure} principal is not
 * exempt: it is whoever reaches the port, told apart by address alone.
 */
public final class LimitsInterceptor implements ServerInterceptor {
  /** The trailer gRPC clients read as "retry after this many milliseconds". */
  public static final String RETRY_PUSHBACK = "grpc-retry-pushback-ms";

  static final Metadata.Key<String> PUSHBACK_KEY =
      Metadata.Key.of(RETRY_PUSHBACK, Metadata.ASCII_STRING_MARSHALLER);

  // A refused stream is retried after this long: streams end when clients close them, so there
  // is no better estimate.
  private static final long STREAM_RETRY_MS = 1000;
  private static final int MAX_TRACKED_CLIENTS = 10_000;

  private final Limits limits;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger nodeInFlight = new AtomicInteger();
  private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> streams = new ConcurrentHashMap<>();

  /** Enforces {@code limits}. */
  public LimitsInterceptor(Limits limits) {
    this.limits = limits;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    String method = call.getMethodDescriptor().getFullMethodName();
    SocketAddress peer = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
    if (method.startsWith("grpc.health.v1.") || !(peer instanceof InetSocketAddress inet)) {
      return sized(next.startCall(call, headers), call);
    }
    // Every refusal below closes the call here, before next.startCall: no handler has seen it
    // and nothing was applied, so a client may resend any call refused with a pushback, a
    // create included (DroverClient does).
    String client = client(inet);
    long waitMs = rateExempt(AuthContext.current()) ? 0 : admitRate(client);
    if (waitMs > 0) {
      return refuse(
          call, "too many requests from " + client + "; retry in " + waitMs + " ms", waitMs);
    }
    boolean stream = call.getMethodDescriptor().getType() != MethodType.UNARY;
    AtomicInteger counter;
    int cap;
    String what;
    if (stream) {
      counter = streams.computeIfAbsent(client, k -> new AtomicInteger());
      cap = limits.maxStreamsPerClient();
      what = "open streams of " + client;
    } else if (call.getMethodDescriptor().getServiceName().equals(NodeServiceGrpc.SERVICE_NAME)) {
      counter = nodeInFlight;
      cap = limits.maxInFlight();
      what = "node requests in flight on this master";
    } else {
      counter = inFlight;
      cap = limits.maxInFlight();
      what = "requests in flight on this master";
    }
    if (counter.incrementAndGet() > cap) {
      release(counter, client, stream);
      long retry = stream ? STREAM_RETRY_MS : 100;
      return refuse(
          call, "too many " + what + " (limit " + cap + "); retry in " + retry + " ms", retry);
    }
    AtomicBoolean released = new AtomicBoolean();
    Runnable done =
        () -> {
          if (released.compareAndSet(false, true)) {
            release(counter, client, stream);
          }
        };
    ServerCall<Q, R> counted =
        new SimpleForwardingServerCall<>(call) {
          @Override
          public void close(Status status, Metadata trailers) {
            done.run();
            super.close(status, trailers);
          }
        };
    ServerCall.Listener<Q> listener;
    try {
      listener = sized(next.startCall(counted, headers), counted);
    } catch (RuntimeException e) {
      done.run();
      throw e;
    }
    return new SimpleForwardingServerCallListener<>(listener) {
      @Override
      public void onCancel() {
        done.run();
        super.onCancel();
      }

      @Override
      public void onComplete() {
        done.run();
        super.onComplete();
      }
    };
  }

  private void release(AtomicInteger counter, String client, boolean stream) {
    if (counter.decrementAndGet() <= 0 && stream) {
      streams.remove(client, counter);
    }
  }

  // Who is counted: the principal, and under --insecure (one principal for all) its address too.
  private static String client(InetSocketAddress peer) {
    Principal p = AuthContext.current();
    String who = p == null ? "anonymous" : p.name();
    boolean shared = p == null || p.equals(Principal.INSECURE);
    return shared ? who + "@" + peer.getAddress().getHostAddress() : who;
  }

  /** Whether {@code p} is exempt from the rate limit (see the class comment). */
  static boolean rateExempt(Principal p) {
    return p != null
        && !p.equals(Principal.INSECURE)
        && p.namespace() == null
        && (p.role() == Role.CLUSTER_ADMIN || p.role() == Role.MASTER);
  }

  /** Takes a token for {@code client}; 0 when it got one, else the milliseconds until it would. */
  private long admitRate(String client) {
    if (limits.requestsPerSecond() <= 0) {
      return 0;
    }
    if (buckets.size() > MAX_TRACKED_CLIENTS) {
      long now = System.nanoTime();
      buckets.values().removeIf(b -> b.full(now));
    }
    return buckets
        .computeIfAbsent(client, k -> new Bucket(limits.burst(), System.nanoTime()))
        .take(limits.requestsPerSecond(), limits.burst(), System.nanoTime());
  }

  private static <Q, R> ServerCall.Listener<Q> refuse(
      ServerCall<Q, R> call, String message, long retryMs) {
    Metadata trailers = new Metadata();
    trailers.put(PUSHBACK_KEY, Long.toString(retryMs));
    call.close(Status.RESOURCE_EXHAUSTED.withDescription(message), trailers);
    return new ServerCall.Listener<>() {};
  }

  /** Refuses request messages over the limit before the service reads them. */
  private <Q, R> ServerCall.Listener<Q> sized(ServerCall.Listener<Q> next, ServerCall<Q, R> call) {
    return new SimpleForwardingServerCallListener<>(next) {
      private boolean refused;

      @Override
      public void onMessage(Q message) {
        if (refused) {
          return;
        }
        int size = message instanceof MessageLite m ? m.getSerializedSize() : 0;
        if (size > limits.maxMessageBytes()) {
          refused = true;
          call.close(
              Status.INVALID_ARGUMENT.withDescription(
                  "the request is "
                      + size
                      + " bytes, more than the limit of "
                      + limits.maxMessageBytes()
                      + " bytes; send fewer or smaller objects"),
              new Metadata());
          return;
        }
        super.onMessage(message);
      }

      @Override
      public void onHalfClose() {
        if (!refused) {
          super.onHalfClose();
        }
      }
    };
  }

  /** A token bucket; synchronized per client. */
  private static final class Bucket {
    private double tokens;
    private long at;

    Bucket(double tokens, long at) {
      this.tokens = tokens;
      this.at = at;
    }

    synchronized long take(double perSecond, int burst, long now) {
      tokens = Math.min(burst, tokens + (now - at) / 1e9 * perSecond);
      at = now;
      if (tokens >= 1) {
        tokens -= 1;
        return 0;
      }
      return Math.max(1, (long) Math.ceil((1 - tokens) / perSecond * 1000));
    }

    synchronized boolean full(long now) {
      return (now - at) / 1e9 > 60;
    }
  }
}
