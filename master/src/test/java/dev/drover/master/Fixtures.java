package dev.drover.master;

import static dev.drover.testing.TestObjects.IMAGE;
import static dev.drover.testing.TestObjects.container;
import static dev.drover.testing.TestObjects.wrap;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.BadRequest;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodSpec;
import dev.drover.master.api.ApiErrors;
import dev.drover.master.registry.Registry;
import dev.drover.master.registry.RegistryException;
import dev.drover.master.registry.StructuralValidator;
import dev.drover.store.KvStores;
import dev.drover.store.api.KvStore;
import dev.drover.testing.TestObjects;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/** Objects and helpers shared by the master tests. */
public final class Fixtures {
  private Fixtures() {}

  /**
   * An object store over {@code kv} with structural validation only, as the store-level tests use.
   */
  public static Registry objectStore(KvStore kv) {
    return new Registry(kv, new StructuralValidator(), Clock.systemUTC(), Duration.ofSeconds(10));
  }

  /**
   * A master on an in-memory store serving only the API (no scheduler or controllers) on a free
   * Netty port, with {@code customize} applied to its settings.
   */
  public static Master apiMaster(UnaryOperator<Master.Builder> customize) {
    return customize
        .apply(
            Master.builder()
                .apiPort(0)
                .store(KvStores::inMemory, true)
                .scheduler(false)
                .controllers(false))
        .start();
  }

  /** The status code {@code r} fails with; an AssertionError when it does not fail. */
  public static Status.Code failureCode(Runnable r) {
    try {
      r.run();
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    } catch (RegistryException e) {
      // The code the API answers with: the registry's failures map one to one.
      return ApiErrors.of(e).getStatus().getCode();
    }
    throw new AssertionError("expected a failure");
  }

  /** A pod {@code ns/name} labelled {@code app=web} of one container running the test image. */
  public static Object pod(String ns, String name) {
    Pod.Builder pod = TestObjects.pod(ns, name, container("main", IMAGE));
    pod.getMetadataBuilder().putLabels("app", "web");
    return wrap(pod);
  }

  /** A pod spec of one container running the test image. */
  public static PodSpec.Builder podSpec() {
    return TestObjects.podSpec(container("main", IMAGE));
  }

  /** A deployment {@code ns/name} of {@code replicas} pods labelled {@code app=name}. */
  public static Object deployment(String ns, String name, int replicas) {
    return wrap(TestObjects.deployment(ns, name, replicas, container("main", IMAGE)));
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
