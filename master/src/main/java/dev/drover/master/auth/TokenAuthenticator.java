package dev.drover.master.auth;

/** Turns a bearer token into the principal it was issued for. */
@FunctionalInterface
public interface TokenAuthenticator {
  /** The principal of {@code token}, or null when it is unknown, expired or revoked. */
  Principal authenticate(String token);

  /** Accepts no token at all. */
  TokenAuthenticator NONE = token -> null;
}
