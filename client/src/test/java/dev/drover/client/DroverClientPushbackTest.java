package dev.drover.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.drover.api.v1.ConfigMap;
import dev.drover.api.v1.ControlServiceGrpc;
import dev.drover.api.v1.CreateRequest;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.ObjectMeta;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The client's answer to a master that asks it to slow down: RESOURCE_EXHAUSTED with a pushback
 * trailer is waited out and the same call sent again, a create included, within the call's
 * deadline; a RESOURCE_EXHAUSTED without the trailer, or a wait longer than the deadline leaves, is
 * the caller's.
 */
class DroverClientPushbackTest {
  private static final Metadata.Key<String> PUSHBACK =
      Metadata.Key.of(Pushback.TRAILER, Metadata.ASCII_STRING_MARSHALLER);

  private Server server;
  private DroverClient client;

  /** A ControlService whose creates are refused {@code refusals} times, then answered. */
  private static final class Refusing extends ControlServiceGrpc.ControlServiceImplBase {
    final AtomicInteger creates = new AtomicInteger();
    final AtomicInteger applied = new AtomicInteger();
    final int refusals;
    final String pushbackMs;

    Refusing(int refusals, String pushbackMs) {
      this.refusals = refusals;
      this.pushbackMs = pushbackMs;
    }

    @Override
    public void create(CreateRequest request, StreamObserver<Object> response) {
      if (creates.incrementAndGet() <= refusals) {
        Metadata trailers = new Metadata();
        if (pushbackMs != null) {
          trailers.put(PUSHBACK, pushbackMs);
        }
        response.onError(
            Status.RESOURCE_EXHAUSTED.withDescription("slow down").asRuntimeException(trailers));
        return;
      }
      applied.incrementAndGet();
      response.onNext(request.getObject());
      response.onCompleted();
    }
  }

  private Refusing start(int refusals, String pushbackMs, Duration deadline) throws Exception {
    Refusing service = new Refusing(refusals, pushbackMs);
    String name = InProcessServerBuilder.generateName();
    server = InProcessServerBuilder.forName(name).addService(service).build().start();
    client =
        DroverClient.builder()
            .endpoint(name)
            .deadline(deadline)
            .channelFactory(Channels::inProcess)
            .build();
    return service;
  }

  @AfterEach
  void stop() throws InterruptedException {
    if (client != null) {
      client.close();
    }
    if (server != null) {
      server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
  }

  private static Object configMap() {
    return Object.newBuilder()
        .setConfigMap(
            ConfigMap.newBuilder().setMetadata(ObjectMeta.newBuilder().setName("cm").build()))
        .build();
  }

  @Test
  void aCreateRefusedWithAPushbackIsSentAgainAfterTheWait() throws Exception {
    Refusing service = start(3, "40", Duration.ofSeconds(10));
    long started = System.nanoTime();
    Object created = client.create(configMap());
    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    assertThat(created.getConfigMap().getMetadata().getName()).isEqualTo("cm");
    assertThat(service.creates.get()).isEqualTo(4);
    assertThat(service.applied.get()).isEqualTo(1);
    assertThat(client.pushbackResends()).isEqualTo(3);
    // Three waits of 40 ms each: the client waited as told instead of hammering the master.
    assertThat(tookMs).isGreaterThanOrEqualTo(120);
  }

  @Test
  void theAsynchronousCreateWaitsOutAPushbackToo() throws Exception {
    Refusing service = start(2, "30", Duration.ofSeconds(10));
    Object created = client.async().create(configMap()).get(10, TimeUnit.SECONDS);
    assertThat(created.getConfigMap().getMetadata().getName()).isEqualTo("cm");
    assertThat(service.creates.get()).isEqualTo(3);
    assertThat(client.pushbackResends()).isEqualTo(2);
  }

  @Test
  void aWaitLongerThanTheDeadlineLeavesIsTheCallersAtOnce() throws Exception {
    Refusing service = start(2, "5000", Duration.ofSeconds(1));
    long started = System.nanoTime();
    StatusRuntimeException e =
        catchThrowableOfType(() -> client.create(configMap()), StatusRuntimeException.class);
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(service.creates.get()).isEqualTo(1);
    // Not waited for: the wait could never end within the deadline.
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).isLessThan(900);
    CompletionException async =
        catchThrowableOfType(
            () -> client.async().create(configMap()).join(), CompletionException.class);
    assertThat(Status.fromThrowable(async.getCause()).getCode())
        .isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(service.creates.get()).isEqualTo(2);
    assertThat(service.applied.get()).isZero();
  }

  @Test
  void refusalsWithoutAPushbackAreNeverResent() throws Exception {
    Refusing service = start(1, null, Duration.ofSeconds(10));
    StatusRuntimeException e =
        catchThrowableOfType(() -> client.create(configMap()), StatusRuntimeException.class);
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(service.creates.get()).isEqualTo(1);
    assertThat(client.pushbackResends()).isZero();
  }

  @Test
  void aMalformedPushbackIsNotResent() throws Exception {
    Refusing service = start(1, "soon", Duration.ofSeconds(10));
    StatusRuntimeException e =
        catchThrowableOfType(() -> client.create(configMap()), StatusRuntimeException.class);
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(service.creates.get()).isEqualTo(1);
  }
}
