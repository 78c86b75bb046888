package dev.drover.client;

import dev.drover.client.tls.PemFiles;
import dev.drover.client.tls.PinnedCaTrustManager;
import dev.drover.client.tls.ReloadingKeyManager;
import dev.drover.client.tls.ServerTls;
import dev.drover.client.tls.TrustManagers;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.netty.shaded.io.grpc.netty.NegotiationType;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The one place the project builds a gRPC channel: the CLI, the node agent, the master's channels
 * to agents, {@link DroverClient} and the benchmarks all come here, so transport security and
 * credentials are decided once. Every channel gets keepalive pings (a dead peer under an idle
 * stream is found in about 40 s; masters permit pings every 10 s) and accepts responses as large as
 * the API's request limit.
 *
 * <p>Secure channels use TLS and fail closed: a credential file that is missing or unusable throws
 * {@link IllegalArgumentException} when the channel or factory is built, never plaintext.
 */
public final class Channels {
  /** Largest message a channel accepts: the master's own request limit (objects are 1 MiB). */
  public static final int MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

  private Channels() {}

  /** A plaintext channel to {@code target} ({@code host:port} or any gRPC target string). */
  public static ManagedChannel plaintext(String target) {
    return configure(NettyChannelBuilder.forTarget(target)).usePlaintext().build();
  }

  /**
   * A builder for a plaintext channel with the same settings, for callers that tune the transport
   * (event loops, executors) before building; security stays decided here.
   */
  public static NettyChannelBuilder plaintextBuilder(String target) {
    return configure(NettyChannelBuilder.forTarget(target)).usePlaintext();
  }

  /** A plaintext channel to a host and port. */
  public static ManagedChannel plaintext(String host, int port) {
    return configure(NettyChannelBuilder.forAddress(host, port)).usePlaintext().build();
  }

  /**
   * A builder for a TLS channel to {@code target} presenting {@code credentials}; throws {@link
   * IllegalArgumentException} when a credential file is missing or unusable.
   */
  public static NettyChannelBuilder secureBuilder(String target, ClientCredentials credentials) {
    return secureBuilder(target, new Secure(credentials));
  }

  /** A TLS channel to {@code target} presenting {@code credentials}. */
  public static ManagedChannel secure(String target, ClientCredentials credentials) {
    return secureBuilder(target, credentials).build();
  }

  /**
   * A channel factory for {@link DroverClient.Builder#channelFactory}: every channel it opens uses
   * {@code credentials}, read once now (and the key files again when they change).
   */
  public static Function<String, ManagedChannel> secureFactory(ClientCredentials credentials) {
    Secure secure = new Secure(credentials);
    return target -> secureBuilder(target, secure).build();
  }

  /**
   * A TLS channel for joining a cluster: no client certificate, and the server must prove a CA
   * whose digest is {@code trust}'s pin (the join token's).
   */
  public static ManagedChannel pinned(String target, PinnedCaTrustManager trust) {
    return configure(NettyChannelBuilder.forTarget(target))
        .negotiationType(NegotiationType.TLS)
        .sslContext(ServerTls.clientContext(null, trust))
        .build();
  }

  private static NettyChannelBuilder secureBuilder(String target, Secure secure) {
    NettyChannelBuilder b =
        configure(NettyChannelBuilder.forTarget(target))
            .negotiationType(NegotiationType.TLS)
            .sslContext(secure.context);
    if (secure.token != null) {
      b.intercept(new BearerToken(secure.token));
    }
    return b;
  }

  /** The TLS context and token of one set of credentials, checked when built. */
  private static final class Secure {
    final SslContext context;
    final String token;

    Secure(ClientCredentials c) {
      X509TrustManager trust =
          c.caFile() != null
              ? TrustManagers.forCas(PemFiles.readCertificates(c.caFile()))
              : systemTrust();
      ReloadingKeyManager keys =
          c.certFile() != null ? new ReloadingKeyManager(c.certFile(), c.keyFile()) : null;
      this.context = ServerTls.clientContext(keys, trust);
      this.token = c.token();
    }

    private static X509TrustManager systemTrust() {
      try {
        TrustManagerFactory f =
            TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        f.init((KeyStore) null);
        for (TrustManager tm : f.getTrustManagers()) {
          if (tm instanceof X509TrustManager x) {
            return x;
          }
        }
        throw new IllegalStateException("the JDK has no X509 trust manager");
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  /** Sends {@code authorization: Bearer <token>} with every call (the channel is TLS). */
  private static final class BearerToken implements ClientInterceptor {
    private static final Metadata.Key<String> AUTHORIZATION =
        Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    private final String value;

    BearerToken(String token) {
      this.value = "Bearer " + token;
    }

    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(
        MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
      return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
        @Override
        public void start(Listener<R> listener, Metadata headers) {
          headers.put(AUTHORIZATION, value);
          super.start(listener, headers);
        }
      };
    }
  }

  private static NettyChannelBuilder configure(NettyChannelBuilder builder) {
    return builder
        .keepAliveTime(30, TimeUnit.SECONDS)
        .keepAliveTimeout(10, TimeUnit.SECONDS)
        .maxInboundMessageSize(MAX_MESSAGE_BYTES);
  }

  /**
   * Shuts a channel down now and waits up to five seconds for its calls to end; a caller's
   * interrupt is kept.
   */
  public static void close(ManagedChannel channel) {
    channel.shutdownNow();
    try {
      channel.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
