package dev.drover.master;

import static dev.drover.master.Fixtures.pod;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.drover.api.v1.Pod;
import dev.drover.api.v1.WatchEvent;
import dev.drover.api.v1.WatchEventType;
import dev.drover.client.DroverClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Three masters on loopback, each embedding a member of one replicated (Ratis) store. */
class RaftMastersTest {

  @Test
  void writesThroughOneMasterAreReadAndWatchedThroughTheOthers(@TempDir Path dir) throws Exception {
    try (RaftCluster cluster = new RaftCluster(dir, b -> b)) {
      List<Master> masters = cluster.masters;
      try (DroverClient via1 =
              DroverClient.builder().endpoint(masters.get(0).apiAddress()).build();
          DroverClient via2 = DroverClient.builder().endpoint(masters.get(1).apiAddress()).build();
          DroverClient via3 =
              DroverClient.builder().endpoint(masters.get(2).apiAddress()).build()) {
        List<WatchEvent> seen = new CopyOnWriteArrayList<>();
        long from =
            via1.listAll(
                    dev.drover.api.v1.ListRequest.newBuilder()
                        .setKind(dev.drover.api.v1.Kind.KIND_POD)
                        .build())
                .getResourceVersion();
        DroverClient.WatchStream w =
            via1.pods()
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
        Pod created = via2.pods().create(pod("default", "replicated").getPod());
        await()
            .atMost(Duration.ofSeconds(60))
            .ignoreExceptions()
            .until(
                () ->
                    via3.pods()
                        .get("default", "replicated")
                        .getMetadata()
                        .getUid()
                        .equals(created.getMetadata().getUid()));
        await()
            .atMost(Duration.ofSeconds(60))
            .until(
                () ->
                    seen.stream()
                        .anyMatch(
                            e ->
                                e.getObject()
                                    .getPod()
                                    .getMetadata()
                                    .getName()
                                    .equals("replicated")));
        assertThat(masters.stream().filter(Master::isActive).count()).isLessThanOrEqualTo(1);
        w.close();
      }
    }
  }
}
