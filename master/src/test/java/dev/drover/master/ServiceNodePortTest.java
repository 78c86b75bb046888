package dev.drover.master;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.drover.api.v1.Object;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.Service;
import dev.drover.api.v1.ServicePort;
import dev.drover.api.v1.ServiceSpec;
import dev.drover.api.v1.ServiceType;
import dev.drover.master.registry.InvalidObjectException;
import dev.drover.master.registry.Registry;
import dev.drover.master.registry.ServiceStrategy;
import dev.drover.store.InMemoryKvStore;
import dev.drover.store.KvStores;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Node ports: allocated from the range when not given, kept across updates that leave them out, and
 * rejected with the field's path when outside the range or held by another service.
 */
class ServiceNodePortTest {
  InMemoryKvStore kv;
  Registry store;

  @BeforeEach
  void start() {
    kv = KvStores.inMemory();
    store = Fixtures.objectStore(kv);
    store.namespaces().ensure("default");
    store.services().nodePortRange(30000, 30009);
  }

  @AfterEach
  void stop() {
    kv.close();
  }

  private static Object nodePortService(String name, int... nodePorts) {
    ServiceSpec.Builder spec =
        ServiceSpec.newBuilder()
            .setType(ServiceType.SERVICE_TYPE_NODE_PORT)
            .putSelector("app", "web");
    for (int i = 0; i < nodePorts.length; i++) {
      spec.addPorts(
          ServicePort.newBuilder().setName("p" + i).setPort(80 + i).setNodePort(nodePorts[i]));
    }
    return Object.newBuilder()
        .setService(
            Service.newBuilder()
                .setMetadata(ObjectMeta.newBuilder().setNamespace("default").setName(name))
                .setSpec(spec))
        .build();
  }

  private static String violation(InvalidObjectException e) {
    return e.violations().get(0).getField() + ": " + e.violations().get(0).getDescription();
  }

  @Test
  void allocatesFromTheRangeAndKeepsThePortOnUpdate() {
    Service created = store.create(nodePortService("a", 0, 30005), false).getService();
    int allocated = created.getSpec().getPorts(0).getNodePort();
    assertThat(allocated).isBetween(30000, 30009).isNotEqualTo(30005);
    assertThat(created.getSpec().getPorts(1).getNodePort()).isEqualTo(30005);

    Object update = nodePortService("a", 0, 30005);
    update =
        update.toBuilder()
            .setService(update.getService().toBuilder().setMetadata(created.getMetadata()))
            .build();
    Service updated = store.update(update, false).getService();
    assertThat(updated.getSpec().getPorts(0).getNodePort()).isEqualTo(allocated);
  }

  @Test
  void rejectsAPortOutsideTheRange() {
    assertThatThrownBy(() -> store.create(nodePortService("a", 8080), false))
        .isInstanceOfSatisfying(
            InvalidObjectException.class,
            e ->
                assertThat(violation(e))
                    .isEqualTo(
                        "spec.ports[0].node_port: Invalid value: 8080: provided port is not in"
                            + " the valid range. The range of valid ports is 30000-30009"));
  }

  @Test
  void rejectsAPortAnotherServiceHolds() {
    store.create(nodePortService("a", 30001), false);
    assertThatThrownBy(() -> store.create(nodePortService("b", 30002, 30001), false))
        .isInstanceOfSatisfying(
            InvalidObjectException.class,
            e ->
                assertThat(violation(e))
                    .isEqualTo(
                        "spec.ports[1].node_port: Invalid value: 30001: provided port is already"
                            + " allocated (to service default/a)"));
    assertThat(store.list(dev.drover.api.v1.Kind.KIND_SERVICE, "default")).hasSize(1);
  }

  @Test
  void aFullRangeFailsPrecisely() {
    for (int i = 0; i < 10; i++) {
      store.create(nodePortService("s" + i, 0), false);
    }
    assertThatThrownBy(() -> store.create(nodePortService("late", 0), false))
        .isInstanceOfSatisfying(
            InvalidObjectException.class,
            e -> assertThat(violation(e)).contains("spec.ports[0].node_port").contains("no free"));
  }

  @Test
  void aMasterBuiltWithANodePortRangeAllocatesFromItAndRefusesPortsOutsideIt() throws Exception {
    try (Master m =
        Master.builder()
            .apiPort(-1)
            .scheduler(false)
            .controllers(false)
            .serviceNodePortRange(new ServiceStrategy.NodePortRange(31000, 31001))
            .start()) {
      Registry objects = m.objects();
      Object created = objects.create(nodePortService("web", 0), false);
      assertThat(created.getService().getSpec().getPorts(0).getNodePort()).isBetween(31000, 31001);
      assertThatThrownBy(() -> objects.create(nodePortService("db", 30000), false))
          .isInstanceOfSatisfying(
              InvalidObjectException.class,
              e ->
                  assertThat(violation(e))
                      .isEqualTo(
                          "spec.ports[0].node_port: Invalid value: 30000: provided port is not in"
                              + " the valid range. The range of valid ports is 31000-31001"));
    }
  }
}
