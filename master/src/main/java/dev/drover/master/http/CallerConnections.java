package dev.drover.master.http;

import io.grpc.Attributes;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.net.SocketAddress;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLSession;

/**
 * Gives each in-process call the transport of the HTTP connection it serves: the client's address
 * and, over HTTPS, its TLS session. The master's interceptors then read them exactly as on the gRPC
 * port, so a client certificate authenticates the same principal with the same roles, and audit
 * lines name the HTTP client's address. Outermost on the gateway's in-process server.
 *
 * <p>The gateway registers each connection under a random id and sends that id with every call it
 * makes for the connection; it never forwards a header of the HTTP request under that name, and
 * only the gateway reaches its in-process server, so a client cannot claim another's session.
 */
final class CallerConnections implements ServerInterceptor {
  /** Metadata key the gateway names the connection of a call with. */
  static final Metadata.Key<String> CONNECTION =
      Metadata.Key.of("drover-gateway-connection", Metadata.ASCII_STRING_MARSHALLER);

  private final Map<String, Attributes> open = new ConcurrentHashMap<>();

  /** Registers a connection from {@code remote} with TLS {@code session} (null: plaintext). */
  String register(SocketAddress remote, SSLSession session) {
    Attributes.Builder attributes = Attributes.newBuilder();
    if (remote != null) {
      attributes.set(Grpc.TRANSPORT_ATTR_REMOTE_ADDR, remote);
    }
    if (session != null) {
      attributes.set(Grpc.TRANSPORT_ATTR_SSL_SESSION, session);
    }
    String id = UUID.randomUUID().toString();
    open.put(id, attributes.build());
    return id;
  }

  /** Forgets a closed connection. */
  void unregister(String id) {
    open.remove(id);
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    String id = headers.get(CONNECTION);
    headers.discardAll(CONNECTION);
    Attributes connection = id == null ? null : open.get(id);
    // Without its connection (closed meanwhile) a call has no TLS session: no credential counts.
    Attributes attributes =
        call.getAttributes().toBuilder()
            .discard(Grpc.TRANSPORT_ATTR_SSL_SESSION)
            .setAll(connection == null ? Attributes.EMPTY : connection)
            .build();
    return next.startCall(
        new SimpleForwardingServerCall<>(call) {
          @Override
          public Attributes getAttributes() {
            return attributes;
          }
        },
        headers);
  }
}
