package dev.drover.master.security;

import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ThreadLocalRandom;

/**
 * When a certificate is renewed: at a random point between 50% and 80% of its lifetime, so that the
 * hosts of a cluster do not all renew at once and a failed renewal has time to be retried.
 */
public final class Rotation {
  private Rotation() {}

  /** How long from {@code now} until {@code certificate} should be renewed (never negative). */
  public static Duration delay(X509Certificate certificate, Instant now) {
    Instant from = certificate.getNotBefore().toInstant();
    long lifetime = certificate.getNotAfter().toInstant().toEpochMilli() - from.toEpochMilli();
    double share = 0.5 + ThreadLocalRandom.current().nextDouble() * 0.3;
    Instant at = from.plusMillis((long) (lifetime * share));
    Duration d = Duration.between(now, at);
    return d.isNegative() ? Duration.ZERO : d;
  }

  /** True when more than {@code share} of {@code certificate}'s lifetime has passed. */
  public static boolean due(X509Certificate certificate, Instant now, double share) {
    long from = certificate.getNotBefore().getTime();
    long lifetime = certificate.getNotAfter().getTime() - from;
    return now.toEpochMilli() - from > lifetime * share;
  }
}
