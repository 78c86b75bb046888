package dev.drover.master.security;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Timestamp;
import dev.drover.api.v1.CreateTokenRequest;
import dev.drover.api.v1.CreateTokenResponse;
import dev.drover.api.v1.StoredToken;
import dev.drover.api.v1.TokenInfo;
import dev.drover.api.v1.TokenRole;
import dev.drover.client.tls.PemFiles;
import dev.drover.master.auth.Principal;
import dev.drover.master.auth.Role;
import dev.drover.master.auth.TokenAuthenticator;
import dev.drover.store.api.Keys;
import dev.drover.store.api.KvStore;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Join and bearer tokens, kept in the replicated store under {@code /security/tokens/<id>} as the
 * SHA-256 of their secret, never the secret. A token reads {@code DRV1-<ca digest>-<id>-<secret>}:
 * the CA digest lets a joining host pin the cluster CA on first contact, the id finds the record,
 * the secret proves possession. Lookups are cached for a few seconds; a revocation on this master
 * takes effect at once, on the others within that time.
 */
public final class TokenStore implements TokenAuthenticator {
  static final String PREFIX = "/security/tokens/";
  private static final String VERSION = "DRV1";
  private static final long CACHE_NANOS = TimeUnit.SECONDS.toNanos(3);
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final HexFormat HEX = HexFormat.of();

  private final KvStore kv;
  private final X509Certificate ca;
  private final Clock clock;
  private final Map<String, Cached> cache = new ConcurrentHashMap<>();

  private record Cached(StoredToken token, long loadedNanos) {}

  /** A token that is not (or no longer) valid, with the reason for the log. */
  public static final class InvalidTokenException extends RuntimeException {
    InvalidTokenException(String message) {
      super(message);
    }
  }

  /** Tokens of the cluster whose CA is {@code ca}. */
  public TokenStore(KvStore kv, X509Certificate ca, Clock clock) {
    this.kv = kv;
    this.ca = ca;
    this.clock = clock;
  }

  /** Creates a token; the secret is in the response only. */
  public CreateTokenResponse create(CreateTokenRequest request) {
    if (request.getRole() == TokenRole.TOKEN_ROLE_UNSPECIFIED
        || request.getRole() == TokenRole.UNRECOGNIZED) {
      throw new IllegalArgumentException("a token needs a role");
    }
    if (request.getRole() == TokenRole.TOKEN_ROLE_NAMESPACE_ADMIN
        && request.getNamespace().isEmpty()) {
      throw new IllegalArgumentException("a namespace-admin token needs a namespace");
    }
    byte[] idBytes = new byte[6];
    byte[] secret = new byte[16];
    RANDOM.nextBytes(idBytes);
    RANDOM.nextBytes(secret);
    String id = HEX.formatHex(idBytes);
    String secretHex = HEX.formatHex(secret);
    Instant now = clock.instant();
    TokenInfo.Builder info =
        TokenInfo.newBuilder()
            .setId(id)
            .setRole(request.getRole())
            .setNamespace(request.getNamespace())
            .setDescription(request.getDescription())
            .setCreated(timestamp(now));
    if (request.getTtlSeconds() > 0) {
      info.setExpires(timestamp(now.plusSeconds(request.getTtlSeconds())));
    }
    StoredToken stored =
        StoredToken.newBuilder()
            .setInfo(info)
            .setSecretSha256(ByteString.copyFrom(sha256(secretHex)))
            .build();
    await(kv.put(Keys.of(PREFIX + id), stored.toByteString()));
    return CreateTokenResponse.newBuilder()
        .setInfo(info)
        .setToken(String.join("-", VERSION, PemFiles.digest(ca), id, secretHex))
        .build();
  }

  /** Every token, expired ones included. */
  public List<TokenInfo> list() {
    List<TokenInfo> out = new ArrayList<>();
    for (var kvp : await(kv.getPrefix(Keys.of(PREFIX))).getKvsList()) {
      out.add(parse(kvp.getValue()).getInfo());
    }
    return out;
  }

  /** Revokes token {@code id}; false when there was none. */
  public boolean revoke(String id) {
    cache.remove(id);
    return await(kv.delete(Keys.of(PREFIX + id))).getDeleted() > 0;
  }

  /**
   * The record of a valid {@code token} with one of {@code roles}.
   *
   * @throws InvalidTokenException when the token is malformed, of another cluster, unknown,
   *     revoked, expired or of another role
   */
  public TokenInfo verify(String token, List<TokenRole> roles) {
    String[] parts = token.strip().split("-");
    if (parts.length != 4 || !parts[0].equals(VERSION)) {
      throw new InvalidTokenException("not a Drover token");
    }
    if (!parts[1].equalsIgnoreCase(PemFiles.digest(ca))) {
      throw new InvalidTokenException("the token is for a cluster with another CA");
    }
    StoredToken stored = lookup(parts[2]);
    if (stored == null
        || !MessageDigest.isEqual(sha256(parts[3]), stored.getSecretSha256().toByteArray())) {
      throw new InvalidTokenException("unknown or revoked token");
    }
    TokenInfo info = stored.getInfo();
    if (info.hasExpires() && !clock.instant().isBefore(instant(info.getExpires()))) {
      throw new InvalidTokenException("the token expired");
    }
    if (!roles.contains(info.getRole())) {
      throw new InvalidTokenException("the token's role " + info.getRole() + " does not fit");
    }
    return info;
  }

  @Override
  public Principal authenticate(String token) {
    TokenInfo info;
    try {
      info =
          verify(
              token,
              List.of(
                  TokenRole.TOKEN_ROLE_CLUSTER_ADMIN,
                  TokenRole.TOKEN_ROLE_NAMESPACE_ADMIN,
                  TokenRole.TOKEN_ROLE_EDIT,
                  TokenRole.TOKEN_ROLE_VIEW));
    } catch (InvalidTokenException | IllegalStateException e) {
      return null;
    }
    Role role =
        switch (info.getRole()) {
          case TOKEN_ROLE_CLUSTER_ADMIN -> Role.CLUSTER_ADMIN;
          case TOKEN_ROLE_NAMESPACE_ADMIN -> Role.NAMESPACE_ADMIN;
          case TOKEN_ROLE_EDIT -> Role.EDIT;
          default -> Role.VIEW;
        };
    return new Principal(
        "token:" + info.getId(), role, info.getNamespace().isEmpty() ? null : info.getNamespace());
  }

  private StoredToken lookup(String id) {
    long now = System.nanoTime();
    Cached c = cache.get(id);
    if (c != null && now - c.loadedNanos < CACHE_NANOS) {
      return c.token;
    }
    var response = await(kv.get(Keys.of(PREFIX + id)));
    StoredToken token = response.getKvsCount() == 0 ? null : parse(response.getKvs(0).getValue());
    cache.put(id, new Cached(token, now));
    return token;
  }

  private static StoredToken parse(ByteString bytes) {
    try {
      return StoredToken.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("a stored token is corrupt", e);
    }
  }

  private static byte[] sha256(String secret) {
    try {
      return MessageDigest.getInstance("SHA-256")
          .digest(secret.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Timestamp timestamp(Instant t) {
    return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
  }

  private static Instant instant(Timestamp t) {
    return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
  }

  private static <T> T await(CompletableFuture<T> f) {
    try {
      return f.get(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("the token store is unavailable: " + e, e);
    }
  }
}
