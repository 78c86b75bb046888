package dev.drover.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.embed.DroverTestCluster;
import dev.drover.examples.grpcclient.GrpcClientExample;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Runs the plain-gRPC client example against a throwaway cluster. */
class GrpcClientExampleTest {

  @RegisterExtension static DroverTestCluster cluster = DroverTestCluster.simulated();

  @Test
  void createsReadsListsAndDeletesWithTheGeneratedStubsOnly() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    String message;
    try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
      message = GrpcClientExample.run(cluster.endpoint(), out);
    }
    assertThat(message).isEqualTo("hello from plain gRPC");
    assertThat(bytes.toString(StandardCharsets.UTF_8))
        .contains(
            "created configmap/greeting",
            "node " + DroverTestCluster.NODE,
            "deleted configmap/greeting");
    try (var client = cluster.newClient()) {
      assertThat(client.configMaps().list("default", "")).isEmpty();
    }
  }

  @Test
  void importsNothingButGrpcAndTheGeneratedApi() throws Exception {
    Path source = Path.of("src/main/java/dev/drover/examples/grpcclient/GrpcClientExample.java");
    List<String> imports =
        Files.readAllLines(source).stream().filter(l -> l.startsWith("import ")).toList();
    assertThat(imports)
        .isNotEmpty()
        .allSatisfy(
            l ->
                assertThat(l)
                    .matches(
                        "import (io\\.grpc\\.[A-Z]\\w*|dev\\.drover\\.api\\.v1\\.[A-Z]\\w*|java\\.[\\w.]+);"));
  }
}
