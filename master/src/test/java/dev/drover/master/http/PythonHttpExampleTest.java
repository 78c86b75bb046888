package dev.drover.master.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.drover.api.v1.CreateTokenRequest;
import dev.drover.api.v1.TokenRole;
import dev.drover.master.Master;
import dev.drover.store.KvStores;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * examples/python-http/drover_http.py, which uses only {@code requests}, lists, creates and watches
 * through the HTTPS gateway of a running TLS master, verifying it with the cluster CA file and
 * authenticating with an edit-role bearer token. Skipped when Debian's python3-requests is missing,
 * except with CI=true, where that fails the test.
 */
class PythonHttpExampleTest {
  private static final Path PYTHON = Path.of("/usr/bin/python3");
  private static final Path SCRIPT =
      Path.of("..", "examples", "python-http", "drover_http.py").toAbsolutePath().normalize();

  private static void require(boolean present, String what) {
    if ("true".equals(System.getenv("CI"))) {
      assertThat(present).as("CI=true but %s is missing", what).isTrue();
    }
    assumeTrue(present, what + " is missing; skipping the Python HTTP example");
  }

  private static String run(Path dir, String... command) throws Exception {
    Path out = dir.resolve("out.txt");
    Process process =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
    boolean ended = process.waitFor(2, TimeUnit.MINUTES);
    if (!ended) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    String text = Files.readString(out, StandardCharsets.UTF_8);
    assertThat(ended).as("timed out: %s", text).isTrue();
    assertThat(process.exitValue()).as(text).isZero();
    return text;
  }

  @Test
  void theRequestsExampleListsCreatesAndWatches(@TempDir Path dir) throws Exception {
    require(Files.isExecutable(PYTHON), PYTHON.toString());
    Process probe = new ProcessBuilder(PYTHON.toString(), "-c", "import requests").start();
    require(
        probe.waitFor(1, TimeUnit.MINUTES) && probe.exitValue() == 0,
        "python3-requests (Debian package)");
    try (Master master =
        Master.builder()
            .store(KvStores::inMemory, true)
            .pki(dir.resolve("pki"))
            .apiPort(-1)
            .httpPort(0)
            .start()) {
      String token =
          master
              .security()
              .tokens()
              .create(
                  CreateTokenRequest.newBuilder()
                      .setRole(TokenRole.TOKEN_ROLE_EDIT)
                      .setTtlSeconds(600)
                      .build())
              .getToken();
      // requests verifies the gateway's certificate against the cluster CA, not a system store.
      String output =
          run(
              dir,
              PYTHON.toString(),
              SCRIPT.toString(),
              "https://127.0.0.1:" + master.httpPort(),
              "--ca-file",
              master.security().credentials().caFile().toString(),
              "--token",
              token);
      assertThat(output)
          .contains("pods in default: 0")
          .contains("a second update from the old version: 409 Conflict")
          .containsPattern(
              "watch: ADDED python-http-[0-9]+ resourceVersion=[0-9]+ greeting=hello\n")
          .containsPattern("watch: MODIFIED python-http-[0-9]+ .* greeting=hello again\n")
          .containsPattern("watch: DELETED python-http-[0-9]+ ")
          .endsWith("ok\n");
    }
  }
}
