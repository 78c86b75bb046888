package dev.drover.agent.proxy;

import dev.drover.agent.sync.MasterClient;
import dev.drover.agent.sync.PodSyncer;
import dev.drover.api.ApiObjects;
import dev.drover.api.v1.Event;
import dev.drover.api.v1.EventSource;
import dev.drover.api.v1.EventType;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.Service;
import dev.drover.client.DroverClient;
import io.grpc.ManagedChannel;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;

/**
 * The service proxy as a part of a node agent: a {@link ServiceProxy} fed by a {@link
 * ServiceWatcher} over the agent's own master channels, reporting its problems as events through
 * the agent's master client, and supplying the service variables of new containers.
 */
public final class NodeProxy implements AutoCloseable {
  private final ServiceProxy proxy;
  private final ServiceWatcher watcher;
  private final DroverClient client;

  private NodeProxy(ServiceProxy proxy, ServiceWatcher watcher, DroverClient client) {
    this.proxy = proxy;
    this.watcher = watcher;
    this.client = client;
  }

  /**
   * Starts the proxy of node {@code nodeName}: watches through {@code channels} (the session's),
   * records events through {@code master}, and gives {@code syncer} the service variables.
   */
  public static NodeProxy start(
      String nodeName,
      ProxyConfig config,
      List<String> masterEndpoints,
      Function<String, ManagedChannel> channels,
      MasterClient master,
      PodSyncer syncer) {
    ServiceProxy proxy =
        new ServiceProxy(
            config,
            nodeName,
            (svc, reason, message) ->
                master.recordEvents(List.of(event(nodeName, svc, reason, message))));
    // The channels are the session's: close this after the session.
    DroverClient client =
        DroverClient.builder().endpoints(masterEndpoints).channelFactory(channels).build();
    ServiceWatcher watcher = new ServiceWatcher(client, proxy);
    syncer.serviceEnvironment(proxy);
    proxy.start();
    watcher.start();
    return new NodeProxy(proxy, watcher, client);
  }

  /** The proxy. */
  public ServiceProxy proxy() {
    return proxy;
  }

  static Event event(String nodeName, Service svc, String reason, String message) {
    Instant now = Instant.now();
    com.google.protobuf.Timestamp ts =
        com.google.protobuf.Timestamp.newBuilder()
            .setSeconds(now.getEpochSecond())
            .setNanos(now.getNano())
            .build();
    return Event.newBuilder()
        .setMetadata(
            ObjectMeta.newBuilder()
                .setNamespace(svc.getMetadata().getNamespace())
                .setName(
                    svc.getMetadata().getName()
                        + "."
                        + Long.toHexString(System.currentTimeMillis())
                        + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000))))
        .setInvolvedObject(ApiObjects.reference(svc))
        .setReason(reason)
        .setMessage(message)
        .setType(EventType.EVENT_TYPE_WARNING)
        .setSource(EventSource.newBuilder().setComponent("service-proxy").setHost(nodeName))
        .setCount(1)
        .setFirstTimestamp(ts)
        .setLastTimestamp(ts)
        .setEventTime(ts)
        .setReportingComponent("drover.dev/service-proxy")
        .setReportingInstance(nodeName)
        .build();
  }

  /** Stops watching and listening; call after the session closed, since it shares its channels. */
  @Override
  public void close() {
    watcher.close();
    proxy.close();
    client.close();
  }
}
