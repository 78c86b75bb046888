package dev.drover.agent.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.drover.api.v1.EndpointAddress;
import dev.drover.api.v1.EndpointPort;
import dev.drover.api.v1.EndpointSubset;
import dev.drover.api.v1.Endpoints;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.ObjectReference;
import dev.drover.api.v1.ProxyProtocol;
import dev.drover.api.v1.Service;
import dev.drover.api.v1.ServicePort;
import dev.drover.api.v1.ServiceSpec;
import dev.drover.api.v1.ServiceType;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The proxy's listener reconciliation and forwarding against plain loopback backends: balancing
 * over the ready endpoints, endpoint changes applied in place without dropping open connections,
 * connect failures moving on to the next endpoint, listeners closed with their service, bind
 * failures reported per service, and the PROXY header.
 */
class ServiceProxyTest {
  private final NamedBackends backends = new NamedBackends();
  private final List<String> events = new CopyOnWriteArrayList<>();
  private final ServiceProxy proxy =
      new ServiceProxy(
          new ProxyConfig(
                  false, List.of(), "127.0.0.1", "127.0.0.1", 2, 1000, Duration.ofSeconds(1))
              .withTransport(transport()),
          (svc, reason, message) ->
              events.add(svc.getMetadata().getName() + " " + reason + " " + message));

  /** The transport under test: epoll where it loads (NIO elsewhere); a subclass runs NIO. */
  ProxyConfig.Transport transport() {
    return ProxyConfig.Transport.AUTO;
  }

  @AfterEach
  void tearDown() throws IOException {
    proxy.close();
    backends.close();
  }

  private static int freePort() throws IOException {
    return freePorts(1)[0];
  }

  /**
   * Ports free right now, all different: held open together while they are picked, since the kernel
   * may hand a port just closed to the next bind to port 0.
   */
  private static int[] freePorts(int n) throws IOException {
    List<ServerSocket> open = new ArrayList<>();
    try {
      int[] ports = new int[n];
      for (int i = 0; i < n; i++) {
        open.add(new ServerSocket(0));
        ports[i] = open.get(i).getLocalPort();
      }
      return ports;
    } finally {
      for (ServerSocket s : open) {
        s.close();
      }
    }
  }

