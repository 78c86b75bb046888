package dev.drover.master;

import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.api.v1.ConfigMap;
import dev.drover.api.v1.CreateRequest;
import dev.drover.api.v1.GetRequest;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.master.registry.Registry;
import dev.drover.store.v1.KeyValue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A get answers with the latest acknowledged version even when the write reached the store some
 * other way than through this master (another master of the group), so before this master's cache
 * has seen it. The e2e fault scenarios found gets returning an older version after a failover: the
 * cache had answered.
 */
class GetIsLinearizableTest {

  private InProcessMaster m;

  @BeforeEach
  void start() {
    m = new InProcessMaster(b -> b.scheduler(false).controllers(false));
  }

  @AfterEach
  void stop() throws InterruptedException {
    m.close();
  }

  @Test
  void getSeesAWriteMadeThroughTheStoreAtOnce() throws Exception {
    m.control()
        .create(
            CreateRequest.newBuilder()
                .setObject(
                    dev.drover.api.v1.Object.newBuilder()
                        .setConfigMap(
                            ConfigMap.newBuilder()
                                .setMetadata(
                                    ObjectMeta.newBuilder().setNamespace("default").setName("rw"))
                                .putData("v", "0")))
                .build());
    var key = Registry.key(Kind.KIND_CONFIG_MAP, "default", "rw");
    for (int i = 1; i <= 200; i++) {
      KeyValue kv = m.master.kv().get(key).get(10, TimeUnit.SECONDS).getKvs(0);
      ConfigMap stored = Registry.decode(kv).getConfigMap();
      // What another master writes: the same object, next value, resource_version implied.
      ConfigMap next =
          stored.toBuilder()
              .setMetadata(stored.getMetadata().toBuilder().setResourceVersion(0))
              .putData("v", Integer.toString(i))
              .build();
      long written =
          m.master
              .kv()
              .put(
                  key,
                  dev.drover.api.v1.Object.newBuilder().setConfigMap(next).build().toByteString())
              .get(10, TimeUnit.SECONDS)
              .getHeader()
              .getRevision();
      ConfigMap got =
          m.control()
              .get(
                  GetRequest.newBuilder()
                      .setKind(Kind.KIND_CONFIG_MAP)
                      .setNamespace("default")
                      .setName("rw")
                      .build())
              .getConfigMap();
      assertThat(got.getMetadata().getResourceVersion()).as("round %d", i).isEqualTo(written);
      assertThat(got.getDataMap()).containsEntry("v", Integer.toString(i));
    }
  }
}
