package dev.drover.agent.server;

import com.google.protobuf.ByteString;
import dev.drover.agent.runtime.ContainerRuntime;
import dev.drover.agent.runtime.ContainerStats;
import dev.drover.agent.runtime.LogOptions;
import dev.drover.agent.runtime.LogSink;
import dev.drover.agent.sync.PodSyncer;
import dev.drover.api.ApiObjects;
import dev.drover.api.v1.AgentServiceGrpc;
import dev.drover.api.v1.ContainerMetrics;
import dev.drover.api.v1.ExecInput;
import dev.drover.api.v1.ExecOutput;
import dev.drover.api.v1.LogChunk;
import dev.drover.api.v1.LogStream;
import dev.drover.api.v1.LogsRequest;
import dev.drover.api.v1.PodMetrics;
import dev.drover.api.v1.PodMetricsRequest;
import dev.drover.api.v1.PortForwardInput;
import dev.drover.api.v1.PortForwardOutput;
import dev.drover.client.audit.AuditLog;
import dev.drover.client.audit.RefusalAudit;
import dev.drover.client.tls.TlsServerPort;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.X509TrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves {@code AgentService} (container logs: follow, tail, since, previous run; exec; port
 * forwarding) on the agent's daemon port so that masters can proxy {@code drover logs}, {@code
 * exec} and {@code port-forward} from anywhere.
 */
