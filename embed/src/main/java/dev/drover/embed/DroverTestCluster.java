package dev.drover.embed;

import dev.drover.agent.runtime.RuntimeKind;
import dev.drover.agent.runtime.docker.DockerProbe;
import dev.drover.api.ApiObjects;
import dev.drover.api.Kinds;
import dev.drover.api.v1.ApplyRequest;
import dev.drover.api.v1.ApplyResponse;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.client.DroverClient;
import dev.drover.client.manifest.ManifestException;
import dev.drover.client.manifest.ManifestObject;
import dev.drover.client.manifest.ManifestParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.opentest4j.TestAbortedException;

/**
 * A JUnit 5 extension that gives a test class a throwaway Drover cluster: one in-process master on
 * a fresh store and one node agent ({@value #NODE}), on the simulated runtime or on the local
 * Docker daemon. Registered on a static field it lives for the whole class; on an instance field,
 * for each test. It is gone, with its state, once the tests are done.
 *
 * <pre>{@code
 * @RegisterExtension
 * static DroverTestCluster cluster = DroverTestCluster.simulated();
 *
 * @Test
 * void deploys() throws Exception {
 *   cluster.apply("apiVersion: v1\nkind: Pod\n...");
 *   try (DroverClient client = cluster.newClient()) { ... }
 * }
 * }</pre>
 *
 * <p>With {@link #docker()}, a machine without a reachable Docker daemon skips the tests with the
 * reason, except under {@code CI=true}, where a missing Docker is a failure.
 */
public final class DroverTestCluster
    implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {

  /** The name of the cluster's one node. */
  public static final String NODE = "test-node";

  private final RuntimeKind runtime;
  private Duration readyTimeout = Duration.ofSeconds(60);
  private Path dir;
  private DroverMaster cluster;
  private boolean perClass;

  private DroverTestCluster(RuntimeKind runtime) {
    this.runtime = runtime;
  }

  /** A cluster whose pods are simulated: no Docker needed, pods "run" at once. */
  public static DroverTestCluster simulated() {
    return new DroverTestCluster(RuntimeKind.SIMULATED);
  }

  /** A cluster whose pods are real containers on the local Docker daemon. */
  public static DroverTestCluster docker() {
    return new DroverTestCluster(RuntimeKind.DOCKER);
  }

  /** How long to wait for the node to become Ready at start (default 60 s). */
  public DroverTestCluster readyTimeout(Duration timeout) {
    this.readyTimeout = timeout;
    return this;
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    perClass = true;
    start();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    stop();
  }

  @Override
  public void beforeEach(ExtensionContext context) throws Exception {
    if (!perClass) {
      start();
    }
  }

  @Override
  public void afterEach(ExtensionContext context) {
    if (!perClass) {
      stop();
    }
  }

  /** Starts the cluster; the extension calls this, tests need not. */
  public void start() throws IOException, TimeoutException {
    if (cluster != null) {
      return;
    }
    String dockerHost = DockerProbe.dockerHost(System.getenv());
    if (runtime == RuntimeKind.DOCKER) {
      DockerProbe.Result probe = DockerProbe.probe(dockerHost, Duration.ofSeconds(5));
      if (!probe.reachable()) {
        String why = "Docker is not reachable at " + dockerHost + ": " + probe.problem();
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
          throw new IllegalStateException(why + " (CI=true: Docker tests must run)");
        }
        System.err.println("DroverTestCluster: skipping: " + why);
        throw new TestAbortedException(why);
      }
    }
    dir = Files.createTempDirectory("drover-test-cluster-");
    DroverMaster started =
        Drover.master()
            .withAgent(
                a ->
                    a.nodeName(NODE)
                        .runtime(runtime)
                        .dockerHost(dockerHost)
                        .dataDir(dir.resolve("agent")))
            .start();
    try {
      started.awaitNodeReady(NODE, readyTimeout);
    } catch (TimeoutException | RuntimeException e) {
      started.close();
      throw e;
    }
    cluster = started;
  }

  /** Stops the cluster and removes its files; the extension calls this, tests need not. */
  public void stop() {
    if (cluster == null) {
      return;
    }
    try {
      cluster.close();
    } finally {
      cluster = null;
      deleteTree(dir);
    }
  }

  private DroverMaster running() {
    if (cluster == null) {
      throw new IllegalStateException(
          "the cluster is not running: register DroverTestCluster" + " with @RegisterExtension");
    }
    return cluster;
  }

  /** The API address, host:port. */
  public String endpoint() {
    return running().endpoint();
  }

  /** The runtime the cluster's node uses. */
  public RuntimeKind runtime() {
    return runtime;
  }

  /** The running master and agent. */
  public DroverMaster master() {
    return running();
  }

  /** A new typed client of the cluster (the caller closes it). */
  public DroverClient newClient() {
    return running().newClient();
  }

  /**
   * Applies Kubernetes-shaped YAML (one or more documents; objects without a namespace go to
   * "default"), all or nothing, and returns the objects as stored.
   *
   * @throws ManifestException when the YAML is not a valid manifest (nothing is applied then)
   */
  public List<Object> apply(String yaml) throws ManifestException {
    return apply(new ManifestParser().parse("manifest", yaml).objects());
  }

  /** Applies the manifest file (or every manifest of a directory), like {@code drover apply -f}. */
  public List<Object> apply(Path manifests) throws ManifestException {
    return apply(new ManifestParser().parsePaths(List.of(manifests)).objects());
  }

  private List<Object> apply(List<ManifestObject> parsed) {
    ApplyRequest.Builder request = ApplyRequest.newBuilder().setFieldManager("drover-test");
    for (ManifestObject read : parsed) {
      Object object = read.object();
      ObjectMeta meta = ApiObjects.meta(object);
      if (Kinds.isNamespaced(Kinds.kindOf(object)) && meta.getNamespace().isEmpty()) {
        object = ApiObjects.withMeta(object, meta.toBuilder().setNamespace("default").build());
      }
      request.addObjects(object);
    }
    try (DroverClient client = newClient()) {
      ApplyResponse response = client.control().apply(request.build());
      List<Object> applied = new ArrayList<>();
      response.getResultsList().forEach(r -> applied.add(r.getObject()));
      return applied;
    }
  }

  private static void deleteTree(Path root) {
    if (root == null || !Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot remove " + root, e);
    }
  }
}
