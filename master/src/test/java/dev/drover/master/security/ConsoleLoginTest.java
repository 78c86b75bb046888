package dev.drover.master.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.drover.api.v1.TokenInfo;
import dev.drover.api.v1.TokenRole;
import dev.drover.store.KvStores;
import dev.drover.store.api.KvStore;
import dev.drover.testing.FakeClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The console login token: short-lived and extended while its master runs, revoked by the next
 * start of the same master when the run that minted it was killed, and never brought back by an
 * extension once revoked.
 */
class ConsoleLoginTest {
  private static final List<TokenRole> ADMIN = List.of(TokenRole.TOKEN_ROLE_CLUSTER_ADMIN);

  private final KvStore kv = KvStores.inMemory();
  private final FakeClock clock = new FakeClock();
  private final TokenStore tokens =
      new TokenStore(
          kv, CertificateAuthority.create("test", Duration.ofDays(1)).certificate(), clock);
  private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();

  @AfterEach
  void stop() {
    timers.shutdownNow();
    kv.close();
  }

  private Instant expires(String id) {
    TokenInfo info =
        tokens.list().stream().filter(t -> t.getId().equals(id)).findFirst().orElseThrow();
    return Instant.ofEpochSecond(info.getExpires().getSeconds(), info.getExpires().getNanos());
  }

  @Test
  void theTokenIsShortLivedAndExtendedWhileTheMasterRuns() {
    ConsoleLogin login = ConsoleLogin.start(tokens, "m1", clock, timers, Duration.ofMillis(50));
    assertThat(expires(login.id())).isEqualTo(clock.instant().plus(ConsoleLogin.LIFETIME));
    clock.advance(ConsoleLogin.LIFETIME.plusMinutes(10));
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> expires(login.id()).isAfter(clock.instant()));
    assertThat(tokens.verify(login.token(), ADMIN).getId()).isEqualTo(login.id());
    login.close();
    assertThatThrownBy(() -> tokens.verify(login.token(), ADMIN))
        .isInstanceOf(TokenStore.InvalidTokenException.class);
  }

  @Test
  void aStartRevokesTheTokenOfAKilledRunOfTheSameMasterOnly() {
    // The first run is never closed, as a killed master's is not: its token stays behind.
    ConsoleLogin killed = ConsoleLogin.start(tokens, "m1", clock, timers, Duration.ofHours(1));
    ConsoleLogin other = ConsoleLogin.start(tokens, "m2", clock, timers, Duration.ofHours(1));
    ConsoleLogin next = ConsoleLogin.start(tokens, "m1", clock, timers, Duration.ofHours(1));
    assertThatThrownBy(() -> tokens.verify(killed.token(), ADMIN))
        .isInstanceOf(TokenStore.InvalidTokenException.class)
        .hasMessageContaining("revoked");
    assertThat(tokens.verify(next.token(), ADMIN).getId()).isEqualTo(next.id());
    assertThat(tokens.verify(other.token(), ADMIN).getId()).isEqualTo(other.id());
  }

  @Test
  void anExtensionDoesNotBringARevokedTokenBack() {
    ConsoleLogin login = ConsoleLogin.start(tokens, "m1", clock, timers, Duration.ofHours(1));
    assertThat(tokens.revoke(login.id())).isTrue();
    assertThat(tokens.extend(login.id(), clock.instant().plus(Duration.ofDays(1)))).isFalse();
    assertThat(tokens.list()).isEmpty();
  }
}
