package dev.drover.master.http;

import dev.drover.master.metrics.ConsoleMetricsService;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.Metadata;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * {@code GET /ui/metrics}: the console's chart data ({@code ?follow=true}: a stream of it, a line
 * per sample), fetched as a call of {@link ConsoleMetricsService} over the gateway's in-process
 * channel with the request's {@code Authorization} header and its connection, so the same
 * authentication (token or client certificate) and the service's own check decide who sees it.
 */
final class ConsoleMetrics {
  /** Where the console reads its charts. */
  static final String PATH = "/ui/metrics";

  private ConsoleMetrics() {}

  static void serve(
      Channel channel, String authorization, String connection, boolean follow, Reply reply) {
    Metadata headers = new Metadata();
    // The connection carries a client certificate's identity, as for the API's calls.
    headers.put(CallerConnections.CONNECTION, connection);
    if (!authorization.isEmpty()) {
      headers.put(GatewayApi.AUTHORIZATION, authorization);
    }
    Channel ch =
        ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers));
    if (follow) {
      // NDJSON, one series per line: now, then after every sample, until the client goes away.
      ClientCalls.asyncServerStreamingCall(
          ch.newCall(ConsoleMetricsService.FOLLOW, CallOptions.DEFAULT),
          "",
          new GatewayApi.Streamed<String>(reply) {
            @Override
            void write(String json) {
              reply.chunk(json + "\n");
            }
          });
      return;
    }
    ClientCalls.asyncUnaryCall(
        ch.newCall(
            ConsoleMetricsService.SERIES,
            CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS)),
        "",
        new StreamObserver<String>() {
          @Override
          public void onNext(String json) {
            reply.send(200, "application/json", json.getBytes(StandardCharsets.UTF_8));
          }

          @Override
          public void onError(Throwable t) {
            reply.fail(t);
          }

          @Override
          public void onCompleted() {}
        });
  }
}
