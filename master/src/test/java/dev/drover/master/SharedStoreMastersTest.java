package dev.drover.master;

import static dev.drover.master.Fixtures.pod;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.drover.api.v1.ConfigMap;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.WatchEvent;
import dev.drover.api.v1.WatchEventType;
import dev.drover.client.DroverClient;
import dev.drover.master.election.ActiveComponent;
import dev.drover.store.InMemoryKvStore;
import dev.drover.store.KvStores;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Several masters with real gRPC ports over one shared store (the in-memory one, so that these
 * tests are about the masters, not replication): the active-master election, client failover and
 * watch resumption, and concurrent compare-and-swap writers.
 */
class SharedStoreMastersTest {
  InMemoryKvStore kv;
  final List<Master> masters = new ArrayList<>();
  final AtomicInteger running = new AtomicInteger();
  final AtomicInteger maxRunning = new AtomicInteger();
  final AtomicInteger starts = new AtomicInteger();

  /** Counts how many masters run their active components at once. */
  final class Probe implements ActiveComponent {
    @Override
    public void start() {
      starts.incrementAndGet();
      maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
    }

    @Override
    public void stop() {
      running.decrementAndGet();
    }
  }

  @BeforeEach
  void start() {
    kv = KvStores.inMemory();
    for (int i = 1; i <= 3; i++) {
      masters.add(
          Master.builder()
              .id("m" + i)
              .apiPort(0)
              .store(() -> kv, false)
              .bookmarkInterval(Duration.ofMillis(300))
              .scheduler(false)
              .controllers(false)
              .activeComponent(new Probe())
              .start());
    }
  }

  @AfterEach
  void stop() {
    masters.forEach(Master::close);
    kv.close();
  }

  private DroverClient client() {
    return DroverClient.builder()
        .endpoints(masters.stream().map(Master::apiAddress).toList())
        .deadline(Duration.ofSeconds(10))
        .build();
  }

  private Master active() {
    return masters.stream().filter(Master::isActive).findFirst().orElse(null);
  }

  @Test
  void exactlyOneMasterIsActiveAndAnotherTakesOverWhenItStops() {
    await().atMost(Duration.ofSeconds(30)).until(() -> active() != null);
    Master first = active();
    assertThat(masters.stream().filter(Master::isActive)).hasSize(1);
    first.close();
    masters.remove(first);
    // A master turns active right before it starts its components: wait for the successor's
    // probe to run too.
    await().atMost(Duration.ofSeconds(30)).until(() -> active() != null && running.get() == 1);
    assertThat(active()).isNotSameAs(first);
    assertThat(starts.get()).isEqualTo(2);
    assertThat(maxRunning.get()).isEqualTo(1);
  }

  @Test
  void watchResumesOnAnotherMasterWithoutGapsOrDuplicates() throws Exception {
    // The client's first endpoint is m1: its watch runs there until m1 stops.
    try (DroverClient watcher =
            DroverClient.builder()
                .endpoint(masters.get(0).apiAddress())
                .endpoint(masters.get(1).apiAddress())
                .build();
        DroverClient writer =
            DroverClient.builder().endpoint(masters.get(2).apiAddress()).build()) {
      List<WatchEvent> seen = new CopyOnWriteArrayList<>();
      long from =
          writer
              .listAll(dev.drover.api.v1.ListRequest.newBuilder().setKind(Kind.KIND_POD).build())
              .getResourceVersion();
      DroverClient.WatchStream stream =
          watcher
              .pods()
              .watch(
                  "default",
                  from,
                  new DroverClient.WatchListener() {
                    @Override
                    public void onEvent(WatchEvent event) {
                      if (event.getType() != WatchEventType.WATCH_EVENT_TYPE_BOOKMARK) {
                        seen.add(event);
                      }
                    }
                  });
      for (int i = 0; i < 20; i++) {
        writer.create(pod("default", "resume-" + i));
        if (i == 9) {
          await().atMost(Duration.ofSeconds(30)).until(() -> seen.size() == 10);
          masters.get(0).close();
        }
      }
      await().atMost(Duration.ofSeconds(30)).until(() -> seen.size() >= 20);
      assertThat(seen)
          .extracting(e -> e.getObject().getPod().getMetadata().getName())
          .containsExactlyElementsOf(
              java.util.stream.IntStream.range(0, 20).mapToObj(i -> "resume-" + i).toList());
      for (int i = 1; i < seen.size(); i++) {
        assertThat(seen.get(i).getResourceVersion())
            .isGreaterThan(seen.get(i - 1).getResourceVersion());
      }
      assertThat(watcher.currentEndpoint()).isEqualTo(masters.get(1).apiAddress());
      stream.close();
    }
  }

  @Test
  void fiftyConcurrentReadModifyWriteClientsLoseNoUpdate() throws Exception {
    try (DroverClient c = client()) {
      c.configMaps()
          .create(
              ConfigMap.newBuilder()
                  .setMetadata(ObjectMeta.newBuilder().setName("counter"))
                  .putData("n", "0")
                  .build());
      int clients = 50;
      int incrementsEach = 4;
      ExecutorService pool = Executors.newFixedThreadPool(clients);
      List<Long> successVersions = new CopyOnWriteArrayList<>();
      AtomicInteger conflicts = new AtomicInteger();
      List<Future<?>> fs = new ArrayList<>();
      for (int t = 0; t < clients; t++) {
        int idx = t;
        fs.add(
            pool.submit(
                () -> {
                  try (DroverClient own =
                      DroverClient.builder().endpoint(masters.get(idx % 3).apiAddress()).build()) {
                    int done = 0;
                    while (done < incrementsEach) {
                      ConfigMap cur = own.configMaps().get("default", "counter");
                      int n = Integer.parseInt(cur.getDataOrThrow("n"));
                      try {
                        own.configMaps()
                            .update(cur.toBuilder().putData("n", Integer.toString(n + 1)).build());
                        successVersions.add(cur.getMetadata().getResourceVersion());
                        done++;
                      } catch (StatusRuntimeException e) {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.ABORTED);
                        conflicts.incrementAndGet();
                      }
                    }
                  }
                  return null;
                }));
      }
      for (Future<?> f : fs) {
        f.get(120, TimeUnit.SECONDS);
      }
      pool.shutdown();
      ConfigMap end = c.configMaps().get("default", "counter");
      assertThat(Integer.parseInt(end.getDataOrThrow("n"))).isEqualTo(clients * incrementsEach);
      // Exactly one writer succeeded from each version it read.
      assertThat(successVersions).doesNotHaveDuplicates().hasSize(clients * incrementsEach);
      assertThat(conflicts.get()).isPositive();
    }
  }

  @Test
  void clientFailsOverForReadsWhenItsMasterIsGone() {
    try (DroverClient c = client()) {
      Pod created = c.pods().create(pod("default", "failover-read").getPod());
      masters.get(0).close();
      Pod read = c.pods().get("default", "failover-read");
      assertThat(read.getMetadata().getUid()).isEqualTo(created.getMetadata().getUid());
      assertThat(c.currentEndpoint()).isNotEqualTo(masters.get(0).apiAddress());
    }
  }
}
