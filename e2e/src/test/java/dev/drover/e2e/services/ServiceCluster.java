package dev.drover.e2e.services;

import static org.awaitility.Awaitility.await;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Container;
import dev.drover.agent.AgentConfig;
import dev.drover.agent.NodeAgent;
import dev.drover.agent.runtime.RuntimeKind;
import dev.drover.agent.runtime.docker.DockerTestSupport;
import dev.drover.agent.sync.Labels;
import dev.drover.api.v1.ConditionStatus;
import dev.drover.api.v1.ContainerPort;
import dev.drover.api.v1.Deployment;
import dev.drover.api.v1.EndpointAddress;
import dev.drover.api.v1.EndpointSubset;
import dev.drover.api.v1.Endpoints;
import dev.drover.api.v1.IntOrString;
import dev.drover.api.v1.Node;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.Probe;
import dev.drover.api.v1.Service;
import dev.drover.api.v1.ServicePort;
import dev.drover.api.v1.ServiceSpec;
import dev.drover.api.v1.ServiceType;
import dev.drover.api.v1.TcpSocketAction;
import dev.drover.client.DroverClient;
import dev.drover.master.Master;
import dev.drover.testing.TestObjects;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A master and one Docker agent in this JVM, for the service proxy's cluster tests: deployments of
 * busybox pods, services in front of them, and plain-socket requests through node ports. Node ports
 * come from 30000-30999 and the agent's host ports from 32000-32767, so the two never meet.
 */
final class ServiceCluster implements AutoCloseable {
  static final Duration LONG = Duration.ofSeconds(120);
  static final String IMAGE = DockerTestSupport.REGISTRY_IMAGE;

  final String node = "svc-" + UUID.randomUUID().toString().substring(0, 8);
  final Path dir;
  final Master master;
  final DroverClient client;
  final NodeAgent agent;
  final DockerClient docker;

  ServiceCluster() throws IOException {
    DockerTestSupport.assumeDocker();
    dir = Files.createTempDirectory("drover-services-it");
    docker = DockerTestSupport.newClient();
    master = Master.builder().apiHost("127.0.0.1").apiPort(0).metricsPort(-1).start();
    master.objects().services().nodePortRange(30000, 30999);
    client = DroverClient.builder().endpoint(master.apiAddress()).build();
    await().atMost(LONG).until(master::isActive);
    agent =
        NodeAgent.create(
                AgentConfig.builder()
                    .nodeName(node)
                    .masterEndpoint(master.apiAddress())
                    .runtime(RuntimeKind.DOCKER)
                    .dockerHost(DockerTestSupport.DOCKER_HOST)
                    .dataDir(dir.resolve("agent"))
                    .hostIp("127.0.0.1")
                    .bindAddress("127.0.0.1")
                    .agentPort(0)
                    .hostPortRange(32000, 32767)
                    .syncPeriod(Duration.ofMillis(500))
                    .heartbeatInterval(Duration.ofSeconds(1))
                    .build())
            .start();
    await().atMost(LONG).ignoreExceptions().until(() -> ready(client.nodes().get("", node)));
  }

  private static boolean ready(Node n) {
    return n.getStatus().getConditionsList().stream()
        .anyMatch(
            c ->
                c.getType().equals("Ready")
                    && c.getStatus() == ConditionStatus.CONDITION_STATUS_TRUE);
  }

  /**
   * A deployment of busybox pods labelled app={@code app}, each running {@code script} with a
   * container port named "http" at {@code port}, ready once that port accepts connections.
   */
  Deployment deployment(String app, int replicas, int port, String script) {
    return deployment(
        app,
        replicas,
        port,
        script,
        Probe.newBuilder()
            .setTcpSocket(
                TcpSocketAction.newBuilder().setPort(IntOrString.newBuilder().setIntValue(port)))
            .setPeriodSeconds(1)
            .build());
  }

