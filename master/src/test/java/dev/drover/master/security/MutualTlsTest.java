package dev.drover.master.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.drover.api.v1.ClusterInfoRequest;
import dev.drover.api.v1.ControlServiceGrpc;
import dev.drover.api.v1.CreateTokenRequest;
import dev.drover.api.v1.CreateTokenResponse;
import dev.drover.api.v1.JoinRequest;
import dev.drover.api.v1.JoinResponse;
import dev.drover.api.v1.RenewRequest;
import dev.drover.api.v1.RevokeTokenRequest;
import dev.drover.api.v1.SecurityServiceGrpc;
import dev.drover.api.v1.TokenRole;
import dev.drover.client.Channels;
import dev.drover.client.ClientCredentials;
import dev.drover.client.tls.PemFiles;
import dev.drover.client.tls.PinnedCaTrustManager;
import dev.drover.master.Master;
import dev.drover.master.auth.CertificateIdentity;
import dev.drover.master.auth.Principal;
import dev.drover.master.auth.Role;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A master with a managed PKI on a real Netty server: who gets in, with which code, and what the
 * audit log says about the refusals and the joins.
 */
class MutualTlsTest {
  @TempDir Path dir;
  private Master master;
  private final List<ManagedChannel> opened = new ArrayList<>();

  @BeforeEach
  void start() {
    master =
        Master.builder()
            .pki(dir.resolve("pki"))
            .apiPort(0)
            .auditLog(dir.resolve("audit.log"), 1 << 20)
            .start();
  }

  @AfterEach
  void stop() {
    opened.forEach(Channels::close);
    master.close();
  }

  private ManagedChannel open(Function<String, ManagedChannel> how) {
    ManagedChannel c = how.apply("127.0.0.1:" + master.apiPort());
    opened.add(c);
    return c;
  }

