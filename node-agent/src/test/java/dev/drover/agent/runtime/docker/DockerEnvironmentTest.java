package dev.drover.agent.runtime.docker;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.WaitContainerResultCallback;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Info;
import com.github.dockerjava.api.model.PullResponseItem;
import dev.drover.agent.runtime.HostFacts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Proves the test environment end to end with the same client stack the agent uses (docker-java,
 * httpclient5 transport, unix socket): the image is pulled from the loopback registry, a container
 * runs, its output is read back, and it is removed.
 */
class DockerEnvironmentTest {

  private static final long TIMEOUT_SECONDS = Duration.ofMinutes(2).toSeconds();
  private static final String MANIFEST_V2 = "application/vnd.docker.distribution.manifest.v2+json";

  private DockerClient docker;

  @BeforeEach
  void connect() {
    DockerTestSupport.assumeDocker();
    docker = DockerTestSupport.newClient();
  }

  @AfterEach
  void disconnect() throws IOException {
    if (docker != null) {
      docker.close();
    }
  }

  /** The node's capacity comes from what the daemon reports (issue 5, deliver 1). */
  @Test
  void hostFactsAreTheDaemonsCpusMemoryAndVersion() {
    Info info = docker.infoCmd().exec();
    try (DockerRuntime runtime =
        DockerRuntime.connect(DockerTestSupport.DOCKER_HOST, Duration.ofSeconds(30))) {
      HostFacts facts = runtime.hostFacts();
      assertThat(facts.cpus()).isEqualTo(info.getNCPU()).isPositive();
      assertThat(facts.memoryBytes()).isEqualTo(info.getMemTotal()).isPositive();
      assertThat(facts.runtimeVersion()).isEqualTo("docker://" + info.getServerVersion());
      assertThat(facts.kernelVersion()).isEqualTo(info.getKernelVersion());
    }
  }

  @Test
  void pullsFromLocalRegistryRunsContainerReadsOutputAndRemovesIt() throws Exception {
    // The digest the registry serves for busybox:1; the pull must report exactly this one. The
    // local tag is deliberately not removed first: other tests on this shared daemon may be using
    // it, and the digest match already proves the pull fetched the manifest from the registry.
    String servedDigest = registryManifestDigest("busybox", "1");

    List<String> pullStatuses = pull("127.0.0.1:5000/busybox", "1");
    assertThat(pullStatuses)
        .contains("Digest: " + servedDigest)
        .anySatisfy(
            status ->
                assertThat(status)
                    .startsWith("Status: ")
                    .endsWith(DockerTestSupport.REGISTRY_IMAGE));

    // The marker reaches the container through its environment and comes back through sh and the
    // log stream, so this checks env passing, command execution and log reading together.
    String marker = "drover-env-" + UUID.randomUUID();
    String id =
        docker
            .createContainerCmd(DockerTestSupport.REGISTRY_IMAGE)
            .withName(marker)
            .withEnv("GREETING=" + marker)
            .withCmd("sh", "-c", "echo \"$GREETING\"")
            .withLabels(Map.of("dev.drover.test", "DockerEnvironmentTest"))
            .withHostConfig(HostConfig.newHostConfig().withNetworkMode("none"))
            .exec()
            .getId();
    try {
      docker.startContainerCmd(id).exec();
      Integer exitCode =
          docker
              .waitContainerCmd(id)
              .exec(new WaitContainerResultCallback())
              .awaitStatusCode(TIMEOUT_SECONDS, TimeUnit.SECONDS);
      assertThat(exitCode).isZero();
      assertThat(logs(id)).isEqualTo(marker + "\n");
    } finally {
      docker.removeContainerCmd(id).withForce(true).exec();
    }
    assertThatThrownBy(() -> docker.inspectContainerCmd(id).exec())
        .isInstanceOf(NotFoundException.class);
  }

  /** Pulls repository:tag and returns the status lines the daemon reported, in order. */
  private List<String> pull(String repository, String tag) throws InterruptedException {
    List<String> statuses = new CopyOnWriteArrayList<>();
    List<String> errors = new CopyOnWriteArrayList<>();
    ResultCallback.Adapter<PullResponseItem> callback =
        new ResultCallback.Adapter<>() {
          @Override
          public void onNext(PullResponseItem item) {
            if (item.getStatus() != null) {
              statuses.add(item.getStatus());
            }
            if (item.getErrorDetail() != null) {
              errors.add(item.getErrorDetail().getMessage());
            }
          }
        };
    boolean completed =
        docker
            .pullImageCmd(repository)
            .withTag(tag)
            .exec(callback)
            .awaitCompletion(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    assertThat(completed).as("pull of %s:%s finished in time", repository, tag).isTrue();
    assertThat(errors).as("errors reported by the pull").isEmpty();
    return statuses;
  }

  /** Everything the container wrote to stdout and stderr. */
  private String logs(String containerId) throws InterruptedException {
    StringBuffer output = new StringBuffer();
    boolean completed =
        docker
            .logContainerCmd(containerId)
            .withStdOut(true)
            .withStdErr(true)
            .withFollowStream(false)
            .exec(
                new ResultCallback.Adapter<Frame>() {
                  @Override
                  public void onNext(Frame frame) {
                    output.append(new String(frame.getPayload(), UTF_8));
                  }
                })
            .awaitCompletion(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    assertThat(completed).as("log stream of %s finished in time", containerId).isTrue();
    return output.toString();
  }

  /** The manifest digest the loopback registry serves for repository:tag. */
  private static String registryManifestDigest(String repository, String tag)
      throws InterruptedException {
    URI uri =
        URI.create(DockerTestSupport.REGISTRY_URL + "/v2/" + repository + "/manifests/" + tag);
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    HttpRequest request =
        HttpRequest.newBuilder(uri)
            .method("HEAD", HttpRequest.BodyPublishers.noBody())
            .header("Accept", MANIFEST_V2)
            .timeout(Duration.ofSeconds(30))
            .build();
    HttpResponse<Void> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.discarding());
    } catch (IOException e) {
      throw new UncheckedIOException(
          "local registry not reachable at "
              + DockerTestSupport.REGISTRY_URL
              + "; run scripts/test-env.sh to start it",
          e);
    }
    assertThat(response.statusCode()).as("registry answer for %s", uri).isEqualTo(200);
    return response
        .headers()
        .firstValue("Docker-Content-Digest")
        .orElseThrow(() -> new AssertionError("registry sent no Docker-Content-Digest for " + uri));
  }
}
