package dev.drover.master.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.DoubleSupplier;

/**
 * One master's metrics, kept in a Prometheus client_java registry of its own: the instruments the
 * master records into, the JVM and process metrics of the process it runs in, and the text a scrape
 * returns. A registry per master (not the library's global one) lets several masters run in one
 * JVM, as tests and {@code drover dev} do, each with its own series.
 */
public final class Metrics {
  /** Histogram bucket bounds in seconds (the bounds the dashboards were drawn for). */
  static final double[] BOUNDS = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10
  };

  private static final ExpositionFormats FORMATS = ExpositionFormats.init();

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final Map<String, Counter> counters = new ConcurrentHashMap<>();

  /** A registry with the JVM's and the process's metrics already in it. */
  public Metrics() {
    registry.register(JvmProcessMetrics.COLLECTOR);
  }

  /** The registry itself, for scrapes and collectors of other parts. */
  public PrometheusRegistry registry() {
    return registry;
  }

  /** A counter named {@code name} (ending in {@code _total}) with the given label names. */
  public Counter counter(String name, String help, String... labelNames) {
    Counter c =
        Counter.builder()
            .name(name)
            .help(help)
            .labelNames(labelNames)
            .withoutExemplars()
            .register(registry);
    counters.put(name, c);
    return c;
  }

  /** A classic histogram of seconds with the master's usual buckets. */
  public Histogram histogram(String name, String help, String... labelNames) {
    return Histogram.builder()
        .name(name)
        .help(help)
        .labelNames(labelNames)
        .classicOnly()
        .classicUpperBounds(BOUNDS)
        .withoutExemplars()
        .register(registry);
  }

  /** A gauge without labels, read at scrape time. */
  public void gauge(String name, String help, DoubleSupplier value) {
    GaugeWithCallback.builder()
        .name(name)
        .help(help)
        .callback(cb -> cb.call(value.getAsDouble()))
        .register(registry);
  }

  /** A gauge with one label, one series per entry of {@code values}, read at scrape time. */
  public void gauge(String name, String help, String label, Map<String, DoubleSupplier> values) {
    GaugeWithCallback.builder()
        .name(name)
        .help(help)
        .labelNames(label)
        .callback(cb -> values.forEach((v, supplier) -> cb.call(supplier.getAsDouble(), v)))
        .register(registry);
  }

  /**
   * The value of counter {@code name} (as exposed, with {@code _total}) for the series with these
   * label pairs ({@code name1, value1, name2, value2, ...}), 0 when it has none yet.
   */
  public long counterValue(String name, String... labelPairs) {
    Counter c = counters.get(name);
    if (c == null) {
      return 0;
    }
    Labels wanted = Labels.of(labelPairs);
    for (CounterSnapshot.CounterDataPointSnapshot d : c.collect().getDataPoints()) {
      if (d.getLabels().equals(wanted)) {
        return (long) d.getValue();
      }
    }
    return 0;
  }

  /** Everything in the Prometheus text format (version 0.0.4), as a plain scrape gets it. */
  public String render() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      FORMATS.getPrometheusTextFormatWriter().write(out, registry.scrape());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  /**
   * The JVM's and the process's metrics (memory, GC, threads, CPU, open files...), registered once
   * per process in a registry of their own and collected into every master's: registering them in
   * each master's registry would add a GC listener per master that lives as long as the JVM.
   */
  private static final class JvmProcessMetrics {
    private static final PrometheusRegistry PROCESS = new PrometheusRegistry();
    private static final MultiCollector COLLECTOR = PROCESS::scrape;

    static {
      JvmMetrics.builder().register(PROCESS);
    }
  }
}
