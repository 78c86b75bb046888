package dev.drover.master.auth;

import io.grpc.Context;

/**
 * Carries the authenticated {@link Principal} of the call being served. Authentication puts it in
 * the gRPC {@link Context}; authorization, audit and the services read it from there, so no service
 * trusts a name sent in a request.
 */
public final class AuthContext {
  /** The caller of the current call; absent when the call was not authenticated. */
  public static final Context.Key<Principal> PRINCIPAL = Context.key("drover-principal");

  private AuthContext() {}

  /** The current call's principal, or {@code null} when none was authenticated. */
  public static Principal current() {
    return PRINCIPAL.get();
  }
}
