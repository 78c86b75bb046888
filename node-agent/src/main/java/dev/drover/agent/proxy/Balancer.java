package dev.drover.agent.proxy;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * Chooses the backend of each new connection to one service port: round robin or least connections
 * over the ready backends, optionally sticky per client address (ClientIP affinity). The backend
 * list is replaced as a whole by {@link #update}; a backend no longer in it is never chosen again,
 * while connections already open to it are left alone. Thread-safe: choices run on every event loop
 * at once.
 */
public final class Balancer {

  /** How a backend is picked among the ready ones. */
  public enum Policy {
    ROUND_ROBIN,
    LEAST_CONNECTIONS
  }

  private final Policy policy;
  private final long affinityNanos;
  private final LongSupplier nanoTime;
  private final AtomicInteger next = new AtomicInteger();
  private final Map<Backend, AtomicInteger> open = new ConcurrentHashMap<>();
  private final Map<String, Sticky> sticky = new ConcurrentHashMap<>();
  private volatile List<Backend> ready = List.of();

  private record Sticky(Backend backend, long lastUsed) {}

  /**
   * A balancer; {@code affinitySeconds} 0 means no session affinity, otherwise how long a client
   * keeps its backend after its last new connection.
   */
  public Balancer(Policy policy, long affinitySeconds, LongSupplier nanoTime) {
    this.policy = policy;
    this.affinityNanos = affinitySeconds * 1_000_000_000L;
    this.nanoTime = nanoTime;
  }

  public Policy policy() {
    return policy;
  }

  /** Seconds of ClientIP affinity; 0 for none. */
  public long affinitySeconds() {
    return affinityNanos / 1_000_000_000L;
  }

  /** Replaces the ready backends. */
  public void update(List<Backend> backends) {
    ready = List.copyOf(backends);
    sticky.values().removeIf(s -> !ready.contains(s.backend()));
  }

  /** The ready backends. */
  public List<Backend> ready() {
    return ready;
  }

  /**
   * The backend for a new connection from {@code client}, skipping those in {@code tried} (which
   * refused it already); null when none is left.
   */
  public Backend choose(String client, Set<Backend> tried) {
    List<Backend> now = ready;
    if (now.isEmpty()) {
      return null;
    }
    long at = nanoTime.getAsLong();
    if (affinityNanos > 0 && client != null) {
      Sticky s = sticky.get(client);
      if (s != null
          && at - s.lastUsed() < affinityNanos
          && now.contains(s.backend())
          && !tried.contains(s.backend())) {
        sticky.put(client, new Sticky(s.backend(), at));
        return s.backend();
      }
    }
    Backend chosen =
        policy == Policy.LEAST_CONNECTIONS ? least(now, tried) : roundRobin(now, tried);
    if (chosen != null && affinityNanos > 0 && client != null) {
      sticky.put(client, new Sticky(chosen, at));
    }
    return chosen;
  }

  private Backend roundRobin(List<Backend> now, Set<Backend> tried) {
    int start = Math.floorMod(next.getAndIncrement(), now.size());
    for (int i = 0; i < now.size(); i++) {
      Backend b = now.get((start + i) % now.size());
      if (!tried.contains(b)) {
        return b;
      }
    }
    return null;
  }

  private Backend least(List<Backend> now, Set<Backend> tried) {
    // Ties go round robin, so that an idle service still spreads its connections.
    int start = Math.floorMod(next.getAndIncrement(), now.size());
    Backend best = null;
    int bestOpen = Integer.MAX_VALUE;
    for (int i = 0; i < now.size(); i++) {
      Backend b = now.get((start + i) % now.size());
      if (tried.contains(b)) {
        continue;
      }
      int n = openTo(b);
      if (n < bestOpen) {
        best = b;
        bestOpen = n;
      }
    }
    return best;
  }

  /** A connection to {@code b} was opened. */
  public void opened(Backend b) {
    open.computeIfAbsent(b, k -> new AtomicInteger()).incrementAndGet();
  }

  /** A connection to {@code b} was closed. */
  public void closed(Backend b) {
    AtomicInteger n = open.get(b);
    if (n != null && n.decrementAndGet() <= 0 && !ready.contains(b)) {
      open.remove(b, n);
    }
  }

  /** Connections open to {@code b} through this balancer. */
  public int openTo(Backend b) {
    AtomicInteger n = open.get(b);
    return n == null ? 0 : n.get();
  }

  /** Forgets affinities idle for longer than the timeout. */
  public void expireAffinities() {
    long at = nanoTime.getAsLong();
    sticky.values().removeIf(s -> at - s.lastUsed() >= affinityNanos);
  }
}
