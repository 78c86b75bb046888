package dev.drover.cli.command;

import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.api.ServiceTypes;
import dev.drover.embed.DroverTestCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server's warnings reach the user once, as kubectl prints them ("Warning: ..." on stderr),
 * through the warnings channel of the response, against a real master: a LoadBalancer Service
 * applied, and applied again unchanged.
 */
class ServerWarningsTest {
  @RegisterExtension static DroverTestCluster cluster = DroverTestCluster.simulated();

  @TempDir static Path home;

  @Test
  void aLoadBalancerServiceIsAppliedWithOneWarningEachTime() throws Exception {
    Path manifest = home.resolve("lb.yaml");
    Files.writeString(
        manifest,
        """
        apiVersion: v1
        kind: Service
        metadata: {name: lb}
        spec:
          type: LoadBalancer
          selector: {app: web}
          ports: [{port: 80}]
        """);
    String expected = "Warning: service/lb: " + ServiceTypes.LOAD_BALANCER_WARNING;
    for (int round = 0; round < 2; round++) {
      ClusterCli.Run apply = new ClusterCli(cluster, home).run("apply", "-f", manifest.toString());
      assertThat(apply.code()).as(apply.err()).isZero();
      assertThat(apply.err().lines().filter(l -> l.startsWith("Warning:")).toList())
          .containsExactly(expected);
    }
  }
}
