package dev.drover.agent.sync;

import dev.drover.agent.runtime.ContainerRuntime;
import dev.drover.agent.runtime.ExecResult;
import dev.drover.api.v1.Container;
import dev.drover.api.v1.ContainerPort;
import dev.drover.api.v1.HttpHeader;
import dev.drover.api.v1.IntOrString;
import dev.drover.api.v1.Probe;
import dev.drover.api.v1.UriScheme;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;

/**
 * Runs one check of a probe: exec through the runtime, HTTP GET or TCP connect against the pod's
 * address. Stateless; thresholds and timing live in the pod worker.
 */
final class Prober {

  private final ContainerRuntime runtime;

  Prober(ContainerRuntime runtime) {
    this.runtime = runtime;
  }

  /** Result of one check. */
  record Result(boolean success, String message) {}

  Result check(Probe probe, Container container, String containerId, String podIp) {
    Duration timeout =
        Duration.ofSeconds(probe.hasTimeoutSeconds() ? probe.getTimeoutSeconds() : 1);
    try {
      if (probe.hasExec()) {
        ExecResult r = runtime.exec(containerId, probe.getExec().getCommandList(), timeout);
        return new Result(
            r.exitCode() == 0,
            r.exitCode() < 0
                ? "exec probe timed out"
                : "exec probe exited " + r.exitCode() + ": " + r.output().strip());
      }
      if (probe.hasHttpGet()) {
        var get = probe.getHttpGet();
        String host = get.getHost().isEmpty() ? podIp : get.getHost();
        int port = resolvePort(get.getPort(), container);
        String scheme = get.getScheme() == UriScheme.URI_SCHEME_HTTPS ? "https" : "http";
        String path = get.getPath().isEmpty() ? "/" : get.getPath();
        URI uri =
            URI.create(
                scheme + "://" + host + ":" + port + (path.startsWith("/") ? "" : "/") + path);
        HttpURLConnection conn = (HttpURLConnection) uri.toURL().openConnection();
        conn.setConnectTimeout((int) timeout.toMillis());
        conn.setReadTimeout((int) timeout.toMillis());
        conn.setInstanceFollowRedirects(false);
        for (HttpHeader h : get.getHttpHeadersList()) {
          conn.setRequestProperty(h.getName(), h.getValue());
        }
        try {
          int code = conn.getResponseCode();
          drain(conn);
          return new Result(code >= 200 && code < 400, "HTTP probe " + uri + " returned " + code);
        } finally {
          conn.disconnect();
        }
      }
      if (probe.hasTcpSocket()) {
        var tcp = probe.getTcpSocket();
        String host = tcp.getHost().isEmpty() ? podIp : tcp.getHost();
        int port = resolvePort(tcp.getPort(), container);
        try (Socket socket = new Socket()) {
          socket.connect(new InetSocketAddress(host, port), (int) timeout.toMillis());
          return new Result(true, "TCP probe connected to " + host + ":" + port);
        }
      }
      return new Result(false, "probe has no handler");
    } catch (IOException | RuntimeException e) {
      return new Result(false, "probe failed: " + e.getMessage());
    }
  }

  private static void drain(HttpURLConnection conn) {
    try (InputStream in =
        conn.getErrorStream() != null ? conn.getErrorStream() : conn.getInputStream()) {
      in.readNBytes(64 * 1024);
    } catch (IOException | RuntimeException e) {
      // The status code already decided; the body is irrelevant.
    }
  }

  static int resolvePort(IntOrString port, Container container) {
    if (port.hasIntValue()) {
      return port.getIntValue();
    }
    for (ContainerPort p : container.getPortsList()) {
      if (p.getName().equals(port.getStringValue())) {
        return p.getContainerPort();
      }
    }
    throw new IllegalArgumentException(
        "probe port \""
            + port.getStringValue()
            + "\" names no port of container "
            + container.getName());
  }
}
