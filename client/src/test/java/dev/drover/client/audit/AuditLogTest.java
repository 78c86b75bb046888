package dev.drover.client.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The audit file: appended line by line, private to its owner, rotated by size. */
class AuditLogTest {
  @TempDir Path dir;

  @Test
  void rotatesBySizeKeepingTheNewestLines() throws Exception {
    Path file = dir.resolve("logs/audit.log");
    try (AuditLog log = AuditLog.toFile(file, 1024, 2)) {
      for (int i = 0; i < 40; i++) {
        log.append("{\"n\":" + i + ",\"pad\":\"" + "x".repeat(80) + "\"}");
      }
    }
    assertThat(Files.exists(file.resolveSibling("audit.log.1"))).isTrue();
    assertThat(Files.exists(file.resolveSibling("audit.log.2"))).isTrue();
    assertThat(Files.exists(file.resolveSibling("audit.log.3"))).isFalse();
    for (String name : List.of("audit.log", "audit.log.1", "audit.log.2")) {
      assertThat(Files.size(file.resolveSibling(name))).isLessThanOrEqualTo(1024);
    }
    List<String> current = Files.readAllLines(file);
    assertThat(current.get(current.size() - 1)).startsWith("{\"n\":39,");
    List<String> all = new ArrayList<>(Files.readAllLines(file.resolveSibling("audit.log.2")));
    all.addAll(Files.readAllLines(file.resolveSibling("audit.log.1")));
    all.addAll(current);
    // The kept lines are the newest, in order, each whole.
    for (int i = 1; i < all.size(); i++) {
      int prev = Integer.parseInt(all.get(i - 1).replaceAll("\\{\"n\":(\\d+),.*", "$1"));
      assertThat(all.get(i)).startsWith("{\"n\":" + (prev + 1) + ",").endsWith("}");
    }
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
  }
}
