package dev.drover.agent.runtime.docker;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.opentest4j.TestAbortedException;

/**
 * Checks the skip-or-fail rule of {@link DockerTestSupport#assumeDocker()} against a daemon address
 * where nothing listens, so it runs (and means something) on every machine.
 */
class DockerTestSupportTest {

  private static final String NO_DAEMON = "unix:///nonexistent/drover-no-daemon.sock";

  @Test
  void missingDaemonSkipsWithReasonOutsideCi() {
    assertThatThrownBy(() -> DockerTestSupport.assumeDocker(NO_DAEMON, false))
        .isInstanceOf(TestAbortedException.class)
        .hasMessageContaining(
            "Docker daemon not reachable at "
                + NO_DAEMON
                + "; skipping (set CI=true to make this a failure)");
  }

  @Test
  void missingDaemonFailsTheTestInCi() {
    assertThatThrownBy(() -> DockerTestSupport.assumeDocker(NO_DAEMON, true))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("Docker daemon not reachable at " + NO_DAEMON)
        .hasMessageContaining("CI=true")
        .hasCauseInstanceOf(RuntimeException.class);
  }
}
