package dev.drover.agent.metrics;

import dev.drover.agent.proxy.ProxyMetrics;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

/**
 * One node agent's metrics in a client_java registry of its own: whether the agent's session with a
 * master is up, the service proxy's counters per service ({@code service="namespace/name"}, and per
 * chosen backend), and the JVM's and process's metrics.
 */
public final class AgentMetrics {
  private final PrometheusRegistry registry = new PrometheusRegistry();

  /**
   * Metrics of an agent whose session reports {@code connected} and whose proxy's counters {@code
   * proxy} lists (an empty map when the agent runs no proxy).
   */
  public AgentMetrics(BooleanSupplier connected, Supplier<Map<String, ProxyMetrics>> proxy) {
    registry.register(Jvm.shared());
    GaugeWithCallback.builder()
        .name("drover_agent_connected")
        .help("1 while the agent is registered with a master and its session is up.")
        .callback(cb -> cb.call(connected.getAsBoolean() ? 1 : 0))
        .register(registry);
    registry.register(new ProxyCollector(proxy));
  }

  /** The registry the metrics port serves. */
  public PrometheusRegistry registry() {
    return registry;
  }

  /**
   * The JVM's and the process's metrics, gathered once per JVM into a registry every agent's
   * collects from: per-agent registration would leave a GC listener behind for each agent.
   */
  private static final class Jvm {
    private static volatile MultiCollector shared;

    static synchronized MultiCollector shared() {
      if (shared == null) {
        PrometheusRegistry jvm = new PrometheusRegistry();
        JvmMetrics.builder().register(jvm);
        shared = jvm::scrape;
      }
      return shared;
    }
  }

  /** The proxy's counters as metric families, read at scrape time. */
  private record ProxyCollector(Supplier<Map<String, ProxyMetrics>> proxy)
      implements MultiCollector {
    @Override
    public MetricSnapshots collect() {
      Map<String, ProxyMetrics> services = new TreeMap<>(proxy.get());
      CounterSnapshot.Builder backends =
          CounterSnapshot.builder()
              .name("drover_proxy_backend_connections")
              .help("Connections the service proxy sent to each backend (pod@host:port).");
      GaugeSnapshot.Builder active =
          GaugeSnapshot.builder()
              .name("drover_proxy_active_connections")
              .help("Connections open through the service proxy now.");
      services.forEach(
          (service, m) -> {
            active.dataPoint(
                GaugeSnapshot.GaugeDataPointSnapshot.builder()
                    .value(m.active())
                    .labels(Labels.of("service", service))
                    .build());
            m.chosen()
                .forEach(
                    (backend, n) ->
                        backends.dataPoint(
                            point(n, Labels.of("service", service, "backend", backend))));
          });
      return MetricSnapshots.of(
          counter(
              services,
              "drover_proxy_connections",
              "Connections the service proxy accepted.",
              ProxyMetrics::connections),
          counter(
              services,
              "drover_proxy_received_bytes",
              "Bytes the service proxy received from clients (and sent on to backends).",
              ProxyMetrics::bytesIn),
          counter(
              services,
              "drover_proxy_sent_bytes",
              "Bytes the service proxy sent to clients (received from backends).",
              ProxyMetrics::bytesOut),
          counter(
              services,
              "drover_proxy_errors",
              "Connections that failed: no ready endpoint, every connect refused, or broken"
                  + " midway.",
              ProxyMetrics::errors),
          counter(
              services,
              "drover_proxy_connect_failures",
              "Connect attempts a backend refused (each then tried on the next one).",
              ProxyMetrics::connectFailures),
          active.build(),
          backends.build());
    }

    private static CounterSnapshot counter(
        Map<String, ProxyMetrics> services,
        String name,
        String help,
        ToLongFunction<ProxyMetrics> value) {
      CounterSnapshot.Builder b = CounterSnapshot.builder().name(name).help(help);
      services.forEach(
          (service, m) -> b.dataPoint(point(value.applyAsLong(m), Labels.of("service", service))));
      return b.build();
    }

    private static CounterSnapshot.CounterDataPointSnapshot point(long value, Labels labels) {
      return CounterSnapshot.CounterDataPointSnapshot.builder().value(value).labels(labels).build();
    }
  }
}
