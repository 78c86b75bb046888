package dev.drover.master;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.BadRequest;
import dev.drover.api.v1.Container;
import dev.drover.api.v1.Deployment;
import dev.drover.api.v1.DeploymentSpec;
import dev.drover.api.v1.LabelSelector;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodSpec;
import dev.drover.api.v1.PodTemplateSpec;
import dev.drover.master.store.ObjectStore;
import dev.drover.master.store.StructuralValidator;
import dev.drover.store.api.KvStore;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Objects and helpers shared by the master tests. */
public final class Fixtures {
  private Fixtures() {}

  /**
   * An object store over {@code kv} with structural validation only, as the store-level tests use.
   */
  public static ObjectStore objectStore(KvStore kv) {
    return new ObjectStore(
        kv, new StructuralValidator(), Clock.systemUTC(), Duration.ofSeconds(10));
  }

  /** The status code {@code r} fails with; an AssertionError when it does not fail. */
  public static Status.Code failureCode(Runnable r) {
    try {
      r.run();
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
    throw new AssertionError("expected a failure");
  }

  public static Object pod(String ns, String name) {
    return Object.newBuilder()
        .setPod(
            Pod.newBuilder()
                .setMetadata(
                    ObjectMeta.newBuilder().setNamespace(ns).setName(name).putLabels("app", "web"))
                .setSpec(podSpec()))
        .build();
  }

  public static PodSpec.Builder podSpec() {
    return PodSpec.newBuilder()
        .addContainers(Container.newBuilder().setName("main").setImage("127.0.0.1:5000/busybox:1"));
  }

  public static Object deployment(String ns, String name, int replicas) {
    return Object.newBuilder()
        .setDeployment(
            Deployment.newBuilder()
                .setMetadata(ObjectMeta.newBuilder().setNamespace(ns).setName(name))
                .setSpec(
                    DeploymentSpec.newBuilder()
                        .setReplicas(replicas)
                        .setSelector(LabelSelector.newBuilder().putMatchLabels("app", name))
                        .setTemplate(
                            PodTemplateSpec.newBuilder()
                                .setMetadata(ObjectMeta.newBuilder().putLabels("app", name))
                                .setSpec(podSpec()))))
        .build();
  }

  /** The field paths of the BadRequest details of an INVALID_ARGUMENT error. */
  public static List<String> violatedFields(StatusRuntimeException e) {
    List<String> out = new ArrayList<>();
    com.google.rpc.Status s = StatusProto.fromThrowable(e);
    if (s == null) {
      return out;
    }
    for (com.google.protobuf.Any a : s.getDetailsList()) {
      if (a.is(BadRequest.class)) {
        try {
          a.unpack(BadRequest.class).getFieldViolationsList().forEach(v -> out.add(v.getField()));
        } catch (InvalidProtocolBufferException ex) {
          throw new AssertionError(ex);
        }
      }
    }
    return out;
  }
}
