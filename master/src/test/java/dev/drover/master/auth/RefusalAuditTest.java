package dev.drover.master.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.client.audit.AuditLog;
import dev.drover.client.audit.RefusalAudit;
import dev.drover.testing.FakeClock;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Plaintext refusals: one line per host and window, and a cap for all hosts together. */
class RefusalAuditTest {
  @TempDir Path dir;
  private final FakeClock clock = new FakeClock();

  private List<String> lines(AuditLog log) throws Exception {
    return Files.readAllLines(log.file());
  }

  private static InetSocketAddress from(String host, int port) {
    return new InetSocketAddress(host, port);
  }

  @Test
  void aHostGetsOneLinePerWindowAndTheNextCountsTheRest() throws Exception {
    try (AuditLog log = AuditLog.toFile(dir.resolve("audit.log"), 1 << 20, 1)) {
      RefusalAudit audit = new RefusalAudit(log, clock);
      for (int port = 40000; port < 40050; port++) {
        audit.refused(from("10.0.0.7", port), "gRPC API", "UNAVAILABLE", "closed");
      }
      audit.refused(from("10.0.0.8", 1), "gRPC API", "UNAVAILABLE", "closed");
      assertThat(lines(log)).hasSize(2);
      assertThat(lines(log).get(0))
          .contains("\"who\":\"10.0.0.7\"", "\"code\":\"UNAVAILABLE\"")
          .doesNotContain("repeated");
      clock.advance(RefusalAudit.WINDOW);
      audit.refused(from("10.0.0.7", 40100), "gRPC API", "UNAVAILABLE", "closed");
      assertThat(lines(log)).hasSize(3);
      assertThat(lines(log).get(2)).contains("\"who\":\"10.0.0.7\"", "\"repeated\":49");
    }
  }

  @Test
  void manyHostsAreCappedPerWindowAndTheDroppedAreCounted() throws Exception {
    try (AuditLog log = AuditLog.toFile(dir.resolve("audit.log"), 1 << 20, 1)) {
      RefusalAudit audit = new RefusalAudit(log, clock);
      int hosts = RefusalAudit.MAX_LINES_PER_WINDOW + 30;
      for (int i = 0; i < hosts; i++) {
        audit.refused(from("10.1." + (i / 250) + "." + (i % 250), 1), "x", "UNAVAILABLE", "closed");
      }
      assertThat(lines(log)).hasSize(RefusalAudit.MAX_LINES_PER_WINDOW);
      clock.advance(RefusalAudit.WINDOW);
      audit.refused(from("10.2.0.1", 1), "x", "UNAVAILABLE", "closed");
      assertThat(lines(log).get(RefusalAudit.MAX_LINES_PER_WINDOW)).contains("\"unwritten\":30");
    }
  }
}
