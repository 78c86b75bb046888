package dev.drover.master.http;

import dev.drover.client.Channels;
import dev.drover.master.auth.AuthContext;
import dev.drover.master.auth.Principal;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.inprocess.InProcessServerBuilder;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The master's HTTP/JSON gateway and web console on a port of their own (Netty): Kubernetes-shaped
 * REST paths ({@code /api/v1/...}, {@code /apis/apps/v1/...}), watches as newline-delimited JSON,
 * pod logs, and the console at {@code /ui/}.
 *
 * <p>Requests are not served from the registry: each becomes a call of the master's gRPC services,
 * given to it as the same {@link ServerServiceDefinition}s (with their interceptors) the gRPC port
 * serves, through an in-process server and a channel from {@link Channels#inProcess}. The HTTP
 * {@code Authorization} header travels as gRPC metadata, so authentication, authorization, audit
 * and limits apply to HTTP exactly as to gRPC. The port is plaintext until the TLS work gives the
 * gateway the gRPC port's certificates.
 */
public final class HttpGateway implements AutoCloseable {
  /** Largest request body: the API's own message limit. */
  private static final int MAX_BODY_BYTES = Channels.MAX_MESSAGE_BYTES;

  private final Server inProcess;
  private final ManagedChannel channel;
  private final EventLoopGroup boss;
  private final EventLoopGroup workers;
  private final Channel listener;

  private HttpGateway(String host, int port, List<ServerServiceDefinition> services)
      throws IOException {
    String name = "drover-http-gateway-" + InProcessServerBuilder.generateName();
    InProcessServerBuilder builder =
        InProcessServerBuilder.forName(name).maxInboundMessageSize(MAX_BODY_BYTES);
    services.forEach(builder::addService);
    inProcess = builder.build().start();
    channel = Channels.inProcess(name);
    GatewayApi api = new GatewayApi(channel);
    ConsoleFiles console = new ConsoleFiles();
    boss = new NioEventLoopGroup(1, new DefaultThreadFactory("http-gateway-accept", true));
    workers = new NioEventLoopGroup(2, new DefaultThreadFactory("http-gateway", true));
    try {
      listener =
          new ServerBootstrap()
              .group(boss, workers)
              .channel(NioServerSocketChannel.class)
              .childOption(
                  ChannelOption.WRITE_BUFFER_WATER_MARK,
                  new WriteBufferWaterMark(256 * 1024, 1024 * 1024))
              .childHandler(
                  new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                      ch.pipeline()
                          .addLast(new HttpServerCodec())
                          .addLast(new HttpServerKeepAliveHandler())
                          .addLast(new HttpObjectAggregator(MAX_BODY_BYTES))
                          .addLast(new GatewayHandler(api, console));
                    }
                  })
              .bind(new InetSocketAddress(host, port))
              .sync()
              .channel();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      close();
      throw new IOException("interrupted while binding the HTTP gateway", e);
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  /**
   * Starts the gateway on {@code host:port} (0: a free port) in front of these services, which must
   * be the ones the gRPC port serves, interceptors included.
   */
  public static HttpGateway start(String host, int port, List<ServerServiceDefinition> services) {
    return start(host, port, services, null);
  }

  /**
   * A gateway that, when {@code localAdmin} is given, acts as that principal for requests without
   * an {@code Authorization} header, as {@code kubectl proxy} acts with its user's credentials: for
   * {@code drover dev}'s console, which a browser opens with no token. Allowed on a loopback
   * address only, so no other host reaches it.
   */
  public static HttpGateway start(
      String host, int port, List<ServerServiceDefinition> services, Principal localAdmin) {
    List<ServerServiceDefinition> served = services;
    if (localAdmin != null) {
      if (!isLoopback(host)) {
        throw new IllegalArgumentException(
            "the HTTP gateway acts as "
                + localAdmin.name()
                + " only on a loopback address, not "
                + host);
      }
      ServerInterceptor asAdmin = new LocalAdmin(localAdmin);
      served = services.stream().map(d -> ServerInterceptors.intercept(d, asAdmin)).toList();
    }
    try {
      return new HttpGateway(host, port, served);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The bound port. */
  public int port() {
    return ((InetSocketAddress) listener.localAddress()).getPort();
  }

  /** Stops accepting, ends open connections and streams, then the in-process server. */
  @Override
  public void close() {
    if (listener != null) {
      listener.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
    if (boss != null) {
      boss.shutdownGracefully(0, 2, TimeUnit.SECONDS);
    }
    if (workers != null) {
      workers.shutdownGracefully(0, 2, TimeUnit.SECONDS);
    }
    Channels.close(channel);
    inProcess.shutdownNow();
  }

  private static boolean isLoopback(String host) {
    try {
      return java.net.InetAddress.getByName(host).isLoopbackAddress();
    } catch (java.net.UnknownHostException e) {
      return false;
    }
  }

  /** Puts {@code principal} into the Context of calls that carry no credentials of their own. */
  private record LocalAdmin(Principal principal) implements ServerInterceptor {
    private static final Metadata.Key<String> AUTHORIZATION =
        Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
        ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
      if (headers.containsKey(AUTHORIZATION)) {
        return next.startCall(call, headers);
      }
      return Contexts.interceptCall(
          Context.current().withValue(AuthContext.PRINCIPAL, principal), call, headers, next);
    }
  }
}
