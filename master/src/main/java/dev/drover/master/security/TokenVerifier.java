package dev.drover.master.security;

import dev.drover.api.v1.TokenInfo;
import dev.drover.api.v1.TokenRole;
import java.util.List;

/**
 * Decides whether a join token is valid: the store's tokens ({@link TokenStore}), or, on the first
 * master of a new cluster before its store is up, the token it minted ({@link BootstrapToken}).
 */
public interface TokenVerifier {
  /**
   * The record of a valid {@code token} with one of {@code roles}.
   *
   * @throws TokenStore.InvalidTokenException when the token is not valid for one of {@code roles}
   */
  TokenInfo verify(String token, List<TokenRole> roles);
}
