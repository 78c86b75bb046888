package dev.drover.master.http;

import dev.drover.client.Channels;
import dev.drover.client.audit.RefusalAudit;
import io.grpc.ManagedChannel;
import io.grpc.Server;
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
import javax.net.ssl.X509KeyManager;
import javax.net.ssl.X509TrustManager;

/**
 * The master's HTTP/JSON gateway and web console on a port of their own (Netty): Kubernetes-shaped
 * REST paths ({@code /api/v1/...}, {@code /apis/apps/v1/...}), watches as newline-delimited JSON,
 * pod logs, and the console at {@code /ui/}.
 *
 * <p>Requests are not served from the registry: each becomes a call of the master's gRPC services,
 * given to it as the same {@link ServerServiceDefinition}s (with their interceptors) the gRPC port
 * serves, through an in-process server and a channel from {@link Channels#inProcess}. The HTTP
 * {@code Authorization} header travels as gRPC metadata and the connection's TLS session and
 * address as the call's transport attributes ({@link CallerConnections}), so authentication,
 * authorization, audit and limits treat an HTTP request exactly as the same gRPC call: a client
 * certificate of the cluster CA or a bearer token, nothing else. The port serves HTTPS with the
 * gRPC port's certificate ({@link GatewayTls}); plaintext only for a master without TLS.
 */
public final class HttpGateway implements AutoCloseable {
  /** Largest request body: the API's own message limit. */
  private static final int MAX_BODY_BYTES = Channels.MAX_MESSAGE_BYTES;

  private final Server inProcess;
  private final ManagedChannel channel;
  private final CallerConnections connections = new CallerConnections();
  private final boolean secure;
  private final EventLoopGroup boss;
  private final EventLoopGroup workers;
  private final Channel listener;

  private HttpGateway(String host, int port, List<ServerServiceDefinition> services, GatewayTls tls)
      throws IOException {
    this.secure = tls != null;
    String name = "drover-http-gateway-" + InProcessServerBuilder.generateName();
    InProcessServerBuilder builder =
        InProcessServerBuilder.forName(name).maxInboundMessageSize(MAX_BODY_BYTES);
    services.forEach(s -> builder.addService(ServerInterceptors.intercept(s, connections)));
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
                      if (tls != null) {
                        ch.pipeline().addLast(tls.detector());
                      }
                      ch.pipeline()
                          .addLast(new HttpServerCodec())
                          .addLast(new HttpServerKeepAliveHandler())
                          .addLast(new HttpObjectAggregator(MAX_BODY_BYTES))
                          .addLast(new GatewayHandler(api, console, connections));
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
   * Starts a plaintext gateway on {@code host:port} (0: a free port) in front of these services,
   * which must be the ones the gRPC port serves, interceptors included. Only for a master that runs
   * without TLS on purpose ({@code --insecure}): nothing here authenticates a plaintext caller.
   */
  public static HttpGateway plaintext(
      String host, int port, List<ServerServiceDefinition> services) {
    return start(host, port, services, null);
  }

  /**
   * Starts the gateway over HTTPS: the server presents the certificate of {@code keys} (read at
   * every handshake, so a rotated certificate reaches new connections) and verifies client
   * certificates against {@code clientTrust}. A client sending plain HTTP is answered 400 and
   * reported to {@code plaintext}. Throws when the material cannot be used.
   */
  public static HttpGateway https(
      String host,
      int port,
      List<ServerServiceDefinition> services,
      X509KeyManager keys,
      X509TrustManager clientTrust,
      RefusalAudit plaintext) {
    return start(host, port, services, GatewayTls.of(keys, clientTrust, plaintext));
  }

  private static HttpGateway start(
      String host, int port, List<ServerServiceDefinition> services, GatewayTls tls) {
    try {
      return new HttpGateway(host, port, services, tls);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The bound port. */
  public int port() {
    return ((InetSocketAddress) listener.localAddress()).getPort();
  }

  /** True when the port serves HTTPS. */
  public boolean secure() {
    return secure;
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
}
