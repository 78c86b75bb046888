package dev.drover.examples.grpcclient;

import dev.drover.api.v1.ConfigMap;
import dev.drover.api.v1.ControlServiceGrpc;
import dev.drover.api.v1.CreateRequest;
import dev.drover.api.v1.DeleteRequest;
import dev.drover.api.v1.GetRequest;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.ListRequest;
import dev.drover.api.v1.ListResponse;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.ObjectMeta;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.io.PrintStream;
import java.util.concurrent.TimeUnit;

/**
 * A Java client of Drover's control API that uses nothing but the stubs generated from {@code
 * proto/} (and grpc-java): what any gRPC language would do. It creates a ConfigMap, reads it back,
 * lists the nodes, and deletes the ConfigMap. Run it with {@code java ... GrpcClientExample
 * HOST:PORT} against a cluster, e.g. {@code drover dev}'s 127.0.0.1:7070.
 */
public final class GrpcClientExample {

  /** Every call carries a deadline, as every Drover client should. */
  private static final long DEADLINE_SECONDS = 10;

  private GrpcClientExample() {}

  public static void main(String[] args) throws InterruptedException {
    run(args.length > 0 ? args[0] : "127.0.0.1:7070", System.out);
  }

  /** The example itself; returns the value it read back. */
  public static String run(String endpoint, PrintStream out) throws InterruptedException {
    ManagedChannel channel = ManagedChannelBuilder.forTarget(endpoint).usePlaintext().build();
    try {
      ControlServiceGrpc.ControlServiceBlockingStub api =
          ControlServiceGrpc.newBlockingStub(channel);

      Object created =
          api.withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS)
              .create(
                  CreateRequest.newBuilder()
                      .setObject(
                          Object.newBuilder()
                              .setConfigMap(
                                  ConfigMap.newBuilder()
                                      .setMetadata(
                                          ObjectMeta.newBuilder()
                                              .setName("greeting")
                                              .setNamespace("default"))
                                      .putData("message", "hello from plain gRPC")))
                      .build());
      out.println(
          "created configmap/greeting at resourceVersion "
              + created.getConfigMap().getMetadata().getResourceVersion());

      Object read =
          api.withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS)
              .get(
                  GetRequest.newBuilder()
                      .setKind(Kind.KIND_CONFIG_MAP)
                      .setNamespace("default")
                      .setName("greeting")
                      .build());
      String message = read.getConfigMap().getDataOrThrow("message");
      out.println("read back: " + message);

      ListResponse nodes =
          api.withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS)
              .list(ListRequest.newBuilder().setKind(Kind.KIND_NODE).build());
      for (Object node : nodes.getItemsList()) {
        out.println("node " + node.getNode().getMetadata().getName());
      }

      api.withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS)
          .delete(
              DeleteRequest.newBuilder()
                  .setKind(Kind.KIND_CONFIG_MAP)
                  .setNamespace("default")
                  .setName("greeting")
                  .build());
      out.println("deleted configmap/greeting");
      return message;
    } finally {
      channel.shutdown();
      channel.awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
