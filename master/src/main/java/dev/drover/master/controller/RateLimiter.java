package dev.drover.master.controller;

import dev.drover.client.Backoff;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * Decides how long a failed key waits before it is retried: the larger of a per-key exponential
 * backoff (doubling from {@code baseDelay} up to {@code maxDelay} on each consecutive failure) and
 * an overall token bucket that caps the retry rate of the whole queue, as client-go's default
 * controller rate limiter does.
 */
public final class RateLimiter {
  private final Clock clock;
  private final Duration baseDelay;
  private final Duration maxDelay;
  private final double tokensPerSecond;
  private final double burst;
  private final Map<String, Integer> failures = new HashMap<>();
  private double tokens;
  private Instant lastRefill;

  /**
   * Creates a rate limiter.
   *
   * @param tokensPerSecond sustained retries per second across all keys
   * @param burst retries allowed at once before the bucket slows them down
   */
  public RateLimiter(
      Clock clock, Duration baseDelay, Duration maxDelay, double tokensPerSecond, int burst) {
    this.clock = clock;
    this.baseDelay = baseDelay;
    this.maxDelay = maxDelay;
    this.tokensPerSecond = tokensPerSecond;
    this.burst = burst;
    this.tokens = burst;
    this.lastRefill = clock.instant();
  }

  /** Client-go's defaults: 5 ms to 1000 s per key, 10 retries per second with a burst of 100. */
  public static RateLimiter defaults(Clock clock) {
    return new RateLimiter(clock, Duration.ofMillis(5), Duration.ofSeconds(1000), 10, 100);
  }

  /** Records one more failure of the key and returns how long it must wait. */
  public synchronized Duration when(String key) {
    int count = failures.merge(key, 1, Integer::sum);
    Duration backoff = exponential(count - 1);
    Duration bucket = takeToken();
    return backoff.compareTo(bucket) >= 0 ? backoff : bucket;
  }

  /** How many consecutive failures the key has. */
  public synchronized int failures(String key) {
    return failures.getOrDefault(key, 0);
  }

  /** Clears the key's failure count after a success. */
  public synchronized void forget(String key) {
    failures.remove(key);
  }

  private Duration exponential(int exponent) {
    return Backoff.exponential(baseDelay, maxDelay, exponent);
  }

  // Takes one token. A negative balance is a reservation: the wait grows with the debt, so a
  // storm of failures is spread out at tokensPerSecond.
  private Duration takeToken() {
    Instant now = clock.instant();
    double elapsed = Duration.between(lastRefill, now).toNanos() / 1e9;
    if (elapsed > 0) {
      tokens = Math.min(burst, tokens + elapsed * tokensPerSecond);
      lastRefill = now;
    }
    tokens -= 1;
    return tokens >= 0 ? Duration.ZERO : Duration.ofNanos((long) (-tokens / tokensPerSecond * 1e9));
  }
}