public final class AgentServer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(AgentServer.class);

  private final Server server;
  private final Service service;

  /** A plaintext server (tests, embedding on loopback). */
  public AgentServer(String bindAddress, int port, PodSyncer syncer, ContainerRuntime runtime) {
    this(bindAddress, port, syncer, runtime, null);
  }

  /**
   * A server over mutual TLS with {@code tls} (null: plaintext) that serves masters only: their
   * certificate must name a master of this cluster. Every refusal (a plaintext client, a
   * certificate of another CA, expired, or not a master's) is written to {@code tls}' audit log.
   */
  public AgentServer(
      String bindAddress, int port, PodSyncer syncer, ContainerRuntime runtime, Tls tls) {
    this.service = new Service(syncer, runtime);
    NettyServerBuilder b = NettyServerBuilder.forAddress(new InetSocketAddress(bindAddress, port));
    if (tls == null) {
      b.addService(service);
    } else {
      TlsServerPort.apply(
              b, tls.context(), new RefusalAudit(tls.audit(), tls.clock()), "AgentService")
          .addService(
              ServerInterceptors.intercept(
                  service, new MastersOnly(tls.clusterCa(), tls.audit(), tls.clock())));
    }
    this.server = b.build();
  }

  /**
   * The agent port's TLS: {@code context} must take any client certificate ({@link
   * dev.drover.client.tls.DeferredClientTrust}), as {@code clusterCa} verifies it at the first
   * call; refusals go to {@code audit} with times from {@code clock}.
   */
  public record Tls(SslContext context, X509TrustManager clusterCa, AuditLog audit, Clock clock) {}

  /** Starts listening. */
  public AgentServer start() {
    try {
      server.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen for AgentService: " + e.getMessage(), e);
    }
    log.info("AgentService listening on port {}", port());
    return this;
  }

  /** The port actually bound (useful when 0 was asked). */
  public int port() {
    return server.getPort();
  }

  @Override
  public void close() {
    server.shutdownNow();
    service.forwardReaders.shutdownNow();
    try {
      server.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The AgentService implementation. */
  static final class Service extends AgentServiceGrpc.AgentServiceImplBase {
    private final PodSyncer syncer;
    private final ContainerRuntime runtime;

    private final ExecutorService forwardReaders =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "agent-port-forward");
              t.setDaemon(true);
              return t;
            });

    Service(PodSyncer syncer, ContainerRuntime runtime) {
      this.syncer = syncer;
      this.runtime = runtime;
    }

    @Override
    public StreamObserver<ExecInput> exec(StreamObserver<ExecOutput> responseObserver) {
      return new ExecCall(syncer, runtime, responseObserver);
    }

    @Override
    public StreamObserver<PortForwardInput> portForward(
        StreamObserver<PortForwardOutput> responseObserver) {
      return new PortForwardCall(syncer, forwardReaders, responseObserver);
    }

    @Override
    public void getPodMetrics(PodMetricsRequest request, StreamObserver<PodMetrics> out) {
      String ns = request.getNamespace();
      if (!syncer.hasPod(ns, request.getPod())) {
        out.onError(
            Status.NOT_FOUND
                .withDescription("pod " + ns + "/" + request.getPod() + " is not on this node")
                .asRuntimeException());
        return;
      }
      PodMetrics.Builder metrics =
          PodMetrics.newBuilder()
              .setNamespace(ns)
              .setPod(request.getPod())
              .setTime(ApiObjects.timestamp(Instant.now()));
      try {
        for (String name : syncer.containerNames(ns, request.getPod())) {
          Optional<ContainerStats> stats =
              syncer.containerId(ns, request.getPod(), name, false).flatMap(runtime::stats);
          stats.ifPresent(
              s ->
                  metrics.addContainers(
                      ContainerMetrics.newBuilder()
                          .setName(name)
                          .setCpuMillicores(s.cpuMillicores())
                          .setMemoryBytes(s.memoryBytes())));
        }
      } catch (UnsupportedOperationException e) {
        out.onError(Status.UNIMPLEMENTED.withDescription(e.getMessage()).asRuntimeException());
        return;
      } catch (RuntimeException e) {
        out.onError(
            Status.UNAVAILABLE
                .withDescription("cannot read container statistics: " + e.getMessage())
                .asRuntimeException());
        return;
      }
      out.onNext(metrics.build());
      out.onCompleted();
    }

    @Override
    public void logs(LogsRequest request, StreamObserver<LogChunk> responseObserver) {
      if (request.hasSinceSeconds() && request.hasSinceTime()) {
        responseObserver.onError(
            Status.INVALID_ARGUMENT
                .withDescription("since_seconds and since_time: set at most one")
                .asRuntimeException());
        return;
      }
      String id;
      try {
        id =
            PodLookup.containerId(
                syncer,
                request.getNamespace(),
                request.getPod(),
                request.getContainer(),
                request.getPrevious());
      } catch (StatusRuntimeException e) {
        responseObserver.onError(e);
        return;
      }
      Instant since = null;
      if (request.hasSinceSeconds()) {
        since = Instant.now().minusSeconds(request.getSinceSeconds());
      } else if (request.hasSinceTime()) {
        since =
            Instant.ofEpochSecond(
                request.getSinceTime().getSeconds(), request.getSinceTime().getNanos());
      }
      LogOptions options =
          new LogOptions(
              request.getFollow(),
              request.hasTailLines() ? request.getTailLines() : -1,
              since,
              request.getTimestamps());
      ServerCallStreamObserver<LogChunk> out =
          (ServerCallStreamObserver<LogChunk>) responseObserver;
      Object lock = new Object();
      AtomicReference<Closeable> handle = new AtomicReference<>();
      out.setOnCancelHandler(
          () -> {
            Closeable h = handle.get();
            if (h != null) {
              try {
                h.close();
              } catch (IOException e) {
                log.debug("closing a log stream failed", e);
              }
            }
          });
      handle.set(
          runtime.logs(
              id,
              options,
              new LogSink() {
                private boolean done;

                @Override
                public void chunk(byte[] data, boolean stderr) {
                  synchronized (lock) {
                    if (done || out.isCancelled()) {
                      return;
                    }
                    out.onNext(
                        LogChunk.newBuilder()
                            .setData(ByteString.copyFrom(data))
                            .setStream(
                                stderr ? LogStream.LOG_STREAM_STDERR : LogStream.LOG_STREAM_STDOUT)
                            .build());
                  }
                }

                @Override
                public void done(Throwable error) {
                  synchronized (lock) {
                    if (done) {
                      return;
                    }
                    done = true;
                    if (out.isCancelled()) {
                      return;
                    }
                    if (error == null) {
                      out.onCompleted();
                    } else {
                      out.onError(
                          Status.UNAVAILABLE
                              .withDescription("log stream failed: " + error.getMessage())
                              .asRuntimeException());
                    }
                  }
                }
              }));
    }
  }
}
