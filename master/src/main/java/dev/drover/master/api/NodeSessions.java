package dev.drover.master.api;

import io.grpc.Attributes;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerTransportFilter;
import io.grpc.Status;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;

/**
 * Which node agents hold their session (the pod watch) on which network connection of this master,
 * so that a connection that dies tells at once which nodes lost theirs.
 *
 * <p>An agent whose process or host died leaves its connection closed by the kernel (a reset or a
 * FIN) or, for a silent host, ended by the transport's keepalive; either way the transport
 * terminates. A live agent that moves to another master only cancels its watch and keeps the
 * connection. So a node counts as lost with a connection when its watch stream on it was still open
 * when the connection ended, or ended less than {@link #END_SLACK} before (the streams of a closing
 * connection are cancelled just before the transport terminates). The {@code onLost} callback gets
 * each such node and the moment the connection ended; it runs on a transport thread and must not
 * block.
 *
 * <p>Install it both as the server's transport filter and as the interceptor of the node service;
 * {@link #watchStarted(String)} from the WatchPods handler records the node of that stream.
 */
public final class NodeSessions extends ServerTransportFilter implements ServerInterceptor {
  /** How long before its connection ended a node's watch may have ended and still count. */
  static final Duration END_SLACK = Duration.ofSeconds(1);

  private static final Attributes.Key<Connection> CONNECTION =
      Attributes.Key.create("drover.node-session-connection");
  private static final Context.Key<Slot> SLOT = Context.key("drover.node-session-slot");

  private final Clock clock;
  private final BiConsumer<String, Instant> onLost;

  /** Sessions on this master's connections; {@code onLost} hears of nodes whose connection died. */
  public NodeSessions(Clock clock, BiConsumer<String, Instant> onLost) {
    this.clock = clock;
    this.onLost = onLost;
  }

  // A stream still open (ConcurrentHashMap holds no nulls).
  private static final Instant OPEN = Instant.MAX;

  /** The watch streams of one connection: per node, {@link #OPEN} or when it ended. */
  private static final class Connection {
    private final Map<String, Instant> streams = new ConcurrentHashMap<>();
  }

  /** One call's place on its connection; the handler names its node. */
  private static final class Slot {
    private final Connection connection;
    private volatile String node;

    Slot(Connection connection) {
      this.connection = connection;
    }

    void ended(Instant at) {
      String n = node;
      if (n != null) {
        // Only the node's current stream on this connection: a newer one keeps it open.
        connection.streams.computeIfPresent(n, (k, v) -> v.equals(OPEN) ? at : v);
      }
    }
  }

  @Override
  public Attributes transportReady(Attributes attributes) {
    return attributes.toBuilder().set(CONNECTION, new Connection()).build();
  }

  @Override
  public void transportTerminated(Attributes attributes) {
    Connection c = attributes.get(CONNECTION);
    if (c == null) {
      return;
    }
    Instant now = clock.instant();
    List<String> lost = new ArrayList<>();
    c.streams.forEach(
        (node, ended) -> {
          if (ended.equals(OPEN) || !ended.isBefore(now.minus(END_SLACK))) {
            lost.add(node);
          }
        });
    c.streams.clear();
    lost.forEach(node -> onLost.accept(node, now));
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    Connection c = call.getAttributes().get(CONNECTION);
    if (c == null) {
      return next.startCall(call, headers);
    }
    Slot slot = new Slot(c);
    ServerCall<Q, R> watched =
        new SimpleForwardingServerCall<>(call) {
          @Override
          public void close(Status status, Metadata trailers) {
            slot.ended(clock.instant());
            super.close(status, trailers);
          }
        };
    ServerCall.Listener<Q> listener =
        Contexts.interceptCall(Context.current().withValue(SLOT, slot), watched, headers, next);
    return new SimpleForwardingServerCallListener<>(listener) {
      @Override
      public void onCancel() {
        slot.ended(clock.instant());
        super.onCancel();
      }
    };
  }

  /** From a WatchPods handler: the calling stream is {@code node}'s session. */
  static void watchStarted(String node) {
    Slot slot = SLOT.get();
    if (slot != null) {
      slot.node = node;
      slot.connection.streams.put(node, OPEN);
    }
  }
}
