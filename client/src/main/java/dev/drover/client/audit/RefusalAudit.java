package dev.drover.client.audit;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Audits refusals that happen before any gRPC call interceptor can see them: a connection whose
 * client does not speak TLS on a TLS port (a master's API port and HTTP gateway, an agent's port;
 * reported by the port's first handler, {@link dev.drover.client.tls.TlsServerPort}), and a scrape
 * of a metrics endpoint without its bearer token (a master's or an agent's {@code /metrics}).
 *
 * <p>A port scanner, a misconfigured client or a scraper retrying in a loop must not flood the log:
 * each remote host gets at most one line per {@link #WINDOW}, the next one saying how many were
 * left out, and all hosts together at most {@link #MAX_LINES_PER_WINDOW} lines per window (a scan
 * from many addresses); what the global cap leaves out is counted in the next line written.
 */
public final class RefusalAudit {
  /** How long a remote host's refusals after a written one are only counted. */
  public static final Duration WINDOW = Duration.ofMinutes(1);

  /** Lines written per window for all hosts together. */
  public static final int MAX_LINES_PER_WINDOW = 100;

  // Hosts remembered; the least recently refused are forgotten first (and may be written again).
  private static final int MAX_HOSTS = 4096;

  private final AuditLog log;
  private final Clock clock;
  private final Map<String, Host> hosts =
      new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Host> eldest) {
          return size() > MAX_HOSTS;
        }
      };
  private long windowStart = Long.MIN_VALUE;
  private int linesInWindow;
  private long droppedByCap;

  /** Writes to {@code log} with times from {@code clock}. */
  public RefusalAudit(AuditLog log, Clock clock) {
    this.log = log;
    this.clock = clock;
  }

  /** A refusal audit that writes nothing (a master without an audit log file). */
  public static RefusalAudit none() {
    return new RefusalAudit(AuditLog.none(), Clock.systemUTC());
  }

  /**
   * Records that {@code remote} opened a connection to {@code port} (what the port serves, e.g.
   * "gRPC API") and sent something other than a TLS handshake; {@code code} and {@code answer} say
   * how it was refused.
   */
  public void refused(SocketAddress remote, String port, String code, String answer) {
    write(
        remote,
        "connect",
        "connections",
        port,
        code,
        "plaintext connection refused: the port speaks TLS only; " + answer);
  }

  /**
   * Records that {@code remote} asked {@code endpoint} (e.g. "agent metrics") for metrics without
   * the right bearer token and got 401.
   */
  public void unauthorizedScrape(SocketAddress remote, String endpoint) {
    write(
        remote,
        "get",
        "metrics",
        endpoint,
        "UNAUTHENTICATED",
        "metrics scrape refused: bearer token missing or wrong");
  }

  private void write(
      SocketAddress remote, String verb, String kind, String name, String code, String message) {
    String line;
    synchronized (this) {
      long now = clock.millis();
      if (windowStart == Long.MIN_VALUE || now - windowStart >= WINDOW.toMillis()) {
        windowStart = now;
        linesInWindow = 0;
      }
      Host host = hosts.computeIfAbsent(hostOf(remote), h -> new Host());
      if (host.lastWritten != Long.MIN_VALUE && now - host.lastWritten < WINDOW.toMillis()) {
        host.suppressed++;
        return;
      }
      if (linesInWindow >= MAX_LINES_PER_WINDOW) {
        droppedByCap++;
        return;
      }
      linesInWindow++;
      line = json(remote, verb, kind, name, code, message, host.suppressed, droppedByCap);
      host.lastWritten = now;
      host.suppressed = 0;
      droppedByCap = 0;
    }
    log.append(line);
  }

  private String json(
      SocketAddress remote,
      String verb,
      String kind,
      String name,
      String code,
      String message,
      long repeated,
      long others) {
    AuditLine line =
        new AuditLine()
            .field("time", clock.instant().toString())
            .field("who", hostOf(remote))
            .field("role", null)
            .field("peer", String.valueOf(remote))
            .field("method", null)
            .field("verb", verb)
            .field("kind", kind)
            .field("namespace", null)
            .field("name", name)
            .field("code", code)
            .field("message", message);
    if (repeated > 0) {
      // Refusals of this host since its previous line, which were only counted.
      line.number("repeated", repeated);
    }
    if (others > 0) {
      // Refusals of any host left out because the window's line cap was reached.
      line.number("unwritten", others);
    }
    return line.toString();
  }

  private static String hostOf(SocketAddress remote) {
    if (remote instanceof InetSocketAddress inet) {
      return inet.getAddress() != null ? inet.getAddress().getHostAddress() : inet.getHostString();
    }
    return String.valueOf(remote);
  }

  private static final class Host {
    long lastWritten = Long.MIN_VALUE;
    long suppressed;
  }
}
