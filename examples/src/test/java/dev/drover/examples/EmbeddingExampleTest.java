package dev.drover.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.agent.runtime.RuntimeKind;
import dev.drover.api.v1.Pod;
import dev.drover.examples.embedding.EmbeddingExample;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Runs the embedding example: master and agent in this JVM, a deployment, its pods running. */
class EmbeddingExampleTest {

  @Test
  void startsAClusterInProcessDeploysAndSeesThePodsRun() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    List<Pod> pods;
    try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
      pods = EmbeddingExample.run(RuntimeKind.SIMULATED, out, Duration.ofSeconds(90));
    }
    assertThat(pods)
        .hasSize(2)
        .allSatisfy(p -> assertThat(p.getSpec().getNodeName()).isEqualTo("embedded"));
    String output = bytes.toString(StandardCharsets.UTF_8);
    assertThat(output)
        .contains(
            "cluster up at 127.0.0.1:",
            "deployment.apps/hello created",
            "2/2 pods running",
            "Running on embedded",
            "cluster stopped");
  }
}
