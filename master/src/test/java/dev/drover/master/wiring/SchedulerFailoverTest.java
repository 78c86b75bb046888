package dev.drover.master.wiring;

import static dev.drover.testing.TestObjects.container;
import static dev.drover.testing.TestObjects.readyNode;
import static dev.drover.testing.TestObjects.requests;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.ListRequest;
import dev.drover.api.v1.Node;
import dev.drover.api.v1.Pod;
import dev.drover.client.DroverClient;
import dev.drover.master.Master;
import dev.drover.master.RaftCluster;
import dev.drover.master.registry.Registry;
import dev.drover.store.api.Keys;
import dev.drover.store.api.KvStoreException;
import dev.drover.store.api.Watch;
import dev.drover.store.api.WatchListener;
import dev.drover.store.v1.WatchRequest;
import dev.drover.store.v1.WatchResponse;
import dev.drover.testing.TestObjects;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three masters on one replicated (Ratis) store; the active master is stopped, its store member
 * first so that it cannot release its lease (in process, so not a crash), in the middle of a burst
 * of 500 pods. Every pod must end up bound exactly once (a watch sees spec.node_name set once and
 * never changed) and no node may hold more than it can: the scheduler that takes over must account
 * for every binding its predecessor made.
 */
class SchedulerFailoverTest {
  private static final int NODES = 10;
  private static final int PODS = 500;

  /** 500 pods of 70m on 10 nodes of 4 CPUs: 87.5% full, so double counting would overcommit. */
  private static final long NODE_MILLI_CPU = 4000;

  private static final long POD_MILLI_CPU = 70;
  private static final Duration PATIENCE = Duration.ofSeconds(90);
  private static final int CREATORS = 16;

