package dev.drover.agent.runtime.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import com.github.dockerjava.transport.DockerHttpClient;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Shared plumbing for tests that need a real Docker daemon: builds docker-java clients for the
 * local daemon and decides, before such a test runs, whether a missing daemon means "skip" (a
 * developer machine without Docker) or "fail" (CI, where {@code CI=true} and the Docker tests must
 * never pass unnoticed by skipping).
 *
 * <p>The images and the registry named here are prepared by {@code scripts/test-env.sh}.
 */
public final class DockerTestSupport {

  /** The daemon every Docker test talks to. */
  public static final String DOCKER_HOST = "unix:///var/run/docker.sock";

  /** Base URL of the loopback registry that {@code scripts/test-env.sh} runs. */
  public static final String REGISTRY_URL = "http://127.0.0.1:5000";

  /** The busybox test image as served by the loopback registry. */
  public static final String REGISTRY_IMAGE = "127.0.0.1:5000/busybox:1";

  /** The same image under its local-only name, present without any pull. */
  public static final String LOCAL_IMAGE = "drover.local/busybox:1";

  // Generous: the machine is small and shared; a pull or a wait on a loaded host takes time.
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration RESPONSE_TIMEOUT = Duration.ofMinutes(2);
  // A ping that takes longer than this means the daemon is not usable for tests anyway.
  private static final Duration PING_TIMEOUT = Duration.ofSeconds(15);

  private DockerTestSupport() {}

  /** A client for the daemon at {@link #DOCKER_HOST}; the caller closes it. */
  public static DockerClient newClient() {
    return newClient(DOCKER_HOST, RESPONSE_TIMEOUT);
  }

  /**
   * Returns when a Docker daemon answers a ping at {@link #DOCKER_HOST}. Otherwise aborts the
   * calling test (reported as skipped, with the reason) or, when the environment variable {@code
   * CI} is {@code true}, fails it.
   */
  public static void assumeDocker() {
    assumeDocker(DOCKER_HOST, isCi(), callerName());
  }

  /**
   * {@link #assumeDocker()} for a fixture that a JUnit extension opens: a skip is announced under
   * the name of the test about to run rather than the extension's.
   */
  public static void assumeDocker(ExtensionContext test) {
    assumeDocker(
        DOCKER_HOST,
        isCi(),
        test.getRequiredTestClass().getName() + "." + test.getRequiredTestMethod().getName());
  }

  /** True when running in CI, where every Docker test must run. */
  public static boolean isCi() {
    return "true".equalsIgnoreCase(System.getenv("CI"));
  }

  static void assumeDocker(String dockerHost, boolean ci) {
    assumeDocker(dockerHost, ci, null);
  }

  /** Announces a skip on the console under {@code testName} unless it is null. */
  private static void assumeDocker(String dockerHost, boolean ci, String testName) {
    Optional<Exception> failure = ping(dockerHost);
    if (failure.isEmpty()) {
      return;
    }
    if (ci) {
      throw new AssertionError(
          "Docker daemon not reachable at "
              + dockerHost
              + "; CI=true requires the Docker tests to run (start it with scripts/test-env.sh)",
          failure.get());
    }
    if (testName != null) {
      announceSkip(testName, skipMessage(dockerHost));
    }
    Assumptions.assumeTrue(false, skipMessage(dockerHost));
  }

  /**
   * Surefire keeps an aborted test's reason only in its XML report and shows a bare "Skipped" on
   * the console; the process's own stderr, unlike System.err, is forwarded to the console, so the
   * reason is written there too for whoever runs the build.
   */
  private static void announceSkip(String testName, String reason) {
    PrintStream console = new PrintStream(new FileOutputStream(FileDescriptor.err), true);
    console.println("[drover-test] SKIPPED " + testName + ": " + reason);
  }

  /** The class and method that called into this class, as "Class.method". */
  private static String callerName() {
    StackWalker.StackFrame caller =
        StackWalker.getInstance()
            .walk(
                frames ->
                    frames
                        .filter(f -> !f.getClassName().equals(DockerTestSupport.class.getName()))
                        .findFirst()
                        .orElseThrow());
    return caller.getClassName() + "." + caller.getMethodName();
  }

  static String skipMessage(String dockerHost) {
    return "Docker daemon not reachable at "
        + dockerHost
        + "; skipping (set CI=true to make this a failure)";
  }

  static DockerClient newClient(String dockerHost, Duration responseTimeout) {
    DockerClientConfig config =
        DefaultDockerClientConfig.createDefaultConfigBuilder().withDockerHost(dockerHost).build();
    DockerHttpClient http =
        new ApacheDockerHttpClient.Builder()
            .dockerHost(config.getDockerHost())
            .sslConfig(config.getSSLConfig())
            .connectionTimeout(CONNECT_TIMEOUT)
            .responseTimeout(responseTimeout)
            .maxConnections(8)
            .build();
    return DockerClientImpl.getInstance(config, http);
  }

  /** Empty when the daemon answered; otherwise why it did not. */
  private static Optional<Exception> ping(String dockerHost) {
    try (DockerClient client = newClient(dockerHost, PING_TIMEOUT)) {
      client.pingCmd().exec();
      return Optional.empty();
    } catch (RuntimeException | IOException e) {
      // docker-java wraps connection failures (no socket, refused, timeout) in runtime exceptions.
      return Optional.of(e);
    }
  }
}
