package dev.drover.master;

import static dev.drover.master.Fixtures.pod;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.drover.api.v1.ClusterInfoRequest;
import dev.drover.api.v1.ConfigMap;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.ListRequest;
import dev.drover.api.v1.MasterInfo;
import dev.drover.api.v1.MasterRole;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.WatchEvent;
import dev.drover.api.v1.WatchEventType;
import dev.drover.client.DroverClient;
import dev.drover.master.metrics.StoreMetrics;
import dev.drover.master.store.ObjectStore;
import dev.drover.store.api.Keys;
import dev.drover.store.v1.Event;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three masters on one replicated (Ratis) store: Raft role and term in each master's metrics, fifty
 * concurrent read-modify-write clients on one object, and a watch that survives the loss of the
 * master it streams from (the Raft leader), checked event by event against the store's own history.
 *
 * <p>One cluster serves the class (three Raft members take a while to start on a loaded machine);
 * the test that stops a master runs last.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RaftFailoverTest {
  @TempDir static Path dir;
  static RaftCluster cluster;

  @BeforeAll
  static void start() {
    cluster =
        new RaftCluster(
            dir,
            b ->
                b.metricsPort(0)
                    .bookmarkInterval(Duration.ofMillis(300))
                    .scheduler(false)
                    .controllers(false));
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private static DroverClient client(Master... via) {
    return DroverClient.builder()
        .endpoints(java.util.Arrays.stream(via).map(Master::apiAddress).toList())
        .deadline(Duration.ofSeconds(20))
        .build();
  }

  private static String scrape(Master m) throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + m.metricsPort() + "/metrics"))
                    .timeout(Duration.ofSeconds(10))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    return r.body();
  }

  private static long sample(String metrics, String series) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(metrics);
    return m.find() ? (long) Double.parseDouble(m.group(1)) : Long.MIN_VALUE;
  }

  @Test
  @Order(1)
  void everyMasterExposesItsRaftRoleAndTermAndApplyLatency() throws Exception {
    cluster.leader();
    try (DroverClient c = client(cluster.masters.get(0))) {
      c.configMaps()
          .create(
              ConfigMap.newBuilder()
                  .setMetadata(ObjectMeta.newBuilder().setName("metrics-probe"))
                  .putData("k", "v")
                  .build());
      await()
          .atMost(Duration.ofSeconds(60))
          .ignoreExceptions()
          .untilAsserted(
              () -> {
                List<Long> terms = new ArrayList<>();
                int leaders = 0;
                for (Master m : cluster.masters) {
                  String text = scrape(m);
                  long lead = sample(text, StoreMetrics.ROLE + "{role=\"LEADER\"}");
                  long follow = sample(text, StoreMetrics.ROLE + "{role=\"FOLLOWER\"}");
                  assertThat(lead + follow).as("%s is leader or follower", m.id()).isEqualTo(1);
                  leaders += (int) lead;
                  terms.add(sample(text, StoreMetrics.TERM));
                }
                assertThat(leaders).isEqualTo(1);
                assertThat(terms.get(0)).isPositive();
                assertThat(terms).containsOnly(terms.get(0));
              });
      // The master the write went through timed the write (commit plus apply).
      assertThat(sample(scrape(cluster.masters.get(0)), StoreMetrics.WRITES + "_count"))
          .isPositive();
      // ClusterInfo reports the answering master's own role.
      Master first = cluster.masters.get(0);
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () -> {
                MasterInfo self =
                    c
                        .control()
                        .clusterInfo(ClusterInfoRequest.getDefaultInstance())
                        .getMastersList()
                        .stream()
                        .filter(i -> i.getId().equals(first.id()))
                        .findFirst()
                        .orElseThrow();
                assertThat(self.getRole())
                    .isEqualTo(
                        RaftCluster.raft(first).isLeader()
                            ? MasterRole.MASTER_ROLE_LEADER
                            : MasterRole.MASTER_ROLE_FOLLOWER);
              });
    }
  }

  @Test
  @Order(2)
  void fiftyConcurrentReadModifyWriteClientsLoseNoUpdate() throws Exception {
    int clients = 50;
    int incrementsEach = 2;
    ConfigMap created;
    try (DroverClient c = client(cluster.masters.get(0))) {
      created =
          c.configMaps()
              .create(
                  ConfigMap.newBuilder()
                      .setMetadata(ObjectMeta.newBuilder().setName("counter"))
                      .putData("n", "0")
                      .build());
    }
    // Every attempt writes a unique token and the version it read, so the store's history
    // tells which attempts applied, also those whose outcome the client could not learn (a
    // store timeout on a loaded machine: DEADLINE_EXCEEDED, or UNAVAILABLE "outcome unknown").
    Set<String> succeeded = ConcurrentHashMap.newKeySet();
    Set<String> conflicted = ConcurrentHashMap.newKeySet();
    Set<String> unknown = ConcurrentHashMap.newKeySet();
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    List<Future<?>> fs = new ArrayList<>();
    try {
      for (int t = 0; t < clients; t++) {
        Master via = cluster.masters.get(t % 3);
        int writer = t;
        fs.add(
            pool.submit(
                () -> {
                  try (DroverClient own = client(via)) {
                    int done = 0;
                    for (int attempt = 0; done < incrementsEach; attempt++) {
                      ConfigMap cur = own.configMaps().get("default", "counter");
                      int n = Integer.parseInt(cur.getDataOrThrow("n"));
                      String token = writer + "/" + attempt;
                      try {
                        own.configMaps()
                            .update(
                                cur.toBuilder()
                                    .putData("n", Integer.toString(n + 1))
                                    .putData("token", token)
                                    .putData(
                                        "from",
                                        Long.toString(cur.getMetadata().getResourceVersion()))
                                    .build());
                        succeeded.add(token);
                        done++;
                      } catch (StatusRuntimeException e) {
                        Status.Code code = e.getStatus().getCode();
                        if (code == Status.Code.ABORTED) {
                          conflicted.add(token);
                        } else {
                          assertThat(code)
                              .as(e.toString())
                              .isIn(Status.Code.DEADLINE_EXCEEDED, Status.Code.UNAVAILABLE);
                          unknown.add(token);
                        }
                      }
                    }
                  }
                  return null;
                }));
      }
      for (Future<?> f : fs) {
        f.get(240, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(succeeded).hasSize(clients * incrementsEach);
    assertThat(conflicted).as("the writers did contend").isNotEmpty();

    // The store's history of the key after the create, read on another member.
    var key = ObjectStore.key(Kind.KIND_CONFIG_MAP, "default", "counter");
    long last =
        cluster
            .masters
            .get(0)
            .objects()
            .require(Kind.KIND_CONFIG_MAP, "default", "counter")
            .getConfigMap()
            .getMetadata()
            .getResourceVersion();
    List<Event> history =
        RaftCluster.history(
            cluster.masters.get(1).kv(),
            key,
            Keys.prefixEnd(key),
            created.getMetadata().getResourceVersion(),
            last);
    long previous = created.getMetadata().getResourceVersion();
    Set<String> applied = new java.util.HashSet<>();
    for (int i = 0; i < history.size(); i++) {
      ConfigMap v = ObjectStore.decode(history.get(i).getKv()).getConfigMap();
      // No lost update: each write added one to the state it replaced.
      assertThat(v.getDataOrThrow("n")).isEqualTo(Integer.toString(i + 1));
      // Exactly one success per version: each write was made from the version just before it.
      assertThat(Long.parseLong(v.getDataOrThrow("from"))).isEqualTo(previous);
      previous = history.get(i).getKv().getModRevision();
      assertThat(applied.add(v.getDataOrThrow("token"))).as("an attempt applied twice").isTrue();
    }
    // Every reported success applied; no reported conflict did; only unknown outcomes may differ.
    assertThat(applied).containsAll(succeeded).doesNotContainAnyElementsOf(conflicted);
    Set<String> extra = new java.util.HashSet<>(applied);
    extra.removeAll(succeeded);
    assertThat(unknown).containsAll(extra);
    try (DroverClient c = client(cluster.masters.get(2))) {
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  c.configMaps().get("default", "counter").getMetadata().getResourceVersion()
                      >= last);
      assertThat(c.configMaps().get("default", "counter").getDataOrThrow("n"))
          .isEqualTo(Integer.toString(history.size()));
    }
  }

  @Test
  @Order(3)
  void watchResumesOnAnotherMasterAfterItsMasterStopsWithNoGapOrDuplicate() throws Exception {
    Master watched = cluster.leader();
    List<Master> others = cluster.running().stream().filter(m -> m != watched).toList();
    List<WatchEvent> seen = new CopyOnWriteArrayList<>();
    int writes = 60;
    AtomicInteger acked = new AtomicInteger();
    AtomicLong lastAck = new AtomicLong();
    ExecutorService writerThread = Executors.newSingleThreadExecutor();
    // The watch starts on the leader and may fail over to the first follower; the writer
    // writes through the followers the whole time, also while the leader is going away.
    try (DroverClient watcher = client(watched, others.get(0));
        DroverClient writer = client(others.get(1), others.get(0))) {
      long from =
          writer
              .listAll(
                  ListRequest.newBuilder().setKind(Kind.KIND_POD).setNamespace("default").build())
              .getResourceVersion();
      DroverClient.WatchStream stream =
          watcher
              .pods()
              .watch(
                  "default",
                  from,
                  new DroverClient.WatchListener() {
                    @Override
                    public void onEvent(WatchEvent e) {
                      if (e.getType() != WatchEventType.WATCH_EVENT_TYPE_BOOKMARK) {
                        seen.add(e);
                      }
                    }
                  });
      Future<?> writing =
          writerThread.submit(
              () -> {
                for (int i = 0; i < writes; i++) {
                  String name = "resume-" + i;
                  Pod p =
                      persist(
                          () -> writer.pods().create(pod("default", name).getPod()),
                          () -> writer.pods().get("default", name),
                          x -> true);
                  lastAck.accumulateAndGet(p.getMetadata().getResourceVersion(), Math::max);
                  // A MODIFIED event per pod too (a compare-and-swap that may race the master's
                  // loss).
                  Pod q =
                      persist(
                          () ->
                              writer
                                  .pods()
                                  .update(
                                      p.toBuilder()
                                          .setMetadata(
                                              p.getMetadata().toBuilder().putLabels("step", "2"))
                                          .build()),
                          () -> writer.pods().get("default", name),
                          x -> "2".equals(x.getMetadata().getLabelsMap().get("step")));
                  lastAck.accumulateAndGet(q.getMetadata().getResourceVersion(), Math::max);
                  acked.incrementAndGet();
                }
                return null;
              });
      await().atMost(Duration.ofSeconds(60)).until(() -> seen.size() >= 30);
      int ackedAtStop = acked.get();
      CompletableFuture<Void> stopping = CompletableFuture.runAsync(() -> cluster.stop(watched));
      writing.get(180, TimeUnit.SECONDS);
      stopping.get(60, TimeUnit.SECONDS);
      assertThat(ackedAtStop).as("the master stopped while writes went on").isLessThan(writes);

      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () ->
                  !seen.isEmpty()
                      && seen.get(seen.size() - 1).getResourceVersion() >= lastAck.get());
      assertThat(watcher.currentEndpoint()).isEqualTo(others.get(0).apiAddress());
      stream.close();

      var prefix = ObjectStore.prefix(Kind.KIND_POD, "default");
      List<Event> history =
          RaftCluster.history(
              others.get(1).kv(), prefix, Keys.prefixEnd(prefix), from, lastAck.get());
      assertThat(history).hasSizeGreaterThanOrEqualTo(2 * writes);
      List<String> expected = history.stream().map(RaftFailoverTest::describe).toList();
      List<String> got = seen.stream().map(RaftFailoverTest::describe).toList();
      // Exactly the store's history, in order: nothing missed, nothing twice.
      assertThat(got).containsExactlyElementsOf(expected);
    }
    writerThread.shutdownNow();
  }

  /**
   * Runs a write until it is known to have happened: a write whose answer was lost while a master
   * went away (UNAVAILABLE, DEADLINE_EXCEEDED, or ABORTED on the client's own CAS retry) is checked
   * by reading the object back.
   */
  static Pod persist(
      Supplier<Pod> write, Supplier<Pod> read, java.util.function.Predicate<Pod> applied) {
    for (int attempt = 0; ; attempt++) {
      try {
        return write.get();
      } catch (StatusRuntimeException e) {
        Status.Code c = e.getStatus().getCode();
        if (attempt > 20
            || (c != Status.Code.UNAVAILABLE
                && c != Status.Code.DEADLINE_EXCEEDED
                && c != Status.Code.ABORTED
                && c != Status.Code.ALREADY_EXISTS)) {
          throw e;
        }
        try {
          // Reads are served from the answering master's cache, which may lag the write a little.
          AtomicReference<Pod> now = new AtomicReference<>();
          await()
              .atMost(Duration.ofSeconds(3))
              .ignoreExceptions()
              .until(
                  () -> {
                    now.set(read.get());
                    return applied.test(now.get());
                  });
          return now.get();
        } catch (ConditionTimeoutException notApplied) {
          // The write did not happen: write again.
        }
      }
    }
  }

  private static String describe(WatchEvent e) {
    String type =
        switch (e.getType()) {
          case WATCH_EVENT_TYPE_ADDED -> "ADDED";
          case WATCH_EVENT_TYPE_MODIFIED -> "MODIFIED";
          case WATCH_EVENT_TYPE_DELETED -> "DELETED";
          default -> e.getType().name();
        };
    return type
        + " "
        + e.getObject().getPod().getMetadata().getName()
        + " @"
        + e.getResourceVersion();
  }

  private static String describe(Event e) {
    String type =
        e.getType() == Event.EventType.DELETE
            ? "DELETED"
            : e.getKv().getCreateRevision() == e.getKv().getModRevision() ? "ADDED" : "MODIFIED";
    return type
        + " "
        + ObjectStore.parseKey(e.getKv().getKey()).name()
        + " @"
        + e.getKv().getModRevision();
  }
}
