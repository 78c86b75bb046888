package dev.drover.cli;

import dev.drover.api.v1.ControlServiceGrpc;
import dev.drover.api.v1.ControlServiceGrpc.ControlServiceBlockingStub;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The CLI's connection to a cluster: a gRPC channel to one of the context's master endpoints, with
 * a deadline on every call. A unary call that finds its master UNAVAILABLE is tried on the next
 * endpoint, so a context listing three masters keeps working while one is down.
 */
public final class ClusterClient implements AutoCloseable {

  private final List<String> endpoints;
  private final String source;
  private final Function<String, ManagedChannel> channels;
  private final Duration timeout;
  private int current;
  private ManagedChannel channel;

  ClusterClient(
      List<String> endpoints,
      String source,
      Function<String, ManagedChannel> channels,
      Duration timeout) {
    this.endpoints = List.copyOf(endpoints);
    this.source = source;
    this.channels = channels;
    this.timeout = timeout;
  }

  /** The endpoint in use ("host:port"). */
  public String endpoint() {
    return endpoints.get(current);
  }

  /** Every endpoint this client may use. */
  public List<String> endpoints() {
    return endpoints;
  }

  /** Where the endpoints came from, for error hints (e.g. {@code context "dev"}). */
  public String source() {
    return source;
  }

  /** The deadline of unary calls. */
  public Duration timeout() {
    return timeout;
  }

  /**
   * Runs a unary call with the request deadline, moving to the next endpoint when a master is
   * unavailable. The last failure is thrown when every endpoint failed.
   */
  public <T> T call(Function<ControlServiceBlockingStub, T> call) {
    StatusRuntimeException last = null;
    for (int attempt = 0; attempt < endpoints.size(); attempt++) {
      try {
        return call.apply(stub(timeout));
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() != Status.Code.UNAVAILABLE || endpoints.size() == 1) {
          throw e;
        }
        last = e;
        next();
      }
    }
    throw last;
  }

  /**
   * A stub for a streaming call with the given deadline (watches and followed logs are long, but
   * never unbounded).
   */
  public ControlServiceBlockingStub stub(Duration deadline) {
    if (channel == null) {
      channel = channels.apply(endpoint());
    }
    return ControlServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void next() {
    closeChannel();
    current = (current + 1) % endpoints.size();
  }

  private void closeChannel() {
    if (channel != null) {
      channel.shutdownNow();
      try {
        channel.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      channel = null;
    }
  }

  @Override
  public void close() {
    closeChannel();
  }
}
