package dev.drover.master.security;

import com.google.protobuf.ByteString;
import dev.drover.api.v1.AddStoreMemberRequest;
import dev.drover.api.v1.CreateTokenRequest;
import dev.drover.api.v1.CreateTokenResponse;
import dev.drover.api.v1.JoinRequest;
import dev.drover.api.v1.JoinResponse;
import dev.drover.api.v1.ListStoreMembersRequest;
import dev.drover.api.v1.ListTokensRequest;
import dev.drover.api.v1.ListTokensResponse;
import dev.drover.api.v1.RenewRequest;
import dev.drover.api.v1.RenewResponse;
import dev.drover.api.v1.RevokeTokenRequest;
import dev.drover.api.v1.RevokeTokenResponse;
import dev.drover.api.v1.SecurityServiceGrpc;
import dev.drover.api.v1.StoreMembers;
import dev.drover.api.v1.TokenInfo;
import dev.drover.api.v1.TokenRole;
import dev.drover.client.tls.PemFiles;
import dev.drover.master.auth.AuditInterceptor;
import dev.drover.master.auth.AuthContext;
import dev.drover.master.auth.AuthorizationRequest.Verb;
import dev.drover.master.auth.Principal;
import dev.drover.master.auth.Role;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves {@code SecurityService}: signs certificates for hosts that join with a token (agents get
 * {@code node:<name>}, masters {@code master:<id>}, the CA key and the key file of Secrets at
 * rest), renews the caller's own certificate, lets cluster admins create, list and revoke tokens,
 * and lets a master add itself to the replicated store ({@link StoreMembership}). Each call names
 * what it does for the audit log ({@link AuditInterceptor#describe}).
 */
public final class SecurityServiceImpl extends SecurityServiceGrpc.SecurityServiceImplBase {
  /** Full name of the one method callers reach without a certificate or bearer token. */
  public static final String JOIN_METHOD = SecurityServiceGrpc.getJoinMethod().getFullMethodName();

  private static final Logger LOG = LoggerFactory.getLogger(SecurityServiceImpl.class);
  private static final String NAME = "[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?";

  private final MasterCredentials credentials;
  private final TokenVerifier joins;
  private final TokenStore tokens;
  private final Supplier<Duration> lifetime;
  private final Supplier<String> secretKeys;
  private volatile StoreMembership members;

  /**
   * Signs with {@code credentials}' CA certificates valid for {@code lifetime}; joins are checked
   * by {@code joins}, tokens managed in {@code tokens} (null before the store is up: then only
   * joins and renewals are served); a joining master receives {@code secretKeys}.
   */
  public SecurityServiceImpl(
      MasterCredentials credentials,
      TokenVerifier joins,
      TokenStore tokens,
      Supplier<Duration> lifetime,
      Supplier<String> secretKeys) {
    this.credentials = credentials;
    this.joins = joins;
    this.tokens = tokens;
    this.lifetime = lifetime;
    this.secretKeys = secretKeys;
  }

  @Override
  public void join(JoinRequest request, StreamObserver<JoinResponse> out) {
    answer(
        out,
        () -> {
          String wanted = (request.getMaster() ? "master:" : "node:") + request.getName();
          AuditInterceptor.describe(null, Verb.CREATE, "certificates", wanted);
          TokenInfo info;
          try {
            info =
                joins.verify(
                    request.getToken(),
                    List.of(TokenRole.TOKEN_ROLE_AGENT, TokenRole.TOKEN_ROLE_MASTER));
          } catch (TokenStore.InvalidTokenException e) {
            LOG.warn("join as {} refused: {}", wanted, e.getMessage());
            throw Status.UNAUTHENTICATED.withDescription(e.getMessage()).asRuntimeException();
          }
          boolean master = info.getRole() == TokenRole.TOKEN_ROLE_MASTER;
          AuditInterceptor.describe(
              new Principal("join-token:" + info.getId(), master ? Role.MASTER : Role.NODE, null),
              Verb.CREATE,
              "certificates",
              wanted);
          if (master != request.getMaster()) {
            LOG.warn(
                "join as {} refused: token {} is a {} token", wanted, info.getId(), role(info));
            throw Status.PERMISSION_DENIED
                .withDescription(
                    "the token "
                        + info.getId()
                        + " is "
                        + (master
                            ? "a master join token: it joins masters only; create an agent token"
                                + " with `drover token create --role agent`"
                            : "an agent join token: a master needs a master token; create one"
                                + " with `drover token create --role master`"))
                .asRuntimeException();
          }
          if (!request.getName().matches(NAME)) {
            throw Status.INVALID_ARGUMENT
                .withDescription("name \"" + request.getName() + "\" is not a DNS name")
                .asRuntimeException();
          }
          Principal holder =
              master
                  ? ClusterPki.masterPrincipal(request.getName())
                  : Principal.node(request.getName());
          CertificateAuthority ca = authority();
          X509Certificate cert =
              ca.issue(
                  publicKey(request.getPublicKey()),
                  holder,
                  request.getAddressesList(),
                  lifetime.get());
          LOG.info("{} joined with token {}", holder.name(), info.getId());
          JoinResponse.Builder response =
              JoinResponse.newBuilder()
                  .setCertificate(PemFiles.certificatesPem(List.of(cert, ca.certificate())))
                  .setCaCertificate(PemFiles.certificatesPem(List.of(ca.certificate())));
          if (master) {
            response
                .setCaPrivateKey(PemFiles.privateKeyPem(ca.key()))
                .setSecretKeys(secretKeys.get());
          }
          return response.build();
        });
  }

  private static String role(TokenInfo info) {
    return TokenStore.roleText(info.getRole());
  }

  @Override
  public void renew(RenewRequest request, StreamObserver<RenewResponse> out) {
    answer(
        out,
        () -> {
          Principal caller = AuthContext.current();
          AuditInterceptor.describe(
              caller, Verb.CREATE, "certificates", caller == null ? null : caller.name());
          if (caller == null || (caller.role() != Role.NODE && caller.role() != Role.MASTER)) {
            throw Status.PERMISSION_DENIED
                .withDescription("only nodes and masters renew certificates here")
                .asRuntimeException();
          }
          CertificateAuthority ca = authority();
          X509Certificate cert =
              ca.issue(
                  publicKey(request.getPublicKey()),
                  caller,
                  request.getAddressesList(),
                  lifetime.get());
          return RenewResponse.newBuilder()
              .setCertificate(PemFiles.certificatesPem(List.of(cert, ca.certificate())))
              .setCaCertificate(PemFiles.certificatesPem(List.of(ca.certificate())))
              .build();
        });
  }

  @Override
  public void createToken(CreateTokenRequest request, StreamObserver<CreateTokenResponse> out) {
    answer(
        out,
        () -> {
          AuditInterceptor.describe(
              AuthContext.current(), Verb.CREATE, "tokens", TokenStore.roleText(request.getRole()));
          requireAdmin();
          try {
            return tokens().create(request);
          } catch (IllegalArgumentException e) {
            throw Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException();
          }
        });
  }

  @Override
  public void listTokens(ListTokensRequest request, StreamObserver<ListTokensResponse> out) {
    answer(
        out,
        () -> {
          AuditInterceptor.describe(AuthContext.current(), Verb.LIST, "tokens", null);
          requireAdmin();
          return ListTokensResponse.newBuilder().addAllTokens(tokens().list()).build();
        });
  }

  @Override
  public void revokeToken(RevokeTokenRequest request, StreamObserver<RevokeTokenResponse> out) {
    answer(
        out,
        () -> {
          AuditInterceptor.describe(AuthContext.current(), Verb.DELETE, "tokens", request.getId());
          requireAdmin();
          if (!tokens().revoke(request.getId())) {
            throw Status.NOT_FOUND
                .withDescription("no token " + request.getId())
                .asRuntimeException();
          }
          return RevokeTokenResponse.getDefaultInstance();
        });
  }

  @Override
  public void addStoreMember(AddStoreMemberRequest request, StreamObserver<StoreMembers> out) {
    answer(
        out,
        () -> {
          Principal caller = AuthContext.current();
          AuditInterceptor.describe(caller, Verb.CREATE, "storemembers", request.getId());
          requireMaster(caller, "adding a store member");
          String self = ClusterPki.masterPrincipal(request.getId()).name();
          if (!caller.name().equals(self)) {
            throw Status.PERMISSION_DENIED
                .withDescription(
                    "id: " + caller.name() + " may add only itself, not " + request.getId())
                .asRuntimeException();
          }
          return members().add(request.getId(), request.getAddress());
        });
  }

  @Override
  public void listStoreMembers(ListStoreMembersRequest request, StreamObserver<StoreMembers> out) {
    answer(
        out,
        () -> {
          Principal caller = AuthContext.current();
          AuditInterceptor.describe(caller, Verb.LIST, "storemembers", null);
          requireMaster(caller, "listing store members");
          return members().list();
        });
  }

  /** Serves the store member calls with {@code members} (a master whose store is replicated). */
  void members(StoreMembership members) {
    this.members = members;
  }

  private StoreMembership members() {
    StoreMembership m = members;
    if (m == null) {
      throw Status.FAILED_PRECONDITION
          .withDescription("this master's store is not a replicated group it can grow")
          .asRuntimeException();
    }
    return m;
  }

  // Only a master's certificate (principal master:<id>) changes or reads the store's members.
  private static void requireMaster(Principal caller, String what) {
    if (caller == null || caller.role() != Role.MASTER || !caller.name().startsWith("master:")) {
      throw Status.PERMISSION_DENIED
          .withDescription(what + " needs a master's certificate of this cluster")
          .asRuntimeException();
    }
  }

  private TokenStore tokens() {
    if (tokens == null) {
      throw Status.UNAVAILABLE
          .withDescription("the cluster's store is not up yet: only master joins are served")
          .asRuntimeException();
    }
    return tokens;
  }

  private CertificateAuthority authority() {
    CertificateAuthority ca = credentials.authority();
    if (ca == null) {
      throw Status.FAILED_PRECONDITION
          .withDescription("this master has no CA key (its TLS files are managed outside Drover)")
          .asRuntimeException();
    }
    return ca;
  }

  // Token management is cluster-admin only whatever authorization adds on top.
  private static void requireAdmin() {
    Principal caller = AuthContext.current();
    if (caller == null || caller.role() != Role.CLUSTER_ADMIN) {
      throw Status.PERMISSION_DENIED
          .withDescription("managing tokens needs the cluster-admin role")
          .asRuntimeException();
    }
  }

  private static PublicKey publicKey(ByteString der) {
    for (String algorithm : List.of("EC", "RSA")) {
      try {
        return KeyFactory.getInstance(algorithm)
            .generatePublic(new X509EncodedKeySpec(der.toByteArray()));
      } catch (GeneralSecurityException e) {
        // Try the next algorithm.
      }
    }
    throw Status.INVALID_ARGUMENT
        .withDescription("public_key: not a DER SubjectPublicKeyInfo of an EC or RSA key")
        .asRuntimeException();
  }

  private static <T> void answer(StreamObserver<T> out, Supplier<T> body) {
    T response;
    try {
      response = body.get();
    } catch (StatusRuntimeException e) {
      out.onError(e);
      return;
    } catch (IllegalStateException e) {
      out.onError(Status.UNAVAILABLE.withDescription(e.getMessage()).asRuntimeException());
      return;
    }
    out.onNext(response);
    out.onCompleted();
  }
}
