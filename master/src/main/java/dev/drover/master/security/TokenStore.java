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
import dev.drover.store.v1.Compare;
import dev.drover.store.v1.PutRequest;
import dev.drover.store.v1.RequestOp;
import dev.drover.store.v1.TxnRequest;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Join and bearer tokens, kept in the replicated store under {@code /security/tokens/<id>} as the
 * SHA-256 of their secret, never the secret. A token reads {@code DRV1-<ca digest>-<id>-<secret>}:
 * the CA digest lets a joining host pin the cluster CA on first contact, the id finds the record,
 * the secret proves possession.
 *
 * <p>Every check reads the record with a linearizable read, never from a cache: once {@link
 * #revoke} has returned (its delete is committed), a check on any master reads through the Raft
 * leader and finds no record, so a revoked token is refused everywhere at once. The store batches
 * concurrent linearizable reads, so this costs one read round per batch of bearer-token calls;
 * certificate holders (the CLI, agents, masters) never reach it.
 */
public final class TokenStore implements TokenAuthenticator, TokenVerifier {
  static final String PREFIX = "/security/tokens/";
  private static final String VERSION = "DRV1";
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final HexFormat HEX = HexFormat.of();

  private final KvStore kv;
  private final X509Certificate ca;
  private final Clock clock;

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
    String[] minted = mint();
    String id = minted[0];
    String secretHex = minted[1];
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
    await(kv.put(Keys.of(PREFIX + id), stored(info.build(), secretHex).toByteString()));
    return CreateTokenResponse.newBuilder()
        .setInfo(info)
        .setToken(format(ca, id, secretHex))
        .build();
  }

  /** A new id and secret (hex), the variable parts of a token. */
  static String[] mint() {
    byte[] idBytes = new byte[6];
    byte[] secret = new byte[16];
    RANDOM.nextBytes(idBytes);
    RANDOM.nextBytes(secret);
    return new String[] {HEX.formatHex(idBytes), HEX.formatHex(secret)};
  }

  /** The token text of {@code id} and {@code secret} for the cluster of {@code ca}. */
  static String format(X509Certificate ca, String id, String secret) {
    return String.join("-", VERSION, PemFiles.digest(ca), id, secret);
  }

  private static StoredToken stored(TokenInfo info, String secret) {
    return StoredToken.newBuilder()
        .setInfo(info)
        .setSecretSha256(ByteString.copyFrom(sha256(secret)))
        .build();
  }

  /**
   * Records {@code token} (minted before the store was up, {@link BootstrapToken}) with {@code
   * info} unless a record of its id exists; from then on it is a token like any other, listed and
   * revocable.
   */
  void adopt(String token, TokenInfo info) {
    String[] parts = token.strip().split("-");
    await(
        ClusterPki.putIfAbsent(
            kv, Keys.of(PREFIX + parts[2]), stored(info, parts[3]).toByteString()));
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
    return await(kv.delete(Keys.of(PREFIX + id))).getDeleted() > 0;
  }

  /**
   * Moves the expiry of token {@code id} to {@code expires}, unless it was revoked meanwhile (the
   * record is replaced only if it is still the one read, so a revocation is never undone); false
   * when there is no such token.
   */
  public boolean extend(String id, Instant expires) {
    var response = await(kv.get(Keys.of(PREFIX + id)));
    if (response.getKvsCount() == 0) {
      return false;
    }
    var current = response.getKvs(0);
    StoredToken stored = parse(current.getValue());
    StoredToken extended =
        stored.toBuilder()
            .setInfo(stored.getInfo().toBuilder().setExpires(timestamp(expires)))
            .build();
    ByteString key = Keys.of(PREFIX + id);
    return await(
            kv.txn(
                TxnRequest.newBuilder()
                    .addCompare(
                        Compare.newBuilder()
                            .setKey(key)
                            .setTarget(Compare.CompareTarget.MOD)
                            .setResult(Compare.CompareResult.EQUAL)
                            .setModRevision(current.getModRevision()))
                    .addSuccess(
                        RequestOp.newBuilder()
                            .setRequestPut(
                                PutRequest.newBuilder()
                                    .setKey(key)
                                    .setValue(extended.toByteString())))
                    .build()))
        .getSucceeded();
  }

  /**
   * The record of a valid {@code token} with one of {@code roles}.
   *
   * @throws InvalidTokenException when the token is malformed, of another cluster, unknown,
   *     revoked, expired or of another role
   */
  @Override
  public TokenInfo verify(String token, List<TokenRole> roles) {
    String[] parts = split(token, ca);
    StoredToken stored = lookup(parts[2]);
    if (stored == null
        || !MessageDigest.isEqual(sha256(parts[3]), stored.getSecretSha256().toByteArray())) {
      throw new InvalidTokenException("unknown or revoked token");
    }
    return check(stored.getInfo(), roles, clock.instant());
  }

  /** The four parts of {@code token}, checked to be a token of the cluster of {@code ca}. */
  static String[] split(String token, X509Certificate ca) {
    String[] parts = token.strip().split("-");
    if (parts.length != 4 || !parts[0].equals(VERSION)) {
      throw new InvalidTokenException("not a Drover token (expected DRV1-<ca>-<id>-<secret>)");
    }
    if (!parts[1].equalsIgnoreCase(PemFiles.digest(ca))) {
      throw new InvalidTokenException(
          "the token pins a CA (sha256 "
              + parts[1]
              + ") other than this cluster's (sha256 "
              + PemFiles.digest(ca)
              + ")");
    }
    return parts;
  }

  /** {@code info} if it has not expired at {@code now} and has one of {@code roles}. */
  static TokenInfo check(TokenInfo info, List<TokenRole> roles, Instant now) {
    if (info.hasExpires() && !now.isBefore(instant(info.getExpires()))) {
      throw new InvalidTokenException(
          "the token " + info.getId() + " expired at " + instant(info.getExpires()));
    }
    if (!roles.contains(info.getRole())) {
      throw new InvalidTokenException(
          "the token "
              + info.getId()
              + " has role "
              + roleText(info.getRole())
              + ", not "
              + String.join(" or ", roles.stream().map(TokenStore::roleText).toList()));
    }
    return info;
  }

  /** A role as the CLI spells it ({@code agent}, {@code cluster-admin}). */
  static String roleText(TokenRole role) {
    return role.name()
        .substring("TOKEN_ROLE_".length())
        .toLowerCase(java.util.Locale.ROOT)
        .replace('_', '-');
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
    // Linearizable on purpose (see the class comment): no cache may outlive a revocation.
    var response = await(kv.get(Keys.of(PREFIX + id)));
    return response.getKvsCount() == 0 ? null : parse(response.getKvs(0).getValue());
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

  static Timestamp timestamp(Instant t) {
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
