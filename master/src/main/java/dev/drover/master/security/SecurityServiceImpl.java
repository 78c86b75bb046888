package dev.drover.master.security;

import com.google.protobuf.ByteString;
import dev.drover.api.v1.CreateTokenRequest;
import dev.drover.api.v1.CreateTokenResponse;
import dev.drover.api.v1.JoinRequest;
import dev.drover.api.v1.JoinResponse;
import dev.drover.api.v1.ListTokensRequest;
import dev.drover.api.v1.ListTokensResponse;
import dev.drover.api.v1.RenewRequest;
import dev.drover.api.v1.RenewResponse;
import dev.drover.api.v1.RevokeTokenRequest;
import dev.drover.api.v1.RevokeTokenResponse;
import dev.drover.api.v1.SecurityServiceGrpc;
import dev.drover.api.v1.TokenInfo;
import dev.drover.api.v1.TokenRole;
import dev.drover.client.tls.PemFiles;
import dev.drover.master.auth.AuthContext;
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
 * {@code node:<name>}, masters {@code master:<id>} and the CA key), renews the caller's own
 * certificate, and lets cluster admins create, list and revoke tokens.
 */
public final class SecurityServiceImpl extends SecurityServiceGrpc.SecurityServiceImplBase {
  /** Full name of the one method callers reach without a certificate or bearer token. */
  public static final String JOIN_METHOD = SecurityServiceGrpc.getJoinMethod().getFullMethodName();

  private static final Logger LOG = LoggerFactory.getLogger(SecurityServiceImpl.class);
  private static final String NAME = "[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?";

  private final MasterCredentials credentials;
  private final TokenStore tokens;
  private final Supplier<Duration> lifetime;

  /** Signs with {@code credentials}' CA certificates valid for {@code lifetime}. */
  public SecurityServiceImpl(
      MasterCredentials credentials, TokenStore tokens, Supplier<Duration> lifetime) {
    this.credentials = credentials;
    this.tokens = tokens;
    this.lifetime = lifetime;
  }

  @Override
  public void join(JoinRequest request, StreamObserver<JoinResponse> out) {
    answer(
        out,
        () -> {
          TokenInfo info;
          try {
            info =
                tokens.verify(
                    request.getToken(),
                    List.of(TokenRole.TOKEN_ROLE_AGENT, TokenRole.TOKEN_ROLE_MASTER));
          } catch (TokenStore.InvalidTokenException e) {
            LOG.warn("join as {} refused: {}", request.getName(), e.getMessage());
            throw Status.UNAUTHENTICATED.withDescription(e.getMessage()).asRuntimeException();
          }
          if (!request.getName().matches(NAME)) {
            throw Status.INVALID_ARGUMENT
                .withDescription("name \"" + request.getName() + "\" is not a DNS name")
                .asRuntimeException();
          }
          boolean master = info.getRole() == TokenRole.TOKEN_ROLE_MASTER;
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
            response.setCaPrivateKey(PemFiles.privateKeyPem(ca.key()));
          }
          return response.build();
        });
  }

  @Override
  public void renew(RenewRequest request, StreamObserver<RenewResponse> out) {
    answer(
        out,
        () -> {
          Principal caller = AuthContext.current();
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
          requireAdmin();
          try {
            return tokens.create(request);
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
          requireAdmin();
          return ListTokensResponse.newBuilder().addAllTokens(tokens.list()).build();
        });
  }

  @Override
  public void revokeToken(RevokeTokenRequest request, StreamObserver<RevokeTokenResponse> out) {
    answer(
        out,
        () -> {
          requireAdmin();
          if (!tokens.revoke(request.getId())) {
            throw Status.NOT_FOUND
                .withDescription("no token " + request.getId())
                .asRuntimeException();
          }
          return RevokeTokenResponse.getDefaultInstance();
        });
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