  @Test
  void everyPodOfABurstIsBoundExactlyOnceWhenTheActiveMastersStoreStopsFirst(@TempDir Path dir)
      throws Exception {
    // No controllers: the nodes here send no heartbeats, and nothing else is needed. The
    // lease tolerates renewals slowed down by a loaded machine (4 s before stepping down).
    try (RaftCluster cluster =
        new RaftCluster(
            dir,
            b ->
                b.controllers(false)
                    .election(
                        Duration.ofSeconds(6), Duration.ofSeconds(1), Duration.ofSeconds(4)))) {
      await().atMost(PATIENCE).until(() -> cluster.active().isPresent());
      Master first = cluster.active().orElseThrow();
      List<String> survivors = cluster.othersThan(first).stream().map(Master::apiAddress).toList();
      Map<String, String> boundTo = new ConcurrentHashMap<>();
      List<String> violations = new CopyOnWriteArrayList<>();
      // Every write of every pod, as a surviving store member applies it, is checked: a pod's
      // node, once set, must never change. The watch is on the store member itself, so it
      // sees each revision of each pod key.
      Master observer = cluster.othersThan(first).get(0);
      ByteString podPrefix = Registry.prefix(Kind.KIND_POD, "default");
      Watch watch =
          observer
              .kv()
              .watch(
                  WatchRequest.newBuilder()
                      .setKey(podPrefix)
                      .setRangeEnd(Keys.prefixEnd(podPrefix))
                      .setStartRevision(observer.kv().currentRevision() + 1)
                      .build(),
                  new WatchListener() {
                    @Override
                    public void onNext(WatchResponse response) {
                      for (dev.drover.store.v1.Event e : response.getEventsList()) {
                        if (e.getType() == dev.drover.store.v1.Event.EventType.DELETE) {
                          violations.add(
                              "pod key " + e.getKv().getKey().toStringUtf8() + " was deleted");
                          continue;
                        }
                        Pod p = Registry.decode(e.getKv()).getPod();
                        String node = p.getSpec().getNodeName();
                        if (!node.isEmpty()) {
                          String before = boundTo.putIfAbsent(p.getMetadata().getName(), node);
                          if (before != null && !before.equals(node)) {
                            violations.add(
                                p.getMetadata().getName()
                                    + " moved from "
                                    + before
                                    + " to "
                                    + node);
                          }
                        }
                      }
                    }

                    @Override
                    public void onError(KvStoreException error) {
                      violations.add("the store watch ended: " + error);
                    }
                  });
      watch.request(Long.MAX_VALUE);
      try (DroverClient client =
          DroverClient.builder().endpoints(survivors).deadline(Duration.ofSeconds(30)).build()) {
        for (int i = 0; i < NODES; i++) {
          client.nodes().create(node("node-" + i));
        }
        try {
          ExecutorService creators = Executors.newFixedThreadPool(CREATORS);
          AtomicInteger next = new AtomicInteger();
          List<Future<?>> done = new ArrayList<>();
          try {
            for (int t = 0; t < CREATORS; t++) {
              done.add(
                  creators.submit(
                      () -> {
                        for (int i = next.getAndIncrement(); i < PODS; i = next.getAndIncrement()) {
                          createWithRetry(client, pod("burst-" + i));
                        }
                        return null;
                      }));
            }
            // Stop the active master (its store member first) once it has bound part of the burst.
            await().atMost(PATIENCE).until(() -> boundTo.size() >= PODS / 5);
            int boundBeforeStop = boundTo.size();
            cluster.stopStoreFirst(first);
            for (Future<?> f : done) {
              f.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
            }
            assertThat(boundBeforeStop)
                .as("the stop came in the middle of the burst")
                .isLessThan(PODS);
          } finally {
            creators.shutdownNow();
            assertThat(creators.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
          }

          try {
            await().atMost(PATIENCE).until(() -> boundTo.size() == PODS);
          } catch (org.awaitility.core.ConditionTimeoutException e) {
            StringBuilder caches = new StringBuilder();
            for (Master m : cluster.masters) {
              caches
                  .append(' ')
                  .append(m.id())
                  .append(": cache at ")
                  .append(m.cache().revision())
                  .append(", store at ")
                  .append(m.kv().currentRevision())
                  .append(';');
            }
            throw new AssertionError(
                describe(client, boundTo) + " violations " + violations + caches, e);
          }
          await().atMost(PATIENCE).until(() -> cluster.active().isPresent());
          assertThat(cluster.active().orElseThrow()).isNotSameAs(first);
          assertThat(violations).isEmpty();

          // What the store holds agrees with the watch, and no node is overcommitted.
          List<Pod> pods =
              client
                  .listAll(
                      ListRequest.newBuilder()
                          .setKind(Kind.KIND_POD)
                          .setNamespace("default")
                          .build())
                  .getItemsList()
                  .stream()
                  .map(dev.drover.api.v1.Object::getPod)
                  .toList();
          assertThat(pods).hasSize(PODS);
          Map<String, Long> milliCpu = new HashMap<>();
          for (Pod p : pods) {
            assertThat(p.getSpec().getNodeName()).isEqualTo(boundTo.get(p.getMetadata().getName()));
            milliCpu.merge(p.getSpec().getNodeName(), POD_MILLI_CPU, Long::sum);
          }
          assertThat(milliCpu.values())
              .allSatisfy(m -> assertThat(m).isLessThanOrEqualTo(NODE_MILLI_CPU));
        } finally {
          watch.close();
        }
      }
    }
  }

  /** What the store holds, for a failure message: how many pods are bound, and why not the rest. */
  private static String describe(DroverClient client, Map<String, String> boundTo) {
    List<Pod> pods =
        client
            .listAll(
                ListRequest.newBuilder().setKind(Kind.KIND_POD).setNamespace("default").build())
            .getItemsList()
            .stream()
            .map(dev.drover.api.v1.Object::getPod)
            .toList();
    long bound = pods.stream().filter(p -> !p.getSpec().getNodeName().isEmpty()).count();
    StringBuilder sb =
        new StringBuilder(
            "watch saw "
                + boundTo.size()
                + " bound; the store holds "
                + pods.size()
                + " pods, "
                + bound
                + " bound. Unbound:");
    pods.stream()
        .filter(p -> p.getSpec().getNodeName().isEmpty())
        .limit(5)
        .forEach(
            p ->
                sb.append(' ')
                    .append(p.getMetadata().getName())
                    .append(p.getStatus().getConditionsList()));
    return sb.toString();
  }

  /** Creates a pod; a create cut off by the stop may have been applied, which is fine. */
  private static void createWithRetry(DroverClient client, Pod pod) {
    await()
        .atMost(PATIENCE)
        .ignoreExceptions()
        .until(
            () -> {
              try {
                client.pods().create(pod);
              } catch (io.grpc.StatusRuntimeException e) {
                if (e.getStatus().getCode() != io.grpc.Status.Code.ALREADY_EXISTS) {
                  throw e;
                }
              }
              return true;
            });
  }

  private static Pod pod(String name) {
    return TestObjects.pod(
            "default",
            name,
            container("main", "busybox:1").setResources(requests(POD_MILLI_CPU + "m", "16Mi")))
        .build();
  }

  private static Node node(String name) {
    return readyNode(name, NODE_MILLI_CPU + "m", "64Gi", "110").build();
  }
}
