package dev.drover.master.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.drover.api.ApiObjects;
import dev.drover.api.v1.ConfigMap;
import dev.drover.api.v1.Kind;
import dev.drover.master.wiring.Controllers;
import dev.drover.testing.TestObjects;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ControllerManagerTest {
  /** Copies each ConfigMap's "in" key to its "out" key; fails the first sync of every key. */
  private static final class CopyController extends Controller {
    final Set<String> failedOnce = ConcurrentHashMap.newKeySet();
    final AtomicInteger concurrent = new AtomicInteger();
    final AtomicInteger maxConcurrent = new AtomicInteger();

    CopyController(ControllerContext context) {
      super("copy", context, 2, Duration.ofSeconds(1));
      cache.addHandler(
          Kind.KIND_CONFIG_MAP,
          new ResourceHandler() {
            @Override
            public void onAdd(com.google.protobuf.Message object) {
              enqueue(object);
            }

            @Override
            public void onUpdate(com.google.protobuf.Message o, com.google.protobuf.Message n) {
              enqueue(n);
            }
          });
    }

    @Override
    protected void sync(String key) {
      int now = concurrent.incrementAndGet();
      maxConcurrent.accumulateAndGet(now, Math::max);
      try {
        if (failedOnce.add(key)) {
          throw new IllegalStateException("first attempt fails");
        }
        ConfigMap cm =
            cache
                .<ConfigMap>get(
                    Kind.KIND_CONFIG_MAP, ApiObjects.namespaceOf(key), ApiObjects.nameOf(key))
                .orElse(null);
        if (cm != null
            && !cm.getDataMap().getOrDefault("in", "").equals(cm.getDataMap().get("out"))) {
          writer.update(
              cm.toBuilder().putData("out", cm.getDataMap().getOrDefault("in", "")).build());
        }
      } finally {
        concurrent.decrementAndGet();
      }
    }

    @Override
    protected List<String> allKeys() {
      return cache.<ConfigMap>list(Kind.KIND_CONFIG_MAP, "", null).stream()
          .map(ApiObjects::key)
          .toList();
    }
  }

  @Test
  void runsWorkersRetriesFailuresAndStopsOnClose() {
    FakeCluster cluster = new FakeCluster(Clock.systemUTC());
    CopyController controller = new CopyController(cluster.context());
    try (ControllerManager manager = new ControllerManager(cluster, List.of(controller))) {
      manager.start();
      await().atMost(Duration.ofSeconds(30)).until(manager::isRunning);
      for (int i = 0; i < 5; i++) {
        cluster.create(
            ConfigMap.newBuilder()
                .setMetadata(TestObjects.meta("cm" + i))
                .putData("in", "v" + i)
                .build());
      }
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () ->
                  assertThat(cluster.<ConfigMap>stored(Kind.KIND_CONFIG_MAP))
                      .allMatch(cm -> cm.getDataMap().get("in").equals(cm.getDataMap().get("out")))
                      .hasSize(5));
      assertThat(controller.failedOnce).hasSize(5);
    }
    assertThat(controller.queue().isShutDown()).isTrue();
    assertThat(controller.maxConcurrent.get()).isLessThanOrEqualTo(2);
  }

  @Test
  void closeStopsEveryControllerTakingKeysBeforeWaitingForAnyOfThem() throws Exception {
    FakeCluster cluster = new FakeCluster(Clock.systemUTC());
    CountDownLatch inSync = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Controller slow =
        new Controller("slow", cluster.context(), 1, Duration.ZERO) {
          @Override
          protected void sync(String key) {
            inSync.countDown();
            try {
              release.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }

          @Override
          protected List<String> allKeys() {
            return List.of("default/one");
          }
        };
    CopyController other = new CopyController(cluster.context());
    ControllerManager manager = new ControllerManager(cluster, List.of(slow, other));
    manager.start();
    assertThat(inSync.await(30, TimeUnit.SECONDS)).isTrue();
    Thread closer = new Thread(manager::close, "closer");
    closer.start();
    try {
      // A master losing the active role: while the first controller still finishes its sync,
      // the second must already have stopped taking keys.
      await().atMost(Duration.ofSeconds(30)).until(() -> other.queue().isShutDown());
      assertThat(closer.isAlive()).as("close waits for the sync under way").isTrue();
      cluster.create(
          ConfigMap.newBuilder().setMetadata(TestObjects.meta("late")).putData("in", "x").build());
    } finally {
      release.countDown();
    }
    closer.join(30_000);
    assertThat(closer.isAlive()).isFalse();
    assertThat(cluster.<ConfigMap>stored(Kind.KIND_CONFIG_MAP))
        .singleElement()
        .satisfies(cm -> assertThat(cm.getDataMap()).doesNotContainKey("out"));
  }

  @Test
  void theWorkersResyncPeriodicallyAndRepairADriftNoEventReported() {
    FakeCluster cluster = new FakeCluster(Clock.systemUTC());
    CopyController controller = new CopyController(cluster.context());
    try (ControllerManager manager = new ControllerManager(cluster, List.of(controller))) {
      manager.start();
      ConfigMap cm =
          cluster.create(
              ConfigMap.newBuilder()
                  .setMetadata(TestObjects.meta("cm"))
                  .putData("in", "a")
                  .build());
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> "a".equals(stored(cluster).getDataMap().get("out")));
      ConfigMap copied = stored(cluster);
      cluster.unobserved(() -> cluster.update(copied.toBuilder().putData("in", "b").build()));
      // The copy controller's resync period is 1 s: only a resync can notice the change.
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> "b".equals(stored(cluster).getDataMap().get("out")));
    }
  }

  private static ConfigMap stored(FakeCluster cluster) {
    return cluster.stored(Kind.KIND_CONFIG_MAP, "default", "cm");
  }

  @Test
  void theStandardControllersRunADeploymentOnWorkerThreads() {
    FakeCluster cluster = new FakeCluster(Clock.systemUTC());
    List<Controller> controllers = Controllers.standard(cluster.context());
    try (ControllerManager manager = new ControllerManager(cluster, controllers)) {
      manager.start();
      cluster.create(
          dev.drover.api.v1.Deployment.newBuilder()
              .setMetadata(TestObjects.meta("web"))
              .setSpec(
                  dev.drover.api.v1.DeploymentSpec.newBuilder()
                      .setReplicas(3)
                      .setSelector(TestObjects.selector(java.util.Map.of("app", "web")))
                      .setTemplate(TestObjects.template(java.util.Map.of("app", "web"), "web:1")))
              .build());
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(() -> assertThat(Fixtures.pods(cluster)).hasSize(3));
    }
    assertThat(controllers).allMatch(c -> c.queue().isShutDown());
  }
}
