package dev.drover.store;

import java.time.Duration;

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

  private static Duration positive(String field, Duration d) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw KvStoreException.invalid(field, "must be a positive duration");
    }
    return d;
  }
}
