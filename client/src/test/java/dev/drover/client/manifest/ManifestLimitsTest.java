package dev.drover.client.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Manifests too deep, too large or too long on one line fail fast with one line, or parse; a
 * quantity too large to account is refused where it is written.
 */
class ManifestLimitsTest {
  private static final String HEAD =
      "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"x\"},\"data\":";

  private static ManifestException refused(String text) {
    ManifestException[] caught = new ManifestException[1];
    assertThatThrownBy(
            () -> {
              try {
                new ManifestParser().parse("x.json", text);
              } catch (ManifestException e) {
                caught[0] = e;
                throw e;
              }
            })
        .isInstanceOf(ManifestException.class);
    return caught[0];
  }

  @Test
  void flowNestingTenThousandLevelsDeepIsOneLineError() {
    ManifestException e = refused(HEAD + "[".repeat(10_000) + "]".repeat(10_000) + "}");
    assertThat(e.errors()).hasSize(1);
    assertThat(e.errors().get(0).toString())
        .isEqualTo("x.json:1: invalid manifest: nested more than 1000 levels deep")
        .doesNotContain("\n");
  }

  @Test
  void blockNestingTenThousandLevelsDeepIsOneLineError() {
    String yaml =
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: 1\nx: "
            + "- ".repeat(10_000)
            + "z\n";
    ManifestException e = refused(yaml);
    assertThat(e.errors()).isNotEmpty();
    assertThat(e.errors().get(0).toString()).doesNotContain("\n");
  }

  @Test
  void quotedBracketsDoNotCountAsNesting() {
    assertThat(ManifestParser.lineNestedTooDeeply("{\"a\": \"" + "[".repeat(5000) + "\"}"))
        .isZero();
    assertThat(ManifestParser.lineNestedTooDeeply("a: '" + "{".repeat(5000) + "'")).isZero();
  }

  @Test
  void aFiveMegabyteOneLineManifestParsesQuickly() throws Exception {
    String big = HEAD + "{\"a\":\"" + "x".repeat(5_000_000) + "\"}}";
    long start = System.nanoTime();
    ParsedManifests parsed = new ManifestParser().parse("big.json", big);
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    assertThat(parsed.objects()).hasSize(1);
    assertThat(parsed.objects().get(0).object().getConfigMap().getDataOrThrow("a"))
        .hasSize(5_000_000);
    // It took 55-66 s before the reader's buffer held the whole text; about 1 s after.
    assertThat(took).isLessThan(Duration.ofSeconds(15));
  }

  @Test
  void aManifestOverTheSizeLimitIsRefusedAtOnce() {
    long start = System.nanoTime();
    ManifestException e =
        refused(HEAD + "{\"a\":\"" + "x".repeat(ManifestParser.MAX_MANIFEST_CHARS) + "\"}}");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    assertThat(e.errors().get(0).toString()).contains("more than the").contains("split it");
  }

  @Test
  void aQuantityTooLargeToAccountIsRefusedWithItsFileLineAndField() {
    ManifestException e =
        refused(
            """
            apiVersion: v1
            kind: Pod
            metadata: {name: huge}
            spec:
              containers:
              - name: main
                image: busybox:1
                resources: {requests: {cpu: 1e100}}
            """);
    assertThat(e.errors()).hasSize(1);
    assertThat(e.errors().get(0).toString())
        .startsWith("x.json:8: spec.containers[0].resources.requests.cpu: invalid quantity")
        .contains("1e100")
        .contains("too large")
        .doesNotContain("\n");
  }
}
