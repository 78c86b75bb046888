package dev.drover.store.api;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** Tunables shared by every store implementation, with defaults that work on one machine. */
public final class StoreOptions {
  private long autoCompactRetention = 10_000;
  private Duration progressNotifyInterval = Duration.ofSeconds(5);
  private Duration leaseCheckInterval = Duration.ofMillis(250);
  private long snapshotEveryEntries = 10_000;
  private Duration electionTimeoutMin = Duration.ofMillis(1000);
  private Duration electionTimeoutMax = Duration.ofMillis(2000);
  private Duration requestTimeout = Duration.ofSeconds(10);
  private long logSegmentBytes = 8L * 1024 * 1024;
  private int batchesInFlight = 1;
  private int maxBatchRequests = 256;
  private final Map<String, String> ratisProperties = new LinkedHashMap<>();

  /** Revisions of history kept by automatic compaction; 0 disables it. */
  public long autoCompactRetention() {
    return autoCompactRetention;
  }

  /** Sets {@link #autoCompactRetention()}. */
  public StoreOptions autoCompactRetention(long revisions) {
    if (revisions < 0) {
      throw KvStoreException.invalid("autoCompactRetention", "must not be negative");
    }
    this.autoCompactRetention = revisions;
    return this;
  }

  /** How often idle, caught-up watchers that asked for it get a progress notification. */
  public Duration progressNotifyInterval() {
    return progressNotifyInterval;
  }

  /** Sets {@link #progressNotifyInterval()}. */
  public StoreOptions progressNotifyInterval(Duration d) {
    this.progressNotifyInterval = positive("progressNotifyInterval", d);
    return this;
  }

  /** How often the leader looks for expired leases. */
  public Duration leaseCheckInterval() {
    return leaseCheckInterval;
  }

  /** Sets {@link #leaseCheckInterval()}. */
  public StoreOptions leaseCheckInterval(Duration d) {
    this.leaseCheckInterval = positive("leaseCheckInterval", d);
    return this;
  }

  /** Log entries between automatic snapshots (replicated store only). */
  public long snapshotEveryEntries() {
    return snapshotEveryEntries;
  }

  /** Sets {@link #snapshotEveryEntries()}. */
  public StoreOptions snapshotEveryEntries(long n) {
    if (n < 1) {
      throw KvStoreException.invalid("snapshotEveryEntries", "must be at least 1");
    }
    this.snapshotEveryEntries = n;
    return this;
  }

  /** Lower bound of the randomized Raft election timeout. */
  public Duration electionTimeoutMin() {
    return electionTimeoutMin;
  }

  /** Upper bound of the randomized Raft election timeout. */
  public Duration electionTimeoutMax() {
    return electionTimeoutMax;
  }

  /** Sets the Raft election timeout range. */
  public StoreOptions electionTimeout(Duration min, Duration max) {
    positive("electionTimeoutMin", min);
    positive("electionTimeoutMax", max);
    if (max.compareTo(min) <= 0) {
      throw KvStoreException.invalid("electionTimeoutMax", "must be greater than the minimum");
    }
    this.electionTimeoutMin = min;
    this.electionTimeoutMax = max;
    return this;
  }

  /** How long one operation may take before it fails with TIMEOUT. */
  public Duration requestTimeout() {
    return requestTimeout;
  }

  /** Sets {@link #requestTimeout()}. */
  public StoreOptions requestTimeout(Duration d) {
    this.requestTimeout = positive("requestTimeout", d);
    return this;
  }

  /** Size at which a Raft log segment is closed; only closed segments can be purged. */
  public long logSegmentBytes() {
    return logSegmentBytes;
  }

  /** Sets {@link #logSegmentBytes()}. */
  public StoreOptions logSegmentBytes(long bytes) {
    if (bytes < 16 * 1024) {
      throw KvStoreException.invalid("logSegmentBytes", "must be at least 16 KiB");
    }
    this.logSegmentBytes = bytes;
    return this;
  }

  /**
   * Batches of requests one store (member or client) keeps in flight per kind (writes, linearizable
   * reads). Requests that arrive while that many are in flight wait and go together in the next
   * batch: one log entry, one fsync and one round trip for all of them (group commit). 1 (the
   * default) gives the largest batches and the least CPU per request; more overlaps round trips (2
   * was slower in the store benchmark: BENCHMARKS.md, Store).
   */
  public int batchesInFlight() {
    return batchesInFlight;
  }

  /** Sets {@link #batchesInFlight()}. */
  public StoreOptions batchesInFlight(int n) {
    if (n < 1 || n > 64) {
      throw KvStoreException.invalid("batchesInFlight", "must be between 1 and 64, got " + n);
    }
    this.batchesInFlight = n;
    return this;
  }

  /** Most requests in one batch. */
  public int maxBatchRequests() {
    return maxBatchRequests;
  }

  /** Sets {@link #maxBatchRequests()}; 1 turns batching off. */
  public StoreOptions maxBatchRequests(int n) {
    if (n < 1 || n > 4096) {
      throw KvStoreException.invalid("maxBatchRequests", "must be between 1 and 4096, got " + n);
    }
    this.maxBatchRequests = n;
    return this;
  }

  /**
   * Extra Ratis server properties ({@code raft.server.*}) applied over the store's own, for tuning
   * experiments and benchmarks. The store's durability does not depend on them except through keys
   * that say so ({@code raft.server.log.unsafe-flush.enabled} is refused).
   */
  public Map<String, String> ratisProperties() {
    return Map.copyOf(ratisProperties);
  }

  /** Adds one of {@link #ratisProperties()}. */
  public StoreOptions ratisProperty(String key, String value) {
    if (key == null || !key.startsWith("raft.")) {
      throw KvStoreException.invalid("ratisProperty", "not a Ratis property key: " + key);
    }
    if (key.equals("raft.server.log.unsafe-flush.enabled")) {
      throw KvStoreException.invalid(
          "ratisProperty",
          key + " would acknowledge writes before they are on disk; the store never allows it");
    }
    if (value == null) {
      throw KvStoreException.invalid("ratisProperty", "value of " + key + " is null");
    }
    ratisProperties.put(key, value);
    return this;
  }

  private static Duration positive(String field, Duration d) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw KvStoreException.invalid(field, "must be a positive duration");
    }
    return d;
  }
}
