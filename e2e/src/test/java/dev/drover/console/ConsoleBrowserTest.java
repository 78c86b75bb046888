package dev.drover.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.drover.cli.Main;
import dev.drover.cli.core.Cli;
import dev.drover.client.manifest.JsonText;
import dev.drover.client.tls.PemFiles;
import dev.drover.client.tls.TrustManagers;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The web console in a real browser (Debian's chromium, driven by chromium-driver through Selenium)
 * against a {@code drover dev} cluster, opened over HTTPS through the login link dev mode prints
 * (the API calls of the test use the link's token and trust only the dev CA): the nodes and pods it
 * shows are the API's; a Deployment applied through the API appears with its pods turning Running
 * without a reload; scaling it from the console changes the stored object; a pod's page shows its
 * logs. A screenshot of the overview goes to target/console-overview.png and docs/console.png
 * (linked from the README). Skipped without chromium, except with CI=true, where that fails the
 * test.
 */
class ConsoleBrowserTest {
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  private static final Pattern CONSOLE =
      Pattern.compile("Web console and HTTP API: ((https://[^/]+)/ui/\\?token=(\\S+))");
  private static final Duration WAIT = Duration.ofSeconds(90);

  @TempDir Path home;
  private Thread dev;
  private String consoleUrl;
  private String base;
  private String token;
  private ChromeDriver browser;
  private HttpClient http;

  private static void require(boolean present, String what) {
    if ("true".equals(System.getenv("CI"))) {
      assertThat(present).as("CI=true but %s is missing", what).isTrue();
    }
    assumeTrue(present, what + " is missing; skipping the console's browser test");
  }

  @BeforeEach
  void start() throws Exception {
    require(Files.isExecutable(CHROMIUM), CHROMIUM + " (Debian package chromium)");
    require(Files.isExecutable(CHROMEDRIVER), CHROMEDRIVER + " (Debian package chromium-driver)");
    StringWriter out = new StringWriter();
    AtomicInteger code = new AtomicInteger(-1);
    Cli cli =
        new Cli(
            new PrintWriter(out, true),
            new PrintWriter(new StringWriter(), true),
            new ByteArrayInputStream(new byte[0]),
            Map.of("HOME", home.toString()),
            false,
            endpoint -> NettyChannelBuilder.forTarget(endpoint).usePlaintext().build(),
            Clock.systemUTC());
    dev =
        new Thread(
            () ->
                code.set(
                    Main.run(
                        cli,
                        "dev",
                        "--runtime",
                        "simulated",
                        "--port",
                        "0",
                        "--data-dir",
                        home.resolve("dev-data").toString())),
            "drover-dev-console-test");
    dev.start();
    await().atMost(WAIT).until(() -> CONSOLE.matcher(out.toString()).find() || code.get() >= 0);
    Matcher url = CONSOLE.matcher(out.toString());
    assertThat(url.find()).as("drover dev printed no console address: %s", out).isTrue();
    consoleUrl = url.group(1);
    base = url.group(2);
    token = url.group(3);
    SSLContext devCa = trustingDevCa();
    http = HttpClient.newBuilder().sslContext(devCa).build();

    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--window-size=1400,1000",
        // Chromium has no option for one extra CA, so it trusts exactly the key of the serving
        // certificate that Java has just verified against the dev cluster's CA. The option is
        // honoured only with an explicit profile directory.
        "--user-data-dir=" + home.resolve("chromium-profile"),
        "--ignore-certificate-errors-spki-list=" + spkiDigest(servingCertificate(devCa)));
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(new File(CHROMEDRIVER.toString()))
            .usingAnyFreePort()
            .build();
    browser = new ChromeDriver(service, options);
  }

  // The CA `drover dev` created in its data directory: the only one these clients trust.
  private SSLContext trustingDevCa() throws Exception {
    X509Certificate ca =
        PemFiles.readCertificates(home.resolve("dev-data").resolve("pki").resolve("ca.crt")).get(0);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, new TrustManager[] {TrustManagers.forCas(List.of(ca))}, null);
    return context;
  }

  private X509Certificate servingCertificate(SSLContext devCa) throws Exception {
    URI uri = URI.create(base);
    try (SSLSocket socket =
        (SSLSocket) devCa.getSocketFactory().createSocket(uri.getHost(), uri.getPort())) {
      SSLParameters checks = socket.getSSLParameters();
      checks.setEndpointIdentificationAlgorithm("HTTPS");
      socket.setSSLParameters(checks);
      socket.startHandshake();
      return (X509Certificate) socket.getSession().getPeerCertificates()[0];
    }
  }

  private static String spkiDigest(X509Certificate certificate) throws Exception {
    byte[] spki = certificate.getPublicKey().getEncoded();
    return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(spki));
  }

  @AfterEach
  void stop() throws InterruptedException {
    if (browser != null) {
      browser.quit();
    }
    if (dev != null) {
      dev.interrupt();
      dev.join(Duration.ofSeconds(60).toMillis());
    }
  }

  private Map<String, Object> api(String method, String path, String body) throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(base + path))
            .header("Authorization", "Bearer " + token)
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body))
            .build();
    HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isLessThan(300);
    @SuppressWarnings("unchecked")
    Map<String, Object> json = (Map<String, Object>) JsonText.parse(response.body());
    return json;
  }

  @SuppressWarnings("unchecked")
  private Set<String> names(String path) throws Exception {
    Set<String> names = new HashSet<>();
    for (Object item : (List<Object>) api("GET", path, null).get("items")) {
      names.add(
          (String)
              ((Map<String, Object>) ((Map<String, Object>) item).get("metadata")).get("name"));
    }
    return names;
  }

  // The console re-renders a table on every watch event, so reads happen inside one script call:
  // an element found by one WebDriver call may be replaced before the next.
  @SuppressWarnings("unchecked")
  private List<String> script(String js) {
    return (List<String>) browser.executeScript(js);
  }

  private String text(String css) {
    return (String)
        browser.executeScript(
            "const e = document.querySelector(arguments[0]); return e ? e.textContent : null", css);
  }

  private Set<String> rowNames(String table) {
    return new HashSet<>(
        script(
            "return [...document.querySelectorAll('#"
                + table
                + " tbody tr[data-name]')].map(r => r.dataset.name)"));
  }

  private void go(String hash) {
    browser.executeScript("location.hash = arguments[0]", hash);
  }

  /** Names of the web pods the pods view shows as Running. */
  private List<String> runningWebPods() {
    return script(
        "return [...document.querySelectorAll(\"#pods tbody tr[data-name^='web-']\")]"
            + ".filter(r => r.querySelector('.phase').textContent === 'Running')"
            + ".map(r => r.dataset.name)");
  }

  private void awaitWebReplicasText(String expected) {
    String cell = "#deployments tr[data-name='web'] .replicas-text";
    await().atMost(WAIT).until(() -> expected.equals(text(cell)));
  }

  /** Does {@code action} again when it met an element that a re-render replaced. */
  private void onFreshElements(Runnable action) {
    await()
        .atMost(WAIT)
        .ignoreExceptionsInstanceOf(StaleElementReferenceException.class)
        .until(
            () -> {
              action.run();
              return true;
            });
  }

  @SuppressWarnings("unchecked")
  private long storedReplicas() throws Exception {
    Map<String, Object> spec =
        (Map<String, Object>)
            api("GET", "/apis/apps/v1/namespaces/default/deployments/web", null).get("spec");
    return ((Number) spec.get("replicas")).longValue();
  }

  @Test
  void theConsoleFollowsTheClusterLiveAndActsOnIt() throws Exception {
    browser.get(consoleUrl);
    // Set once: a reload would lose it, so its presence at the end proves there was none.
    browser.executeScript("window.notReloaded = true");

    await()
        .atMost(WAIT)
        .until(() -> "Ready".equals(text("#nodes tr[data-name='dev-node'] td.ready.ok")));
    assertThat(rowNames("nodes")).isEqualTo(names("/api/v1/nodes"));
    assertThat(text("#nodes tr[data-name='dev-node'] td.cpu")).contains(" / ");

    go("#/pods");
    await().atMost(WAIT).until(() -> rowNames("pods").equals(names("/api/v1/pods")));

    api(
        "POST",
        "/apis/apps/v1/namespaces/default/deployments",
        "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"web\"},"
            + "\"spec\":{\"replicas\":2,\"selector\":{\"matchLabels\":{\"app\":\"web\"}},"
            + "\"template\":{\"metadata\":{\"labels\":{\"app\":\"web\"}},\"spec\":{\"containers\":"
            + "[{\"name\":\"main\",\"image\":\"127.0.0.1:5000/busybox:1\",\"resources\":{"
            + "\"requests\":{\"cpu\":\"100m\",\"memory\":\"64Mi\"}}}]}}}}");
    await().atMost(WAIT).until(() -> runningWebPods().size() == 2);
    await().atMost(WAIT).until(() -> rowNames("pods").equals(names("/api/v1/pods")));

    go("#/workloads");
    awaitWebReplicasText("2/2 ready");
    onFreshElements(
        () -> {
          WebElement replicas =
              browser.findElement(
                  By.cssSelector("#deployments tr[data-name='web'] input.replicas"));
          replicas.clear();
          replicas.sendKeys("3");
          browser
              .findElement(By.cssSelector("#deployments tr[data-name='web'] button.scale"))
              .click();
        });
    // The console reports every action's outcome; a failed scale shows the gateway's message.
    await().atMost(WAIT).until(() -> String.valueOf(text("#notice")).startsWith("scale "));
    assertThat(text("#notice")).isEqualTo("scale default/web: done");
    await().atMost(WAIT).until(() -> storedReplicas() == 3);
    awaitWebReplicasText("3/3 ready");

    go("#/pods");
    await().atMost(WAIT).until(() -> runningWebPods().size() == 3);
    String pod = runningWebPods().get(0);
    onFreshElements(
        () ->
            browser
                .findElement(By.cssSelector("#pods tr[data-name='" + pod + "'] a.pod-link"))
                .click());
    await().atMost(WAIT).until(() -> String.valueOf(text("#pod-logs")).contains("started "));
    assertThat(text("#pod-title")).isEqualTo("default/" + pod);
    assertThat(text("#pod-containers tr[data-name='main'] td")).isEqualTo("main");
    assertThat(text("#pod-conditions tr[data-type='Ready'] td")).isEqualTo("Ready");

    go("#/overview");
    await()
        .atMost(WAIT)
        .until(
            () ->
                String.valueOf(podsOnDevNode())
                    .equals(text("#nodes tr[data-name='dev-node'] td.pod-count")));
    // The overview's charts (this master's series through the gateway's /ui/metrics, with the
    // page's credentials) render with data: the console's own API calls count as requests.
    await()
        .atMost(WAIT)
        .until(
            () ->
                browser.executeScript(
                    "const f = document.querySelector('#chart-requests');"
                        + " const l = f && f.querySelector('svg polyline');"
                        + " return !!l && Number(f.dataset.points) >= 2"
                        + " && Number(f.dataset.max) > 0 && l.getAttribute('points').length > 0"),
            v -> Boolean.TRUE.equals(v));
    assertThat(text("#chart-watchers figcaption")).startsWith("Watchers");
    assertThat(text("#chart-apply figcaption")).startsWith("Store apply latency");
    assertThat(browser.executeScript("return window.notReloaded === true")).isEqualTo(true);

    Path shot = browser.getScreenshotAs(OutputType.FILE).toPath();
    Path artifact = Path.of("target", "console-overview.png");
    Files.createDirectories(artifact.getParent());
    Files.copy(shot, artifact, StandardCopyOption.REPLACE_EXISTING);
    Path docs = Path.of("..", "docs");
    if (Files.isDirectory(docs)) {
      Files.copy(shot, docs.resolve("console.png"), StandardCopyOption.REPLACE_EXISTING);
    }
    assertThat(Files.size(artifact)).isGreaterThan(1000);
  }

  @SuppressWarnings("unchecked")
  private long podsOnDevNode() throws Exception {
    long count = 0;
    for (Object item :
        (List<Object>)
            api("GET", "/api/v1/pods?fieldSelector=spec.nodeName%3Ddev-node", null).get("items")) {
      Map<String, Object> status = (Map<String, Object>) ((Map<String, Object>) item).get("status");
      Object phase = status == null ? null : status.get("phase");
      if (!"Succeeded".equals(phase) && !"Failed".equals(phase)) {
        count++;
      }
    }
    return count;
  }
}
