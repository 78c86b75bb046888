package dev.drover.cluster;

import dev.drover.agent.runtime.docker.DockerTestSupport;
import dev.drover.client.DroverClient;
import dev.drover.testing.FixtureExtension;
import java.util.Map;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Gives each test a fresh {@link DockerNodeCluster} (its agent's data in a temporary directory of
 * its own) in the test class's {@code DockerNodeCluster} field, its client in the class's {@code
 * DroverClient} field if it has one, and closes the cluster after the test. Without a Docker daemon
 * the test is skipped, or fails under {@code CI=true}, as {@link DockerTestSupport#assumeDocker()}
 * decides. Register it with {@code @RegisterExtension}, naming the prefix of the node's name.
 */
final class DockerClusterExtension extends FixtureExtension<DockerNodeCluster> {
  private final String nodePrefix;

  DockerClusterExtension(String nodePrefix) {
    super(DockerNodeCluster.class);
    this.nodePrefix = nodePrefix;
  }

  @Override
  protected DockerNodeCluster open(ExtensionContext context) throws Exception {
    DockerTestSupport.assumeDocker(context);
    return new DockerNodeCluster(nodePrefix, tempDir(context));
  }

  @Override
  protected Map<Class<?>, Object> fieldValues(DockerNodeCluster cluster) {
    return Map.of(DockerNodeCluster.class, cluster, DroverClient.class, cluster.client);
  }
}
