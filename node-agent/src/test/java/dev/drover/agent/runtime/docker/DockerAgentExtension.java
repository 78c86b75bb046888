package dev.drover.agent.runtime.docker;

import dev.drover.testing.FixtureExtension;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Gives each test of a class annotated {@code @ExtendWith(DockerAgentExtension.class)} a fresh
 * {@link DockerAgentFixture} on the local daemon in its {@code DockerAgentFixture} field, and
 * closes it (removing the node's containers) after the test. Without a daemon the test is skipped,
 * or fails under {@code CI=true}, as {@link DockerTestSupport#assumeDocker()} decides.
 */
final class DockerAgentExtension extends FixtureExtension<DockerAgentFixture> {

  DockerAgentExtension() {
    super(DockerAgentFixture.class);
  }

  @Override
  protected DockerAgentFixture open(ExtensionContext context) throws Exception {
    DockerTestSupport.assumeDocker(context);
    return new DockerAgentFixture();
  }
}
