package dev.drover.master.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** An audit record renders as one JSON line, strings escaped. */
class AuditRecordTest {
  @Test
  void recordsRenderAsJsonWithEscapes() {
    AuditRecord r = new AuditRecord("drover.v1.ControlService/Create", null);
    r.principal(Principal.node("a"));
    r.requests(
        List.of(
            AuthorizationRequest.of(
                AuthorizationRequest.Verb.CREATE,
                dev.drover.api.v1.Kind.KIND_POD,
                "default",
                "p\"1")));
    String json = r.json(java.time.Instant.EPOCH, "PERMISSION_DENIED", "no\nway");
    assertThat(json)
        .isEqualTo(
            "{\"time\":\"1970-01-01T00:00:00Z\",\"who\":\"node:a\",\"role\":\"node\",\"peer\":null,"
                + "\"method\":\"drover.v1.ControlService/Create\",\"verb\":\"create\",\"kind\":\"pods\","
                + "\"namespace\":\"default\",\"name\":\"p\\\"1\",\"code\":\"PERMISSION_DENIED\","
                + "\"message\":\"no\\nway\"}");
  }
}
