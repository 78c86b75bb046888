package dev.drover.cli.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@code drover dev} process killed with SIGKILL runs none of its stop, so it cannot revoke the
 * cluster-admin token of the console link it printed. The next {@code drover dev} on the same data
 * directory revokes it: the old link answers 401, the new one 200.
 */
class DevModeKilledTest {
  private static final Pattern LINK =
      Pattern.compile(
          "Web console and HTTP API: (https://127\\.0\\.0\\.1:[0-9]+)/ui/\\?token=(\\S+)");

  @TempDir Path home;
  private Process dev;

  @AfterEach
  void kill() throws InterruptedException {
    if (dev != null) {
      dev.destroyForcibly().waitFor(60, TimeUnit.SECONDS);
    }
  }

  /** Starts {@code drover dev} in its own JVM; returns its console address and login token. */
  private String[] startDev() throws Exception {
    String classPath =
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    ProcessBuilder pb =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m",
                "-XX:TieredStopAtLevel=1",
                "-cp",
                classPath,
                "dev.drover.cli.Main",
                "dev",
                "--runtime",
                "simulated",
                "--port",
                "0",
                "--data-dir",
                home.resolve("dev-data").toString())
            .redirectErrorStream(true);
    pb.environment().put("HOME", home.toString());
    dev = pb.start();
    StringBuffer out = new StringBuffer();
    Thread reader = new Thread(() -> copy(dev.getInputStream(), out), "drover-dev-output");
    reader.setDaemon(true);
    reader.start();
    String[] link = new String[2];
    await()
        .atMost(Duration.ofSeconds(180))
        .failFast("drover dev exited: " + out, () -> !dev.isAlive())
        .until(
            () -> {
              Matcher m = LINK.matcher(out);
              if (!m.find()) {
                return false;
              }
              link[0] = m.group(1);
              link[1] = m.group(2);
              return true;
            });
    return link;
  }

  private static void copy(InputStream in, StringBuffer out) {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        out.append(line).append('\n');
      }
    } catch (java.io.IOException e) {
      // The process was killed: its output ends here.
    }
  }

  /** The status of listing ConfigMaps at {@code base} with {@code token}, trusting the dev CA. */
  private int list(String base, String token) throws Exception {
    KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
    trusted.load(null, null);
    try (InputStream ca = Files.newInputStream(home.resolve("dev-data/pki/ca.crt"))) {
      trusted.setCertificateEntry(
          "ca", CertificateFactory.getInstance("X.509").generateCertificate(ca));
    }
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trusted);
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(null, tmf.getTrustManagers(), null);
    HttpResponse<String> answer =
        HttpClient.newBuilder()
            .sslContext(tls)
            .build()
            .send(
                HttpRequest.newBuilder(URI.create(base + "/api/v1/namespaces/default/configmaps"))
                    .header("Authorization", "Bearer " + token)
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    return answer.statusCode();
  }

  @Test
  void theNextDevRevokesTheLoginTokenOfAKilledOne() throws Exception {
    String[] first = startDev();
    assertThat(list(first[0], first[1])).isEqualTo(200);
    // SIGKILL: no shutdown hook, no stop, no revocation.
    assertThat(dev.destroyForcibly().waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(dev.exitValue()).isEqualTo(137);

    String[] second = startDev();
    assertThat(second[1]).isNotEqualTo(first[1]);
    assertThat(list(second[0], second[1])).isEqualTo(200);
    assertThat(list(second[0], first[1])).isEqualTo(401);
  }
}
