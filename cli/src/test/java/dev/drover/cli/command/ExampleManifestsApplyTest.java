package dev.drover.cli.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodPhase;
import dev.drover.client.DroverClient;
import dev.drover.embed.DroverTestCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Applies every manifest of examples/manifests with {@code drover apply} against a throwaway
 * cluster (simulated runtime), checks that each object exists and that each workload's pods are
 * placed on the node and Running, then deletes it with {@code drover delete -f} and checks that it
 * is gone. The web manifest runs on real Docker in the README tour test (dist/).
 */
class ExampleManifestsApplyTest {

  @RegisterExtension static DroverTestCluster cluster = DroverTestCluster.simulated();

  @TempDir static Path home;

  static Stream<Path> manifests() throws IOException {
    List<Path> files;
    try (Stream<Path> list = Files.list(Path.of("..", "examples", "manifests"))) {
      files = list.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    }
    assertThat(files)
        .extracting(p -> p.getFileName().toString())
        .contains(
            "web.yaml",
            "multi-container-pod.yaml",
            "daemonset.yaml",
            "job.yaml",
            "deployment-probes-limits.yaml");
    return files.stream();
  }

  static ClusterCli.Run drover(String... args) {
    return new ClusterCli(cluster, home).run(args);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("manifests")
  void appliesRunsAndDeletes(Path manifest) {
    ClusterCli.Run apply = drover("apply", "-f", manifest.toString());
    assertThat(apply.code()).as(apply.err()).isZero();
    List<String> refs = apply.out().lines().map(l -> l.substring(0, l.indexOf(' '))).toList();
    assertThat(apply.out().lines()).isNotEmpty().allMatch(l -> l.endsWith(" created"));

    for (String ref : refs) {
      ClusterCli.Run get = drover("get", ref, "-o", "yaml");
      assertThat(get.code()).as(ref + ": " + get.err()).isZero();
    }
    // Every workload gets its pods, all placed on the cluster's one node.
    try (DroverClient client = cluster.newClient()) {
      await()
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(
              () -> {
                List<Pod> pods = client.pods().list("default", "");
                assertThat(pods)
                    .isNotEmpty()
                    .allSatisfy(
                        p -> {
                          assertThat(p.getSpec().getNodeName()).isEqualTo(DroverTestCluster.NODE);
                          assertThat(p.getStatus().getPhase())
                              .isEqualTo(PodPhase.POD_PHASE_RUNNING);
                        });
              });
    }

    ClusterCli.Run delete = drover("delete", "-f", manifest.toString());
    assertThat(delete.code()).as(delete.err()).isZero();
    for (String ref : refs) {
      await()
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(() -> assertThat(drover("get", ref).code()).isEqualTo(1));
    }
    try (DroverClient client = cluster.newClient()) {
      await()
          .atMost(Duration.ofSeconds(90))
          .untilAsserted(() -> assertThat(client.pods().list("default", "")).isEmpty());
    }
  }
}
