package dev.drover.agent.proxy;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of one service on this node's proxy: connections accepted and open, bytes each way,
 * errors (no ready endpoint, every connect refused, a connection failing midway) and how many
 * connections each backend was chosen for. The agent has no metrics endpoint yet; these are read
 * through {@link ServiceProxy#metrics} (and by tests) until the agent exposes them.
 */
public final class ProxyMetrics {
  private final LongAdder connections = new LongAdder();
  private final LongAdder active = new LongAdder();
  private final LongAdder bytesIn = new LongAdder();
  private final LongAdder bytesOut = new LongAdder();
  private final LongAdder errors = new LongAdder();
  private final LongAdder connectFailures = new LongAdder();
  private final Map<Backend, LongAdder> chosen = new ConcurrentHashMap<>();

  void accepted() {
    connections.increment();
    active.increment();
  }

  void ended() {
    active.decrement();
  }

  void in(long n) {
    bytesIn.add(n);
  }

  void out(long n) {
    bytesOut.add(n);
  }

  void error() {
    errors.increment();
  }

  void connectFailed() {
    connectFailures.increment();
  }

  void chose(Backend b) {
    // Keyed by the record, so that counting a connection builds no string.
    chosen.computeIfAbsent(b, k -> new LongAdder()).increment();
  }

  /** Connections accepted. */
  public long connections() {
    return connections.sum();
  }

  /** Connections open now. */
  public long active() {
    return active.sum();
  }

  /** Bytes from clients to backends. */
  public long bytesIn() {
    return bytesIn.sum();
  }

  /** Bytes from backends to clients. */
  public long bytesOut() {
    return bytesOut.sum();
  }

  /** Connections that failed: no endpoint, all connects refused, or broken midway. */
  public long errors() {
    return errors.sum();
  }

  /** Connect attempts refused by a backend (each then tried on the next one). */
  public long connectFailures() {
    return connectFailures.sum();
  }

  /** Connections per chosen backend ({@code pod@host:port}), sorted by backend. */
  public Map<String, Long> chosen() {
    Map<String, Long> out = new TreeMap<>();
    chosen.forEach((k, v) -> out.merge(k.toString(), v.sum(), Long::sum));
    return out;
  }

  @Override
  public String toString() {
    return "connections="
        + connections()
        + " active="
        + active()
        + " bytes_in="
        + bytesIn()
        + " bytes_out="
        + bytesOut()
        + " errors="
        + errors()
        + " connect_failures="
        + connectFailures()
        + " chosen="
        + chosen();
  }
}
