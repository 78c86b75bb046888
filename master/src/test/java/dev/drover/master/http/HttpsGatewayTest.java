package dev.drover.master.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.drover.api.v1.CreateTokenRequest;
import dev.drover.api.v1.CreateTokenResponse;
import dev.drover.api.v1.TokenRole;
import dev.drover.client.manifest.JsonText;
import dev.drover.client.tls.PemFiles;
import dev.drover.client.tls.ReloadingKeyManager;
import dev.drover.client.tls.TrustManagers;
import dev.drover.master.Master;
import dev.drover.master.auth.Principal;
import dev.drover.master.auth.Role;
import dev.drover.master.security.CertificateAuthority;
import dev.drover.store.KvStores;
import dev.drover.store.api.Keys;
import dev.drover.store.api.KvStore;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway of a TLS master: HTTPS with the master's own certificate (rotated certificates reach
 * new connections), the gRPC API's credentials (a client certificate of the cluster CA with the
 * principal and role it names, or a bearer token), 401 and 403 as Kubernetes' Status and written to
 * the audit log with the HTTP client's address, a certificate of another CA and plain HTTP refused,
 * and plain HTTP only from a master started insecure.
 */
class HttpsGatewayTest {
  private static final String CM = "/api/v1/namespaces/default/configmaps";

  @TempDir Path dir;
  private Master master;

  @AfterEach
  void stop() {
    if (master != null) {
      master.close();
    }
  }

  private Master start(Duration certificateLifetime) {
    master =
        Master.builder()
            .certificateLifetime(certificateLifetime)
            .pki(dir.resolve("pki"))
            .apiPort(-1)
            .httpPort(0)
            .auditLog(dir.resolve("audit.log"), 10L * 1024 * 1024)
            .scheduler(false)
            .controllers(false)
            .start();
    return master;
  }

  private record Answer(int code, Map<String, Object> json) {}

  /** TLS trusting the cluster CA only, presenting {@code keys} when given. */
  private SSLContext tls(KeyManager keys) throws Exception {
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(
        keys == null ? null : new KeyManager[] {keys},
        new TrustManager[] {
          TrustManagers.forCas(List.of(master.security().credentials().caCertificate()))
        },
        null);
    return context;
  }

  /** A key manager presenting a certificate {@code issuer} signs for {@code holder}. */
  private KeyManager certificate(CertificateAuthority issuer, Principal holder, String file) {
    KeyPair pair = CertificateAuthority.newKeyPair();
    X509Certificate cert =
        issuer.issue(pair.getPublic(), holder, List.of(), Duration.ofMinutes(10));
    Path certFile = dir.resolve(file + ".crt");
    Path keyFile = dir.resolve(file + ".key");
    PemFiles.write(certFile, PemFiles.certificatesPem(List.of(cert)), false);
    PemFiles.write(keyFile, PemFiles.privateKeyPem(pair.getPrivate()), true);
    // Presents its certificate whatever issuers the server names, as a misconfigured client would.
    return new ReloadingKeyManager(certFile, keyFile);
  }

  private String token(TokenRole role) {
    CreateTokenResponse created =
        master
            .security()
            .tokens()
            .create(CreateTokenRequest.newBuilder().setRole(role).setTtlSeconds(600).build());
    return created.getToken();
  }

