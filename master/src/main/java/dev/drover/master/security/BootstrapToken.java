package dev.drover.master.security;

import dev.drover.api.v1.TokenInfo;
import dev.drover.api.v1.TokenRole;
import dev.drover.client.tls.PemFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The master join token the first master of a new cluster mints with the cluster CA, before any
 * store exists to hold tokens: the other masters of its {@code --peer} list need certificates to
 * start their store members, and the store has no majority until they do. Kept in {@code
 * pki/master-join-token} (mode 0600; the first line is the token, the second its expiry in epoch
 * seconds, a third line {@code stored} once it is in the store). Until the store is up, the first
 * master serves joins with this token only ({@link BootstrapJoinServer}); once it is up, the token
 * is recorded in the store ({@link TokenStore#adopt}) and is from then on a token like any other,
 * listed, expiring and revocable, and the store alone decides whether it is valid.
 */
public final class BootstrapToken implements TokenVerifier {
  /** File name in the PKI directory. */
  public static final String FILE = "master-join-token";

  /** How long a bootstrap token is valid, as {@code drover token create}'s default. */
  static final Duration LIFETIME = Duration.ofHours(24);

  private final Path file;
  private final String token;
  private final Instant expires;
  private final boolean stored;
  private final Clock clock;

  private BootstrapToken(Path file, String token, Instant expires, boolean stored, Clock clock) {
    this.file = file;
    this.token = token;
    this.expires = expires;
    this.stored = stored;
    this.clock = clock;
  }

  /** Mints a master token of the cluster of {@code ca} and writes it to {@code pkiDir}. */
  static BootstrapToken mint(Path pkiDir, X509Certificate ca, Clock clock) {
    String[] minted = TokenStore.mint();
    BootstrapToken t =
        new BootstrapToken(
            pkiDir.resolve(FILE),
            TokenStore.format(ca, minted[0], minted[1]),
            clock.instant().plus(LIFETIME),
            false,
            clock);
    t.write();
    return t;
  }

  /** The token kept in {@code pkiDir}, or null. */
  static BootstrapToken read(Path pkiDir, Clock clock) {
    Path file = pkiDir.resolve(FILE);
    if (!Files.exists(file)) {
      return null;
    }
    try {
      List<String> lines = Files.readAllLines(file, StandardCharsets.US_ASCII);
      return new BootstrapToken(
          file,
          lines.get(0).strip(),
          Instant.ofEpochSecond(Long.parseLong(lines.get(1).strip())),
          lines.size() > 2 && lines.get(2).strip().equals("stored"),
          clock);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      throw new IllegalStateException(file + " is corrupt (" + e + "); delete it", e);
    }
  }

  private void write() {
    PemFiles.write(
        file, token + "\n" + expires.getEpochSecond() + "\n" + (stored ? "stored\n" : ""), true);
  }

  /** The token text. */
  public String token() {
    return token;
  }

  /** The file it is kept in. */
  public Path file() {
    return file;
  }

  /** Whether the store holds it already (then the store decides, not this file). */
  boolean stored() {
    return stored;
  }

  private TokenInfo info() {
    String[] parts = token.split("-");
    return TokenInfo.newBuilder()
        .setId(parts[2])
        .setRole(TokenRole.TOKEN_ROLE_MASTER)
        .setCreated(TokenStore.timestamp(expires.minus(LIFETIME)))
        .setExpires(TokenStore.timestamp(expires))
        .setDescription("minted by the first master at the cluster's bootstrap")
        .build();
  }

  /** Records the token in {@code tokens} and marks the file, so that only the store decides. */
  BootstrapToken handOver(TokenStore tokens) {
    tokens.adopt(token, info());
    BootstrapToken done = new BootstrapToken(file, token, expires, true, clock);
    done.write();
    return done;
  }

  @Override
  public TokenInfo verify(String presented, List<TokenRole> roles) {
    String[] theirs = presented.strip().split("-");
    String[] ours = token.split("-");
    if (theirs.length == 4 && !theirs[1].equalsIgnoreCase(ours[1])) {
      throw new TokenStore.InvalidTokenException(
          "the token pins a CA (sha256 "
              + theirs[1]
              + ") other than this cluster's (sha256 "
              + ours[1]
              + ")");
    }
    if (theirs.length != 4
        || !theirs[2].equals(ours[2])
        || !MessageDigest.isEqual(
            presented.strip().getBytes(StandardCharsets.US_ASCII),
            token.getBytes(StandardCharsets.US_ASCII))) {
      throw new TokenStore.InvalidTokenException(
          "until the cluster's store is up, this master accepts only the master token it minted"
              + " at bootstrap (first line of "
              + file
              + ")");
    }
    return TokenStore.check(info(), roles, clock.instant());
  }
}
