package dev.drover.examples.client;

import dev.drover.api.KubeEnums;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.ListRequest;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.Pod;
import dev.drover.client.DroverClient;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Lists the pods of a running cluster with nothing but {@code drover-client}: {@code java -cp ...
 * ListPods 127.0.0.1:7070 [more endpoints]}. Prints one line per pod, {@code namespace/name phase
 * node}, read once with a blocking call and once with the asynchronous API.
 */
public final class ListPods {
  private ListPods() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 0) {
      System.err.println("usage: ListPods HOST:PORT [HOST:PORT ...]");
      System.exit(2);
    }
    try (DroverClient client =
        DroverClient.builder()
            .endpoints(java.util.List.of(args))
            .deadline(Duration.ofSeconds(10))
            .build()) {
      // Blocking: every page of every namespace's pods.
      var all =
          client.listAll(ListRequest.newBuilder().setKind(Kind.KIND_POD).build()).getItemsList();
      for (Object o : all) {
        Pod pod = o.getPod();
        String phase = KubeEnums.text(pod.getStatus().getPhase());
        System.out.printf(
            "%s/%s %s %s%n",
            pod.getMetadata().getNamespace(),
            pod.getMetadata().getName(),
            phase.isEmpty() ? "Pending" : phase,
            pod.getSpec().getNodeName().isEmpty() ? "<unscheduled>" : pod.getSpec().getNodeName());
      }
      // Asynchronous: the same listing as a future, joined here only to print its size.
      CompletableFuture<Integer> count =
          client
              .async()
              .list(ListRequest.newBuilder().setKind(Kind.KIND_POD).build())
              .thenApply(r -> r.getItemsCount());
      System.out.println("pods: " + count.get());
    }
  }
}