  /** As {@link #deployment(String, int, int, String)}, ready as {@code readiness} says. */
  Deployment deployment(String app, int replicas, int port, String script, Probe readiness) {
    Deployment.Builder d =
        TestObjects.deployment("default", app, replicas, TestObjects.shell("main", IMAGE, script));
    var pod = d.getSpecBuilder().getTemplateBuilder().getSpecBuilder();
    pod.setTerminationGracePeriodSeconds(2);
    pod.getContainersBuilder(0)
        .addPorts(ContainerPort.newBuilder().setName("http").setContainerPort(port))
        .setReadinessProbe(readiness);
    return client.deployments().create(d.build());
  }

  /** A NodePort service for app={@code app} targeting the container port named "http". */
  static Service.Builder nodePortService(String name, String app, int port) {
    return Service.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setNamespace("default").setName(name))
        .setSpec(
            ServiceSpec.newBuilder()
                .setType(ServiceType.SERVICE_TYPE_NODE_PORT)
                .putSelector("app", app)
                .addPorts(
                    ServicePort.newBuilder()
                        .setName("http")
                        .setPort(port)
                        .setTargetPort(IntOrString.newBuilder().setStringValue("http"))));
  }

  /** The ready pods behind a service, by name. */
  List<String> readyPods(String service) {
    List<String> out = new ArrayList<>();
    Endpoints ep;
    try {
      ep = client.endpoints().get("default", service);
    } catch (RuntimeException e) {
      return out;
    }
    for (EndpointSubset s : ep.getSubsetsList()) {
      for (EndpointAddress a : s.getAddressesList()) {
        out.add(a.getTargetRef().getName());
      }
    }
    return out;
  }

  /** Sends {@code request} to 127.0.0.1:{@code port} and returns everything the server sent. */
  static String exchange(int port, String request) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
      s.setSoTimeout(5000);
      OutputStream out = s.getOutputStream();
      out.write(request.getBytes(StandardCharsets.UTF_8));
      out.flush();
      InputStream in = s.getInputStream();
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      in.transferTo(all);
      return all.toString(StandardCharsets.UTF_8);
    }
  }

  /** The body of GET / from 127.0.0.1:{@code port}; throws unless the answer is a 200. */
  static String get(int port) throws IOException {
    String answer = exchange(port, "GET / HTTP/1.0\r\nHost: test\r\n\r\n");
    int body = answer.indexOf("\r\n\r\n");
    if (!answer.startsWith("HTTP/1.") || !answer.contains(" 200 ") || body < 0) {
      throw new IOException("unexpected answer: " + answer);
    }
    return answer.substring(body + 4).trim();
  }

  /** Runs {@code command} with sh in the main container of pod {@code pod}, and waits for it. */
  void exec(String pod, String command) throws InterruptedException {
    String id =
        docker
            .listContainersCmd()
            .withLabelFilter(
                Map.of(Labels.NODE, node, Labels.POD_NAME, pod, Labels.CONTAINER_NAME, "main"))
            .exec()
            .get(0)
            .getId();
    String exec = docker.execCreateCmd(id).withCmd("sh", "-c", command).exec().getId();
    docker.execStartCmd(exec).start().awaitCompletion(30, TimeUnit.SECONDS);
  }

  /** Stops the agent, then removes this node's containers, the master and the files. */
  @Override
  public void close() throws Exception {
    try (client;
        master;
        docker) {
      agent.close();
      docker
          .listContainersCmd()
          .withShowAll(true)
          .withLabelFilter(Map.of("drover.node", node))
          .exec()
          .stream()
          .map(Container::getId)
          .forEach(this::removeQuietly);
    } finally {
      try (Stream<Path> walk = Files.walk(dir)) {
        walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private void removeQuietly(String containerId) {
    try {
      docker.removeContainerCmd(containerId).withForce(true).exec();
    } catch (RuntimeException gone) {
      // Removed already (the agent or the daemon got there first).
    }
  }
}