  static Service service(String name, int nodePort, ProxyProtocol pp) {
    return Service.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setNamespace("default").setName(name))
        .setSpec(
            ServiceSpec.newBuilder()
                .setType(ServiceType.SERVICE_TYPE_NODE_PORT)
                .setProxyProtocol(pp)
                .addPorts(
                    ServicePort.newBuilder().setName("http").setPort(80).setNodePort(nodePort)))
        .build();
  }

  static Endpoints endpoints(String name, Map<String, Integer> ready) {
    EndpointSubset.Builder subset =
        EndpointSubset.newBuilder().addPorts(EndpointPort.newBuilder().setName("http").setPort(1));
    Endpoints.Builder ep =
        Endpoints.newBuilder()
            .setMetadata(ObjectMeta.newBuilder().setNamespace("default").setName(name));
    // One subset per backend, since each listens on its own port.
    ready.forEach(
        (pod, port) ->
            ep.addSubsets(
                subset
                    .clone()
                    .clearPorts()
                    .addPorts(EndpointPort.newBuilder().setName("http").setPort(port))
                    .addAddresses(
                        EndpointAddress.newBuilder()
                            .setIp("127.0.0.1")
                            .setTargetRef(ObjectReference.newBuilder().setName(pod)))));
    return ep.build();
  }

  /** Connects to the node port and returns the first line the backend sent. */
  private static String ask(int port) throws IOException {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(5000);
      return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8))
          .readLine();
    }
  }

  @Test
  void balancesOverReadyEndpointsAndAppliesChangesInPlace() throws Exception {
    int a = backends.start("a", false);
    int b = backends.start("b", false);
    int c = backends.start("c", false);
    int nodePort = freePort();
    proxy.putService(service("web", nodePort, ProxyProtocol.PROXY_PROTOCOL_UNSPECIFIED));
    proxy.putEndpoints(endpoints("web", Map.of("a", a, "b", b, "c", c)));
    proxy.reconcileAndWait();
    assertThat(proxy.listening()).containsEntry("127.0.0.1:" + nodePort, "default/web/http");

    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 30; i++) {
      seen.add(ask(nodePort));
    }
    assertThat(seen).containsExactlyInAnyOrder("a", "b", "c");

    // An open connection survives the change of its backend set.
    try (Socket open = new Socket("127.0.0.1", nodePort)) {
      open.setSoTimeout(5000);
      BufferedReader in =
          new BufferedReader(new InputStreamReader(open.getInputStream(), StandardCharsets.UTF_8));
      String first = in.readLine();
      proxy.putEndpoints(
          endpoints(
              "web",
              Map.of("a", a, "b", b, "c", c).entrySet().stream()
                  .filter(e -> !e.getKey().equals(first))
                  .collect(
                      java.util.stream.Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue))));
      proxy.reconcileAndWait();
      for (int i = 0; i < 20; i++) {
        assertThat(ask(nodePort)).isNotEqualTo(first);
      }
      open.getOutputStream().write("still here\n".getBytes(StandardCharsets.UTF_8));
      assertThat(in.readLine()).isEqualTo("still here");
    }
    ProxyMetrics m = proxy.metrics("default/web");
    assertThat(m.connections()).isGreaterThanOrEqualTo(51);
    assertThat(m.bytesIn()).isEqualTo("still here\n".length());
    assertThat(m.chosen()).hasSize(3);
    await().atMost(Duration.ofSeconds(5)).until(() -> m.active() == 0);
  }

  /** An address of pod {@code pod} on {@code node}: host port {@code hostPort}, own port too. */
  private static EndpointSubset.Builder podOn(
      String node, String pod, int hostPort, int containerPort) {
    return EndpointSubset.newBuilder()
        .addPorts(
            EndpointPort.newBuilder()
                .setName("http")
                .setPort(hostPort)
                .setTargetPort(containerPort))
        .addAddresses(
            EndpointAddress.newBuilder()
                .setIp("127.0.0.1")
                .setNodeName(node)
                .setPodIp("127.0.0.1")
                .setTargetRef(ObjectReference.newBuilder().setName(pod)));
  }

  @Test
  void aPodOnThisNodeIsDialedAtItsOwnPortAndOthersAtTheirHostPort() throws Exception {
    int local = backends.start("local", false);
    int remote = backends.start("remote", false);
    // Nothing listens on the other port of each: a connect there would be refused and counted.
    int[] ports = freePorts(2);
    int dead = ports[0];
    int nodePort = ports[1];
    try (ServiceProxy n1 =
        new ServiceProxy(
            new ProxyConfig(
                    false, List.of(), "127.0.0.1", "127.0.0.1", 2, 1000, Duration.ofSeconds(1))
                .withTransport(transport()),
            "n1",
            (svc, reason, message) -> events.add(reason))) {
      n1.putService(service("web", nodePort, ProxyProtocol.PROXY_PROTOCOL_UNSPECIFIED));
      Endpoints.Builder ep =
          Endpoints.newBuilder()
              .setMetadata(ObjectMeta.newBuilder().setNamespace("default").setName("web"))
              .addSubsets(podOn("n1", "local", dead, local))
              .addSubsets(podOn("n2", "remote", remote, dead));
      n1.putEndpoints(ep.build());
      n1.reconcileAndWait();
      assertThat(n1.backends("default/web"))
          .containsExactlyInAnyOrder(
              new Backend("127.0.0.1", local, "local"), new Backend("127.0.0.1", remote, "remote"));
      Set<String> seen = new HashSet<>();
      for (int i = 0; i < 10; i++) {
        seen.add(ask(nodePort));
      }
      assertThat(seen).containsExactlyInAnyOrder("local", "remote");
      assertThat(n1.metrics("default/web").connectFailures()).isZero();

      // The local pod turns not ready: it is no longer chosen, at its own address either.
      EndpointSubset.Builder notReady = podOn("n1", "local", dead, local);
      notReady.addNotReadyAddresses(notReady.getAddresses(0)).clearAddresses();
      n1.putEndpoints(ep.setSubsets(0, notReady).build());
      n1.reconcileAndWait();
      assertThat(n1.backends("default/web"))
          .containsExactly(new Backend("127.0.0.1", remote, "remote"));
      for (int i = 0; i < 10; i++) {
        assertThat(ask(nodePort)).isEqualTo("remote");
      }
    }
    assertThat(events).isEmpty();
  }

  @Test
  void aRefusedConnectMovesOnToTheNextEndpoint() throws Exception {
    int a = backends.start("a", false);
    int[] ports = freePorts(2);
    int dead = ports[0];
    int nodePort = ports[1];
    proxy.putService(service("web", nodePort, ProxyProtocol.PROXY_PROTOCOL_UNSPECIFIED));
    proxy.putEndpoints(endpoints("web", Map.of("a", a, "dead", dead)));
    proxy.reconcileAndWait();
    for (int i = 0; i < 10; i++) {
      assertThat(ask(nodePort)).isEqualTo("a");
    }
    assertThat(proxy.metrics("default/web").connectFailures()).isGreaterThanOrEqualTo(4);
    assertThat(proxy.metrics("default/web").errors()).isZero();
  }

  @Test
  void deletingAServiceClosesItsListenerButNotItsConnections() throws Exception {
    int a = backends.start("a", false);
    int nodePort = freePort();
    proxy.putService(service("web", nodePort, ProxyProtocol.PROXY_PROTOCOL_UNSPECIFIED));
    proxy.putEndpoints(endpoints("web", Map.of("a", a)));
    proxy.reconcileAndWait();
    try (Socket open = new Socket("127.0.0.1", nodePort)) {
      open.setSoTimeout(5000);
      BufferedReader in =
          new BufferedReader(new InputStreamReader(open.getInputStream(), StandardCharsets.UTF_8));
      assertThat(in.readLine()).isEqualTo("a");
      proxy.removeService("default/web");
      proxy.reconcileAndWait();
      assertThat(proxy.listening()).isEmpty();
      // The JDK closes a selector-registered listening socket only at the boss loop's next
      // select, after the close future completes; a connect in that window is accepted into
      // the backlog and then reset. Refusal is what must follow, promptly.
      await()
          .atMost(Duration.ofSeconds(5))
          .untilAsserted(
              () -> assertThatThrownBy(() -> ask(nodePort)).isInstanceOf(ConnectException.class));
      open.getOutputStream().write("echo\n".getBytes(StandardCharsets.UTF_8));
      assertThat(in.readLine()).isEqualTo("echo");
    }
  }

  @Test
  void aNodePortInUseIsReportedAndOtherServicesWork() throws Exception {
    int a = backends.start("a", false);
    try (ServerSocket taken = new ServerSocket()) {
      taken.bind(new InetSocketAddress("127.0.0.1", 0));
      int good = freePort();
      proxy.putService(
          service("busy", taken.getLocalPort(), ProxyProtocol.PROXY_PROTOCOL_UNSPECIFIED));
      proxy.putService(service("fine", good, ProxyProtocol.PROXY_PROTOCOL_UNSPECIFIED));
      proxy.putEndpoints(endpoints("busy", Map.of("a", a)));
      proxy.putEndpoints(endpoints("fine", Map.of("a", a)));
      proxy.reconcileAndWait();
      proxy.reconcileAndWait();
      assertThat(events)
          .singleElement()
          .asString()
          .startsWith("busy FailedToListen cannot listen on 127.0.0.1:" + taken.getLocalPort())
          .contains("port http of the service");
      assertThat(ask(good)).isEqualTo("a");
    }
  }

  @Test
  void twoServicesWantingOnePortAreAConflictOnTheSecond() throws Exception {
    int a = backends.start("a", false);
    int port = freePort();
    proxy.putService(service("one", port, ProxyProtocol.PROXY_PROTOCOL_UNSPECIFIED));
    proxy.putService(service("two", port, ProxyProtocol.PROXY_PROTOCOL_UNSPECIFIED));
    proxy.putEndpoints(endpoints("one", Map.of("a", a)));
    proxy.reconcileAndWait();
    assertThat(proxy.listening())
        .containsExactly(Map.entry("127.0.0.1:" + port, "default/one/http"));
    assertThat(events)
        .containsExactly("two PortConflict 127.0.0.1:" + port + " is wanted by default/one");
  }

  @Test
  void proxyProtocolHeadersCarryTheClientAddress() throws Exception {
    int a = backends.start("a", true);
    int v1 = freePort();
    proxy.putService(service("v1", v1, ProxyProtocol.PROXY_PROTOCOL_V1));
    proxy.putEndpoints(endpoints("v1", Map.of("a", a)));
    proxy.reconcileAndWait();
    try (Socket s = new Socket()) {
      s.bind(new InetSocketAddress("127.0.0.1", 0));
      s.connect(new InetSocketAddress("127.0.0.1", v1));
      s.setSoTimeout(5000);
      assertThat(
              new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8))
                  .readLine())
          .isEqualTo("a");
      assertThat(backends.firstLines)
          .containsExactly("PROXY TCP4 127.0.0.1 127.0.0.1 " + s.getLocalPort() + " " + v1);
    }
  }

  @Test
  void proxyProtocolV2CarriesTheClientAddressInBinary() throws Exception {
    try (ServerSocket backend = new ServerSocket(0, 5, java.net.InetAddress.getLoopbackAddress())) {
      int v2 = freePort();
      proxy.putService(service("v2", v2, ProxyProtocol.PROXY_PROTOCOL_V2));
      proxy.putEndpoints(endpoints("v2", Map.of("raw", backend.getLocalPort())));
      proxy.reconcileAndWait();
      try (Socket client = new Socket()) {
        client.bind(new InetSocketAddress("127.0.0.1", 0));
        client.connect(new InetSocketAddress("127.0.0.1", v2));
        try (Socket in = backend.accept()) {
          in.setSoTimeout(5000);
          // 12-byte signature, version/command, family/protocol, length, then the addresses.
          java.nio.ByteBuffer header =
              java.nio.ByteBuffer.wrap(in.getInputStream().readNBytes(16 + 12));
          byte[] signature = new byte[12];
          header.get(signature);
          assertThat(signature)
              .isEqualTo(
                  new byte[] {
                    0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A
                  });
          assertThat(header.get()).isEqualTo((byte) 0x21); // v2, PROXY
          assertThat(header.get()).isEqualTo((byte) 0x11); // TCP over IPv4
          assertThat(header.getShort()).isEqualTo((short) 12);
          byte[] src = new byte[4];
          header.get(src);
          assertThat(java.net.InetAddress.getByAddress(src).getHostAddress())
              .isEqualTo("127.0.0.1");
          header.getInt();
          assertThat(header.getShort() & 0xffff).isEqualTo(client.getLocalPort());
          assertThat(header.getShort() & 0xffff).isEqualTo(v2);
        }
      }
    }
  }

  @Test
  void serviceVariablesFollowKubernetesNames() {
    proxy.putService(service("my-web", 30080, ProxyProtocol.PROXY_PROTOCOL_UNSPECIFIED));
    proxy.reconcileAndWait();
    Map<String, String> env = proxy.forNamespace("default");
    assertThat(env)
        .containsEntry("MY_WEB_SERVICE_HOST", "127.0.0.1")
        .containsEntry("MY_WEB_SERVICE_PORT", "80")
        .containsEntry("MY_WEB_SERVICE_PORT_HTTP", "80")
        .containsEntry("MY_WEB_PORT", "tcp://127.0.0.1:80")
        .containsEntry("MY_WEB_PORT_80_TCP_ADDR", "127.0.0.1")
        .containsEntry("MY_WEB_PORT_80_TCP_PROTO", "tcp");
    assertThat(proxy.forNamespace("other")).isEmpty();
  }
}
