package dev.drover.master.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.DoubleSupplier;

/**
 * The few series the web console charts on its overview, sampled from this master's instruments at
 * a fixed interval and kept for the last {@link #KEEP} samples: API requests per second (all
 * methods and codes), open watch streams, and the mean store apply latency over each interval. The
 * master samples, not the browser, so a chart has history the moment the page opens.
 */
public final class ConsoleSeries {
  /** Samples kept per series (five minutes at the master's two-second interval). */
  public static final int KEEP = 150;

  private final Counter requests;
  private final DoubleSupplier watchers;
  private final Histogram applies;
  private final Clock clock;
  private final ArrayDeque<Sample> samples = new ArrayDeque<>();
  private final List<Consumer<String>> followers = new CopyOnWriteArrayList<>();
  private Totals last;

  private record Totals(long millis, double requests, double applySum, long applyCount) {}

  private record Sample(long millis, double requestsPerSecond, double watchers, double applyMs) {}

  /** Series over these instruments. */
  public ConsoleSeries(Counter requests, DoubleSupplier watchers, Histogram applies, Clock clock) {
    this.requests = requests;
    this.watchers = watchers;
    this.applies = applies;
    this.clock = clock;
  }

  /** Takes one sample; the first call only sets the baseline of the rates. */
  public synchronized void sample() {
    double total = 0;
    for (CounterSnapshot.CounterDataPointSnapshot d : requests.collect().getDataPoints()) {
      total += d.getValue();
    }
    Totals now = new Totals(clock.millis(), total, applies.getSum(), applies.getCount());
    if (last != null && now.millis > last.millis) {
      double seconds = (now.millis - last.millis) / 1e3;
      long applied = now.applyCount - last.applyCount;
      samples.addLast(
          new Sample(
              now.millis,
              (now.requests - last.requests) / seconds,
              watchers.getAsDouble(),
              applied == 0 ? 0 : (now.applySum - last.applySum) / applied * 1e3));
      while (samples.size() > KEEP) {
        samples.removeFirst();
      }
      String json = json();
      followers.forEach(f -> f.accept(json));
    }
    last = now;
  }

  /**
   * Hands {@code follower} the series as JSON after every new sample, from the sampling thread,
   * until the returned handle is run.
   */
  public Runnable follow(Consumer<String> follower) {
    followers.add(follower);
    return () -> followers.remove(follower);
  }

  /**
   * The series as JSON: {@code {"charts":[{"id":..,"title":..,"unit":..,"points":[[millis,
   * value],...]},...]}}.
   */
  public synchronized String json() {
    Map<String, String[]> charts = new LinkedHashMap<>();
    charts.put("requests", new String[] {"API requests", "/s"});
    charts.put("watchers", new String[] {"Watchers", ""});
    charts.put("apply", new String[] {"Store apply latency", "ms"});
    List<String> out = new ArrayList<>();
    for (Map.Entry<String, String[]> c : charts.entrySet()) {
      StringBuilder points = new StringBuilder();
      for (Sample s : samples) {
        double v =
            switch (c.getKey()) {
              case "requests" -> s.requestsPerSecond;
              case "watchers" -> s.watchers;
              default -> s.applyMs;
            };
        points.append(points.length() == 0 ? "" : ",");
        points.append(String.format(Locale.ROOT, "[%d,%.3f]", s.millis, v));
      }
      out.add(
          String.format(
              Locale.ROOT,
              "{\"id\":\"%s\",\"title\":\"%s\",\"unit\":\"%s\",\"points\":[%s]}",
              c.getKey(),
              c.getValue()[0],
              c.getValue()[1],
              points));
    }
    return "{\"charts\":[" + String.join(",", out) + "]}";
  }
}
