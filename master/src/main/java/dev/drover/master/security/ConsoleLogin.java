package dev.drover.master.security;

import dev.drover.api.v1.CreateTokenRequest;
import dev.drover.api.v1.CreateTokenResponse;
import dev.drover.api.v1.TokenInfo;
import dev.drover.api.v1.TokenRole;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster-admin token of the web console's login link ({@code drover dev}). It must not outlive
 * the master that printed it, and a master killed (SIGKILL, power loss) cannot revoke it at its
 * stop, so the token is short-lived ({@link #LIFETIME}) and extended while the master runs, and a
 * master's start revokes the login tokens an earlier run of the same master id left behind.
 */
public final class ConsoleLogin implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ConsoleLogin.class);

  /** How long the token stays valid after the master last extended it. */
  public static final Duration LIFETIME = Duration.ofHours(1);

  // Several extensions fit in a lifetime, so a store briefly unavailable does not expire it.
  private static final Duration EXTEND_EVERY = LIFETIME.dividedBy(4);

  private final TokenStore tokens;
  private final CreateTokenResponse minted;
  private final ScheduledFuture<?> extension;

  private ConsoleLogin(
      TokenStore tokens,
      CreateTokenResponse minted,
      Clock clock,
      ScheduledExecutorService timers,
      Duration every) {
    this.tokens = tokens;
    this.minted = minted;
    this.extension =
        timers.scheduleWithFixedDelay(
            () -> extend(clock), every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Revokes the login tokens an earlier run of master {@code masterId} left, mints this run's and
   * extends it on {@code timers} until {@link #close}.
   */
  public static ConsoleLogin start(
      TokenStore tokens, String masterId, Clock clock, ScheduledExecutorService timers) {
    return start(tokens, masterId, clock, timers, EXTEND_EVERY);
  }

  /**
   * As {@link #start(TokenStore, String, Clock, ScheduledExecutorService)}, extending this often.
   */
  static ConsoleLogin start(
      TokenStore tokens,
      String masterId,
      Clock clock,
      ScheduledExecutorService timers,
      Duration every) {
    String description = description(masterId);
    for (TokenInfo t : tokens.list()) {
      if (t.getRole() == TokenRole.TOKEN_ROLE_CLUSTER_ADMIN
          && t.getDescription().equals(description)) {
        tokens.revoke(t.getId());
        LOG.info("revoked console login token {} of an earlier run of {}", t.getId(), masterId);
      }
    }
    CreateTokenResponse minted =
        tokens.create(
            CreateTokenRequest.newBuilder()
                .setRole(TokenRole.TOKEN_ROLE_CLUSTER_ADMIN)
                .setDescription(description)
                .setTtlSeconds(LIFETIME.toSeconds())
                .build());
    return new ConsoleLogin(tokens, minted, clock, timers, every);
  }

  /** The description that marks master {@code masterId}'s login tokens. */
  static String description(String masterId) {
    return "web console login of " + masterId;
  }

  /** The token text for the link. */
  public String token() {
    return minted.getToken();
  }

  /** The token's id. */
  public String id() {
    return minted.getInfo().getId();
  }

  private void extend(Clock clock) {
    try {
      if (!tokens.extend(id(), clock.instant().plus(LIFETIME))) {
        // Revoked by an admin: the link stops working, as any revoked token's would.
        LOG.warn("the console login token {} was revoked; not extending it", id());
        extension.cancel(false);
      }
    } catch (RuntimeException e) {
      LOG.warn("could not extend the console login token: {}", e.toString());
    }
  }

  /** Stops extending and revokes the token. */
  @Override
  public void close() {
    extension.cancel(false);
    try {
      tokens.revoke(id());
    } catch (RuntimeException e) {
      LOG.warn("could not revoke the console login token: {}", e.toString());
    }
  }
}
