package dev.drover.master.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.drover.client.audit.RefusalAudit;
import io.prometheus.metrics.exporter.common.PrometheusHttpExchange;
import io.prometheus.metrics.exporter.common.PrometheusHttpRequest;
import io.prometheus.metrics.exporter.common.PrometheusHttpResponse;
import io.prometheus.metrics.exporter.common.PrometheusScrapeHandler;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;

/**
 * The master's metrics port: {@code /metrics} (client_java's scrape handler: Prometheus text, or
 * OpenMetrics when the scraper's {@code Accept} asks for it, gzip when accepted), {@code /healthz}
 * (the process is up) and {@code /readyz} (the master can serve: cache synced, store reachable).
 *
 * <p>{@code /metrics} asks for {@code Authorization: Bearer TOKEN} when a {@link MetricsToken} is
 * set, which a bind to a non-loopback address requires (see {@link MetricsToken#check}); the health
 * endpoints answer anyone, as probes need, and say nothing but up or ready.
 */
public final class HttpEndpoints implements AutoCloseable {
  private final HttpServer server;
  private final ExecutorService executor =
      Executors.newFixedThreadPool(
          2,
          r -> {
            Thread t = new Thread(r, "metrics-http");
            t.setDaemon(true);
            return t;
          });

  /**
   * Binds {@code host:port} (0: ephemeral) serving {@code registry}, with {@code token} (null:
   * none, allowed on loopback only); scrapes refused for want of the token go to {@code refusals}.
   * Call {@link #start()}.
   */
  public HttpEndpoints(
      String host,
      int port,
      PrometheusRegistry registry,
      MetricsToken token,
      BooleanSupplier ready,
      RefusalAudit refusals)
      throws IOException {
    MetricsToken.check("metricsHost", host, token);
    PrometheusScrapeHandler scrape = new PrometheusScrapeHandler(registry);
    server = HttpServer.create(new InetSocketAddress(host, port), 16);
    server.setExecutor(executor);
    server.createContext(
        "/metrics",
        ex -> {
          String refusal =
              token == null
                  ? null
                  : token.refusal(ex.getRequestHeaders().getFirst("Authorization"));
          if (refusal != null) {
            refusals.unauthorizedScrape(ex.getRemoteAddress(), "master metrics");
            ex.getResponseHeaders().set("WWW-Authenticate", "Bearer");
            reply(ex, 401, refusal + "\n");
          } else {
            scrape.handleRequest(new Exchange(ex));
          }
        });
    server.createContext("/healthz", ex -> reply(ex, 200, "ok\n"));
    server.createContext(
        "/readyz",
        ex -> {
          boolean ok = ready.getAsBoolean();
          reply(ex, ok ? 200 : 503, ok ? "ready\n" : "not ready\n");
        });
  }

  private static void reply(HttpExchange ex, int code, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    ex.sendResponseHeaders(code, b.length);
    try (OutputStream os = ex.getResponseBody()) {
      os.write(b);
    }
  }

  /** Starts serving. */
  public HttpEndpoints start() {
    server.start();
    return this;
  }

  /** The bound port. */
  public int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  /** One JDK HTTP exchange as the scrape handler reads and answers it. */
  private static final class Exchange
      implements PrometheusHttpExchange, PrometheusHttpRequest, PrometheusHttpResponse {
    private final HttpExchange ex;
    private boolean sent;

    Exchange(HttpExchange ex) {
      this.ex = ex;
    }

    @Override
    public PrometheusHttpRequest getRequest() {
      return this;
    }

    @Override
    public PrometheusHttpResponse getResponse() {
      return this;
    }

    @Override
    public String getQueryString() {
      return ex.getRequestURI().getRawQuery();
    }

    @Override
    public Enumeration<String> getHeaders(String name) {
      List<String> values = ex.getRequestHeaders().get(name);
      return values == null ? Collections.emptyEnumeration() : Collections.enumeration(values);
    }

    @Override
    public String getMethod() {
      return ex.getRequestMethod();
    }

    @Override
    public String getRequestPath() {
      return ex.getRequestURI().getPath();
    }

    @Override
    public void setHeader(String name, String value) {
      ex.getResponseHeaders().set(name, value);
    }

    @Override
    public OutputStream sendHeadersAndGetBody(int statusCode, int contentLength)
        throws IOException {
      sent = true;
      ex.sendResponseHeaders(statusCode, contentLength);
      return ex.getResponseBody();
    }

    @Override
    public void handleException(IOException e) throws IOException {
      failed(e);
    }

    @Override
    public void handleException(RuntimeException e) {
      try {
        failed(e);
      } catch (IOException ignored) {
        // The scraper went away; nothing is left to tell it.
      }
    }

    private void failed(Exception e) throws IOException {
      if (!sent) {
        sent = true;
        reply(ex, 500, "the scrape failed: " + e + "\n");
      }
    }

    @Override
    public void close() {
      ex.close();
    }
  }
}
