package dev.drover.master.metrics;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.function.DoubleSupplier;

/**
 * A small registry of counters, histograms and gauges rendered in the Prometheus text exposition
 * format. Enough for the master's own metrics without another dependency.
 */
public final class Metrics {
  /** Histogram bucket bounds in seconds. */
  private static final double[] BOUNDS = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10
  };

  private final Map<String, String> help = new ConcurrentHashMap<>();
  private final Map<String, String> types = new ConcurrentHashMap<>();
  private final Map<String, Map<String, AtomicLong>> counters = new ConcurrentHashMap<>();
  private final Map<String, Map<String, Histogram>> histograms = new ConcurrentHashMap<>();
  private final Map<String, Map<String, DoubleSupplier>> gauges = new ConcurrentHashMap<>();

  private static final class Histogram {
    final AtomicLongArray buckets = new AtomicLongArray(BOUNDS.length);
    final AtomicLong count = new AtomicLong();
    final DoubleAdder sum = new DoubleAdder();

    void observe(double seconds) {
      for (int i = 0; i < BOUNDS.length; i++) {
        if (seconds <= BOUNDS[i]) {
          buckets.incrementAndGet(i);
        }
      }
      count.incrementAndGet();
      sum.add(seconds);
    }
  }

  private void describe(String name, String type, String text) {
    help.putIfAbsent(name, text);
    types.putIfAbsent(name, type);
  }

  /** Adds one to a counter with the given labels ({@code a="x",b="y"} form, may be empty). */
  public void inc(String name, String helpText, String labels) {
    describe(name, "counter", helpText);
    counters
        .computeIfAbsent(name, k -> new ConcurrentHashMap<>())
        .computeIfAbsent(labels, k -> new AtomicLong())
        .incrementAndGet();
  }

  /** Records a duration in a histogram. */
  public void observe(String name, String helpText, String labels, long nanos) {
    describe(name, "histogram", helpText);
    histograms
        .computeIfAbsent(name, k -> new ConcurrentHashMap<>())
        .computeIfAbsent(labels, k -> new Histogram())
        .observe(nanos / 1e9);
  }

  /** Registers a gauge read at scrape time. */
  public void gauge(String name, String helpText, String labels, DoubleSupplier value) {
    describe(name, "gauge", helpText);
    gauges.computeIfAbsent(name, k -> new ConcurrentHashMap<>()).put(labels, value);
  }

  /** The current value of a counter (0 when never incremented), for tests and health checks. */
  public long counter(String name, String labels) {
    AtomicLong v = counters.getOrDefault(name, Map.of()).get(labels);
    return v == null ? 0 : v.get();
  }

  /** Everything in the Prometheus text format. */
  public String render() {
    StringBuilder sb = new StringBuilder();
    for (String name : new TreeMap<>(types).keySet()) {
      sb.append("# HELP ").append(name).append(' ').append(help.get(name)).append('\n');
      sb.append("# TYPE ").append(name).append(' ').append(types.get(name)).append('\n');
      counters.getOrDefault(name, Map.of()).forEach((l, v) -> line(sb, name, l, v.get()));
      gauges.getOrDefault(name, Map.of()).forEach((l, v) -> line(sb, name, l, v.getAsDouble()));
      histograms
          .getOrDefault(name, Map.of())
          .forEach(
              (l, h) -> {
                for (int i = 0; i < BOUNDS.length; i++) {
                  line(sb, name + "_bucket", join(l, "le=\"" + BOUNDS[i] + "\""), h.buckets.get(i));
                }
                line(sb, name + "_bucket", join(l, "le=\"+Inf\""), h.count.get());
                line(sb, name + "_sum", l, h.sum.sum());
                line(sb, name + "_count", l, h.count.get());
              });
    }
    return sb.toString();
  }

  private static String join(String a, String b) {
    return a.isEmpty() ? b : a + "," + b;
  }

  private static void line(StringBuilder sb, String name, String labels, double v) {
    sb.append(name);
    if (!labels.isEmpty()) {
      sb.append('{').append(labels).append('}');
    }
    sb.append(' ');
    if (v == Math.rint(v) && !Double.isInfinite(v)) {
      sb.append((long) v);
    } else {
      sb.append(v);
    }
    sb.append('\n');
  }

  /** Escapes a label value. */
  public static String quote(String v) {
    return "\"" + v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
  }
}