  private static Answer send(
      SSLContext tls, String scheme, int port, String method, String body, String token)
      throws Exception {
    HttpClient.Builder client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10));
    if (tls != null) {
      client.sslContext(tls);
    }
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(scheme + "://127.0.0.1:" + port + CM))
            .timeout(Duration.ofSeconds(30))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    HttpResponse<String> response =
        client.build().send(request.build(), HttpResponse.BodyHandlers.ofString());
    @SuppressWarnings("unchecked")
    Map<String, Object> json = (Map<String, Object>) JsonText.parse(response.body());
    return new Answer(response.statusCode(), json);
  }

  private Answer https(SSLContext tls, String method, String body, String token) throws Exception {
    return send(tls, "https", master.httpPort(), method, body, token);
  }

  private static String configMap(String name) {
    return "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\""
        + name
        + "\"},\"data\":{\"k\":\"v\"}}";
  }

  /** The audit line whose JSON has every one of {@code fields}, waited for. */
  private String auditLine(String... fields) {
    Path file = dir.resolve("audit.log");
    String[] found = new String[1];
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> {
              if (!Files.exists(file)) {
                return false;
              }
              for (String line : Files.readAllLines(file)) {
                if (List.of(fields).stream().allMatch(line::contains)) {
                  found[0] = line;
                  return true;
                }
              }
              return false;
            });
    return found[0];
  }

  @Test
  void aTokenAndAClientCertificateOfTheClusterCaWork() throws Exception {
    start(Duration.ofDays(1));
    String viewer = token(TokenRole.TOKEN_ROLE_VIEW);
    Answer list = https(tls(null), "GET", null, viewer);
    assertThat(list.code()).isEqualTo(200);
    assertThat(list.json()).containsEntry("kind", "ConfigMapList");

    KeyManager ops =
        certificate(
            master.security().credentials().authority(),
            new Principal("ops", Role.CLUSTER_ADMIN, null),
            "ops");
    Answer created = https(tls(ops), "POST", configMap("by-cert"), null);
    assertThat(created.code()).as("%s", created.json()).isEqualTo(201);
    // The certificate named the principal, as on the gRPC port.
    assertThat(auditLine("\"who\":\"ops\"", "\"verb\":\"create\"", "\"code\":\"OK\""))
        .contains("\"role\":\"cluster-admin\"");
  }

  @Test
  void noCredentialsIs401AndAuditedWithTheClientsAddress() throws Exception {
    start(Duration.ofDays(1));
    Answer refused = https(tls(null), "GET", null, null);
    assertThat(refused.code()).isEqualTo(401);
    assertThat(refused.json())
        .containsEntry("kind", "Status")
        .containsEntry("status", "Failure")
        .containsEntry("reason", "Unauthorized");
    assertThat(((Number) refused.json().get("code")).intValue()).isEqualTo(401);
    assertThat(auditLine("\"code\":\"UNAUTHENTICATED\""))
        .contains("\"who\":null")
        .contains("\"peer\":\"/127.0.0.1:");
  }

  @Test
  void aViewTokenOrAViewCertificateWritingIs403AndAudited() throws Exception {
    start(Duration.ofDays(1));
    Answer byToken = https(tls(null), "POST", configMap("no"), token(TokenRole.TOKEN_ROLE_VIEW));
    assertThat(byToken.code()).isEqualTo(403);
    assertThat(byToken.json()).containsEntry("reason", "Forbidden");
    assertThat(auditLine("\"code\":\"PERMISSION_DENIED\"", "\"who\":\"token:"))
        .contains("\"role\":\"view\"")
        .contains("\"verb\":\"create\"");

    KeyManager viewer =
        certificate(
            master.security().credentials().authority(),
            new Principal("auditor", Role.VIEW, null),
            "auditor");
    assertThat(https(tls(viewer), "GET", null, null).code()).isEqualTo(200);
    assertThat(https(tls(viewer), "POST", configMap("no"), null).code()).isEqualTo(403);
    assertThat(auditLine("\"code\":\"PERMISSION_DENIED\"", "\"who\":\"auditor\""))
        .contains("\"role\":\"view\"");
  }

  @Test
  void aCertificateOfAnotherCaIsRefusedAtTheHandshake() throws Exception {
    start(Duration.ofDays(1));
    CertificateAuthority other = CertificateAuthority.create("other", Duration.ofDays(1));
    KeyManager foreign =
        certificate(other, new Principal("admin", Role.CLUSTER_ADMIN, null), "foreign");
    assertThatThrownBy(() -> https(tls(foreign), "GET", null, null))
        .isInstanceOf(IOException.class);
    // The same client without that certificate is only unauthenticated: the handshake was it.
    assertThat(https(tls(null), "GET", null, null).code()).isEqualTo(401);
  }

  @Test
  void plainHttpToTheHttpsPortGetsA400ThatSaysSo() throws Exception {
    start(Duration.ofDays(1));
    Answer plain =
        send(null, "http", master.httpPort(), "GET", null, token(TokenRole.TOKEN_ROLE_VIEW));
    assertThat(plain.code()).isEqualTo(400);
    assertThat(plain.json()).containsEntry("kind", "Status");
    assertThat((String) plain.json().get("message")).contains("HTTPS");
    assertThat(
            auditLine(
                "\"who\":\"127.0.0.1\"",
                "\"verb\":\"connect\"",
                "\"name\":\"HTTP gateway\"",
                "\"code\":\"INVALID_ARGUMENT\""))
        .contains("plaintext connection refused");
  }

  @Test
  void newConnectionsGetTheRotatedCertificate() throws Exception {
    start(Duration.ofSeconds(6));
    X509Certificate first = serving();
    // Renewal comes at 50-80% of the lifetime; every new handshake asks the key manager.
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> !serving().getSerialNumber().equals(first.getSerialNumber()));
    assertThat(https(tls(null), "GET", null, token(TokenRole.TOKEN_ROLE_VIEW)).code())
        .isEqualTo(200);
  }

  private X509Certificate serving() throws Exception {
    try (SSLSocket socket =
        (SSLSocket) tls(null).getSocketFactory().createSocket("127.0.0.1", master.httpPort())) {
      socket.startHandshake();
      return (X509Certificate) socket.getSession().getPeerCertificates()[0];
    }
  }

  @Test
  void theConsoleLoginLinkCarriesAnAdminTokenRevokedAtStop() throws Exception {
    KvStore kv = KvStores.inMemory();
    try {
      master =
          Master.builder()
              .store(() -> kv, false)
              .pki(dir.resolve("pki"))
              .consoleLogin(true)
              .apiPort(-1)
              .httpPort(0)
              .scheduler(false)
              .controllers(false)
              .start();
      String url = master.consoleUrl();
      assertThat(url).matches("https://127\\.0\\.0\\.1:[0-9]+/ui/\\?token=DRV1-[-0-9a-f]+");
      String token = url.substring(url.indexOf("?token=") + "?token=".length());
      assertThat(https(tls(null), "POST", configMap("from-console"), token).code()).isEqualTo(201);
      String stored = "/security/tokens/" + token.split("-")[2];
      assertThat(kv.get(Keys.of(stored)).get(10, TimeUnit.SECONDS).getKvsCount()).isOne();
      master.close();
      master = null;
      assertThat(kv.get(Keys.of(stored)).get(10, TimeUnit.SECONDS).getKvsCount()).isZero();
    } finally {
      kv.close();
    }
  }

  @Test
  void anInsecureMasterServesPlainHttp() throws Exception {
    master = Master.builder().insecure().apiPort(-1).httpPort(0).start();
    Answer plain = send(null, "http", master.httpPort(), "GET", null, null);
    assertThat(plain.code()).isEqualTo(200);
    assertThat(master.consoleUrl()).startsWith("http://127.0.0.1:");
  }
}