  private static Status.Code clusterInfo(ManagedChannel channel) {
    try {
      ControlServiceGrpc.newBlockingStub(channel)
          .withDeadlineAfter(java.time.Duration.ofSeconds(10))
          .clusterInfo(ClusterInfoRequest.getDefaultInstance());
      return Status.Code.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
  }

  private List<String> audit() {
    try {
      return java.nio.file.Files.readAllLines(dir.resolve("audit.log"));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private ClientCredentials admin() {
    return master.security().pki().adminCredentials();
  }

  @Test
  void theAdminCertificateGetsIn() {
    assertThat(clusterInfo(open(t -> Channels.secure(t, admin())))).isEqualTo(Status.Code.OK);
  }

  @Test
  void aPlaintextClientIsRefusedAndAudited() {
    // It never speaks TLS, so no call reaches the master: the connection is refused as such, and
    // its first bytes are what the audit line is written from.
    assertThat(clusterInfo(open(Channels::plaintext))).isEqualTo(Status.Code.UNAVAILABLE);
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(audit())
                    .anySatisfy(
                        l ->
                            assertThat(l)
                                .contains("\"who\":\"127.0.0.1\"")
                                .contains("\"verb\":\"connect\"")
                                .contains("\"name\":\"gRPC API\"")
                                .contains("\"code\":\"UNAVAILABLE\"")
                                .contains("plaintext connection refused")));
  }

  @Test
  void aFloodOfPlaintextConnectionsWritesOneLinePerHost() throws Exception {
    for (int i = 0; i < 100; i++) {
      try (Socket s = new Socket("127.0.0.1", master.apiPort())) {
        s.getOutputStream().write("GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        // The master closes the connection once its TLS handler has seen the bytes.
        assertThat(s.getInputStream().read()).isEqualTo(-1);
      }
    }
    // Each connection was closed by the master after its first bytes were reported, so all 100
    // refusals have been counted: one line, the rest left for the host's next line to count.
    assertThat(audit().stream().filter(l -> l.contains("\"verb\":\"connect\"")).count())
        .isEqualTo(1);
  }

  @Test
  void tlsWithoutCredentialsIsUnauthenticated() {
    ClientCredentials caOnly = new ClientCredentials(admin().caFile(), null, null, null);
    assertThat(clusterInfo(open(t -> Channels.secure(t, caOnly))))
        .isEqualTo(Status.Code.UNAUTHENTICATED);
  }

  @Test
  void aCertificateOfAnotherCaIsUnauthenticatedAndAudited() throws Exception {
    CertificateAuthority other = CertificateAuthority.create("other", Duration.ofDays(1));
    ClientCredentials foreign =
        write(other, new Principal("admin", Role.CLUSTER_ADMIN, null), Instant.now(), "foreign");
    assertThat(clusterInfo(open(t -> Channels.secure(t, foreign))))
        .isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(audit())
        .anySatisfy(
            l ->
                assertThat(l)
                    .contains("\"method\":\"drover.v1.ControlService/ClusterInfo\"")
                    .contains("\"code\":\"UNAUTHENTICATED\"")
                    // The JSON escapes ' (and =) as \\u0027.
                    .contains("is not one of this cluster\\u0027s CA"));
  }

  @Test
  void anExpiredCertificateIsUnauthenticatedAndAudited() throws Exception {
    CertificateAuthority ca = master.security().credentials().authority();
    ClientCredentials expired =
        write(
            ca,
            new Principal("admin", Role.CLUSTER_ADMIN, null),
            Instant.now().minus(Duration.ofHours(1)),
            "expired");
    assertThat(clusterInfo(open(t -> Channels.secure(t, expired))))
        .isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(audit())
        .anySatisfy(
            l ->
                assertThat(l)
                    .contains("\"code\":\"UNAUTHENTICATED\"")
                    .contains("CN\\u003dadmin")
                    .contains("expired at"));
  }

  @Test
  void aBearerTokenWorksUntilRevoked() {
    CreateTokenResponse token =
        SecurityServiceGrpc.newBlockingStub(open(t -> Channels.secure(t, admin())))
            .createToken(
                CreateTokenRequest.newBuilder()
                    .setRole(TokenRole.TOKEN_ROLE_VIEW)
                    .setTtlSeconds(600)
                    .build());
    ManagedChannel withToken =
        open(t -> Channels.secure(t, ClientCredentials.token(admin().caFile(), token.getToken())));
    assertThat(clusterInfo(withToken)).isEqualTo(Status.Code.OK);

    SecurityServiceGrpc.newBlockingStub(open(t -> Channels.secure(t, admin())))
        .revokeToken(RevokeTokenRequest.newBuilder().setId(token.getInfo().getId()).build());
    assertThat(clusterInfo(withToken)).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(audit())
        .anySatisfy(
            l ->
                assertThat(l)
                    .contains("\"who\":\"admin\"")
                    .contains("\"verb\":\"delete\",\"kind\":\"tokens\"")
                    .contains("\"name\":\"" + token.getInfo().getId() + "\"")
                    .contains("\"code\":\"OK\""))
        .anySatisfy(
            l ->
                assertThat(l)
                    .contains("\"who\":null")
                    .contains("\"method\":\"drover.v1.ControlService/ClusterInfo\"")
                    .contains("\"code\":\"UNAUTHENTICATED\""));
  }

  @Test
  void aJoinTokenIsNotABearerToken() {
    String join = createToken(TokenRole.TOKEN_ROLE_AGENT);
    ManagedChannel withToken =
        open(t -> Channels.secure(t, ClientCredentials.token(admin().caFile(), join)));
    assertThat(clusterInfo(withToken)).isEqualTo(Status.Code.UNAUTHENTICATED);
  }

  @Test
  void anAgentJoinsWithAPinnedCaAndGetsANodeCertificate() throws Exception {
    String join = createToken(TokenRole.TOKEN_ROLE_AGENT);
    String digest = join.split("-")[1];
    PinnedCaTrustManager pin = new PinnedCaTrustManager(digest);
    KeyPair pair = CertificateAuthority.newKeyPair();
    JoinResponse response =
        SecurityServiceGrpc.newBlockingStub(open(t -> Channels.pinned(t, pin)))
            .join(
                JoinRequest.newBuilder()
                    .setToken(join)
                    .setName("worker-1")
                    .setPublicKey(ByteString.copyFrom(pair.getPublic().getEncoded()))
                    .addAddresses("10.0.0.7")
                    .build());
    X509Certificate cert = PemFiles.parseCertificates(response.getCertificate(), "join").get(0);
    assertThat(CertificateIdentity.principal(cert)).isEqualTo(Principal.node("worker-1"));
    assertThat(cert.getPublicKey()).isEqualTo(pair.getPublic());
    assertThat(PemFiles.digest(pin.ca())).isEqualTo(digest);
    assertThat(response.getCaPrivateKey()).isEmpty();
    assertThat(response.getSecretKeys()).isEmpty();
    String id = join.split("-")[2];
    assertThat(audit())
        .anySatisfy(
            l ->
                assertThat(l)
                    .contains("\"who\":\"join-token:" + id + "\"")
                    .contains("\"method\":\"drover.v1.SecurityService/Join\"")
                    .contains("\"verb\":\"create\",\"kind\":\"certificates\"")
                    .contains("\"name\":\"node:worker-1\"")
                    .contains("\"code\":\"OK\""));
  }

  @Test
  void aJoinTokenWithAnotherCaDigestSentAnywayIsUnauthenticatedAndAudited() throws Exception {
    String[] parts = createToken(TokenRole.TOKEN_ROLE_AGENT).split("-");
    String wrong = String.join("-", parts[0], "0".repeat(64), parts[2], parts[3]);
    KeyPair pair = CertificateAuthority.newKeyPair();
    assertThatThrownBy(
            () ->
                SecurityServiceGrpc.newBlockingStub(
                        open(t -> Channels.pinned(t, new PinnedCaTrustManager(parts[1]))))
                    .join(
                        JoinRequest.newBuilder()
                            .setToken(wrong)
                            .setName("w")
                            .setPublicKey(ByteString.copyFrom(pair.getPublic().getEncoded()))
                            .build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
              assertThat(e.getStatus().getDescription()).contains("other than this cluster's");
            });
    assertThat(audit())
        .anySatisfy(
            l ->
                assertThat(l)
                    .contains("\"method\":\"drover.v1.SecurityService/Join\"")
                    .contains("\"name\":\"node:w\"")
                    .contains("\"code\":\"UNAUTHENTICATED\""));
  }

  @Test
  void aMasterTokenDoesNotJoinAnAgentNorAnAgentTokenAMaster() throws Exception {
    KeyPair pair = CertificateAuthority.newKeyPair();
    for (TokenRole role : List.of(TokenRole.TOKEN_ROLE_MASTER, TokenRole.TOKEN_ROLE_AGENT)) {
      String token = createToken(role);
      PinnedCaTrustManager pin = new PinnedCaTrustManager(token.split("-")[1]);
      assertThatThrownBy(
              () ->
                  SecurityServiceGrpc.newBlockingStub(open(t -> Channels.pinned(t, pin)))
                      .join(
                          JoinRequest.newBuilder()
                              .setToken(token)
                              .setName("x")
                              .setMaster(role == TokenRole.TOKEN_ROLE_AGENT)
                              .setPublicKey(ByteString.copyFrom(pair.getPublic().getEncoded()))
                              .build()))
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> {
                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
                assertThat(e.getStatus().getDescription())
                    .contains(
                        role == TokenRole.TOKEN_ROLE_AGENT
                            ? "an agent join token: a master needs a master token"
                            : "a master join token: it joins masters only");
              });
    }
    assertThat(audit())
        .filteredOn(l -> l.contains("\"code\":\"PERMISSION_DENIED\"") && l.contains("/Join\""))
        .hasSize(2);
  }

  @Test
  void aJoinTokenWithAnotherCaDigestIsRefusedByTheJoiningHost() {
    String join = createToken(TokenRole.TOKEN_ROLE_AGENT);
    String wrong = "0".repeat(64);
    PinnedCaTrustManager pin = new PinnedCaTrustManager(wrong);
    assertThatThrownBy(
            () ->
                SecurityServiceGrpc.newBlockingStub(open(t -> Channels.pinned(t, pin)))
                    .join(JoinRequest.newBuilder().setToken(join).setName("w").build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    assertThat(pin.ca()).isNull();
  }

  @Test
  void aRevokedJoinTokenIsUnauthenticated() {
    CreateTokenResponse token =
        SecurityServiceGrpc.newBlockingStub(open(t -> Channels.secure(t, admin())))
            .createToken(
                CreateTokenRequest.newBuilder().setRole(TokenRole.TOKEN_ROLE_AGENT).build());
    SecurityServiceGrpc.newBlockingStub(open(t -> Channels.secure(t, admin())))
        .revokeToken(RevokeTokenRequest.newBuilder().setId(token.getInfo().getId()).build());
    PinnedCaTrustManager pin = new PinnedCaTrustManager(token.getToken().split("-")[1]);
    KeyPair pair = CertificateAuthority.newKeyPair();
    assertThatThrownBy(
            () ->
                SecurityServiceGrpc.newBlockingStub(open(t -> Channels.pinned(t, pin)))
                    .join(
                        JoinRequest.newBuilder()
                            .setToken(token.getToken())
                            .setName("w")
                            .setPublicKey(ByteString.copyFrom(pair.getPublic().getEncoded()))
                            .build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
    assertThat(audit())
        .anySatisfy(
            l ->
                assertThat(l)
                    .contains("\"method\":\"drover.v1.SecurityService/Join\"")
                    .contains("\"code\":\"UNAUTHENTICATED\"")
                    .contains("unknown or revoked token"));
  }

  @Test
  void onlyAClusterAdminManagesTokens() {
    CreateTokenResponse view =
        SecurityServiceGrpc.newBlockingStub(open(t -> Channels.secure(t, admin())))
            .createToken(
                CreateTokenRequest.newBuilder().setRole(TokenRole.TOKEN_ROLE_VIEW).build());
    ManagedChannel asView =
        open(t -> Channels.secure(t, ClientCredentials.token(admin().caFile(), view.getToken())));
    assertThatThrownBy(
            () ->
                SecurityServiceGrpc.newBlockingStub(asView)
                    .createToken(
                        CreateTokenRequest.newBuilder()
                            .setRole(TokenRole.TOKEN_ROLE_CLUSTER_ADMIN)
                            .build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
  }

  @Test
  void renewalsAreAuditedAndOnlyNodesAndMastersRenew() throws Exception {
    Path node = dir.resolve("node");
    ClusterPki.issueNode(
        master.security().credentials().authority(),
        node,
        "n1",
        List.of("127.0.0.1"),
        Duration.ofHours(1));
    ClientCredentials asNode =
        ClientCredentials.certificate(
            node.resolve("ca.crt"), node.resolve("node.crt"), node.resolve("node.key"));
    KeyPair pair = CertificateAuthority.newKeyPair();
    RenewRequest renew =
        RenewRequest.newBuilder()
            .setPublicKey(ByteString.copyFrom(pair.getPublic().getEncoded()))
            .build();
    X509Certificate renewed =
        PemFiles.parseCertificates(
                SecurityServiceGrpc.newBlockingStub(open(t -> Channels.secure(t, asNode)))
                    .renew(renew)
                    .getCertificate(),
                "renew")
            .get(0);
    assertThat(CertificateIdentity.principal(renewed)).isEqualTo(Principal.node("n1"));
    assertThatThrownBy(
            () ->
                SecurityServiceGrpc.newBlockingStub(open(t -> Channels.secure(t, admin())))
                    .renew(renew))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
    assertThat(audit())
        .anySatisfy(
            l ->
                assertThat(l)
                    .contains("\"who\":\"node:n1\"")
                    .contains("\"method\":\"drover.v1.SecurityService/Renew\"")
                    .contains("\"verb\":\"create\",\"kind\":\"certificates\"")
                    .contains("\"code\":\"OK\""))
        .anySatisfy(
            l ->
                assertThat(l)
                    .contains("\"who\":\"admin\"")
                    .contains("\"method\":\"drover.v1.SecurityService/Renew\"")
                    .contains("\"code\":\"PERMISSION_DENIED\""));
  }

  @Test
  void missingCredentialFilesFailClosed() {
    ClientCredentials missing =
        ClientCredentials.certificate(
            dir.resolve("nope.crt"), dir.resolve("nope.crt"), dir.resolve("nope.key"));
    assertThatThrownBy(() -> Channels.secure("127.0.0.1:1", missing))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("nope.crt");
  }

  private String createToken(TokenRole role) {
    return SecurityServiceGrpc.newBlockingStub(open(t -> Channels.secure(t, admin())))
        .createToken(CreateTokenRequest.newBuilder().setRole(role).build())
        .getToken();
  }

  private ClientCredentials write(
      CertificateAuthority ca, Principal holder, Instant notBefore, String name) {
    KeyPair pair = CertificateAuthority.newKeyPair();
    X509Certificate cert =
        ca.issue(pair.getPublic(), holder, List.of(), notBefore, notBefore.plusSeconds(600));
    Path certFile = dir.resolve(name + ".crt");
    Path keyFile = dir.resolve(name + ".key");
    PemFiles.write(certFile, PemFiles.certificatesPem(List.of(cert, ca.certificate())), false);
    PemFiles.write(keyFile, PemFiles.privateKeyPem(pair.getPrivate()), true);
    return ClientCredentials.certificate(admin().caFile(), certFile, keyFile);
  }
}
