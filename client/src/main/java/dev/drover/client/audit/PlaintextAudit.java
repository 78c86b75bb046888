package dev.drover.client.audit;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Audits connections refused because the client does not speak TLS on a TLS port (a master's API
 * port and HTTP gateway, an agent's port). Such a client never makes a call, so no call interceptor
 * can see it; the port's first handler ({@link dev.drover.client.tls.TlsServerPort}) reports it
 * here instead.
 *
 * <p>A port scanner or a misconfigured client retrying in a loop must not flood the log: each
 * remote host gets at most one line per {@link #WINDOW}, the next one saying how many were left
 * out, and all hosts together at most {@link #MAX_LINES_PER_WINDOW} lines per window (a scan from
 * many addresses); what the global cap leaves out is counted in the next line written.
 */
public final class PlaintextAudit {
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
  public PlaintextAudit(AuditLog log, Clock clock) {
    this.log = log;
    this.clock = clock;
  }

  /** A refusal audit that writes nothing (a master without an audit log file). */
  public static PlaintextAudit none() {
    return new PlaintextAudit(AuditLog.none(), Clock.systemUTC());
  }

  /**
   * Records that {@code remote} opened a connection to {@code port} (what the port serves, e.g.
   * "gRPC API") and sent something other than a TLS handshake; {@code code} and {@code answer} say
   * how it was refused.
   */
  public void refused(SocketAddress remote, String port, String code, String answer) {
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
      line = json(remote, port, code, answer, host.suppressed, droppedByCap);
      host.lastWritten = now;
      host.suppressed = 0;
      droppedByCap = 0;
    }
    log.append(line);
  }

  private String json(
      SocketAddress remote, String port, String code, String answer, long repeated, long others) {
    AuditLine line =
        new AuditLine()
            .field("time", clock.instant().toString())
            .field("who", hostOf(remote))
            .field("role", null)
            .field("peer", String.valueOf(remote))
            .field("method", null)
            .field("verb", "connect")
            .field("kind", "connections")
            .field("namespace", null)
            .field("name", port)
            .field("code", code)
            .field("message", "plaintext connection refused: the port speaks TLS only; " + answer);
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
