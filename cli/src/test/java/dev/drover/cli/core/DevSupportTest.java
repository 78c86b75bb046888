package dev.drover.cli.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.agent.runtime.docker.DockerProbe;
import dev.drover.client.ClientCredentials;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DevSupportTest {

  @TempDir Path dir;

  @Test
  void devContextIsWrittenAndMadeCurrentKeepingOthers() {
    ClientConfigStore store = new ClientConfigStore(dir.resolve("config"));
    store.save(
        ClientConfig.EMPTY
            .withContext(new ContextEntry("prod", List.of("m1:7070"), "shop", null))
            .withCurrent("prod"));
    ClientCredentials admin =
        ClientCredentials.certificate(
            dir.resolve("ca.crt"), dir.resolve("admin.crt"), dir.resolve("admin.key"));
    DevContexts.write(store, "127.0.0.1:7070", admin);
    ClientConfig config = store.load();
    assertThat(config.currentContext()).isEqualTo("dev");
    assertThat(config.context("dev").orElseThrow().endpoints()).containsExactly("127.0.0.1:7070");
    assertThat(config.context("prod").orElseThrow().namespace()).isEqualTo("shop");
    assertThat(config.context("dev").orElseThrow().credentials().certFile())
        .isEqualTo(dir.resolve("admin.crt").toAbsolutePath().toString());
    DevContexts.write(store, "127.0.0.1:7071", admin);
    assertThat(store.load().contexts()).hasSize(2);
    assertThat(store.load().context("dev").orElseThrow().endpoints())
        .containsExactly("127.0.0.1:7071");
  }

  @Test
  void bannerSaysWhatToTypeNext() {
    assertThat(DevContexts.banner("127.0.0.1:7070", "dev-node", "simulated", null, "/d", 1.25))
        .first()
        .asString()
        .contains("ready in 1.3 s")
        .contains("simulated runtime");
    assertThat(String.join("\n", DevContexts.banner("e", "n", "docker", null, "/d", 1)))
        .contains("drover apply -f examples/manifests/web.yaml");
    assertThat(DevContexts.banner("e", "n", "simulated", "Docker is not reachable at x", "/d", 1))
        .element(1)
        .asString()
        .startsWith("Docker is not reachable at x. For real containers")
        .contains("drover dev --runtime docker");
  }

  @Test
  void dockerHostComesFromTheEnvironment() {
    assertThat(DockerProbe.dockerHost(Map.of())).isEqualTo("unix:///var/run/docker.sock");
    assertThat(DockerProbe.dockerHost(Map.of("DOCKER_HOST", "unix:///x.sock")))
        .isEqualTo("unix:///x.sock");
  }

  @Test
  void aMissingSocketIsReportedAsUnreachable() {
    DockerProbe.Result result =
        DockerProbe.probe("unix://" + dir.resolve("none.sock"), Duration.ofSeconds(5));
    assertThat(result.reachable()).isFalse();
    assertThat(result.problem()).contains("does not exist");
  }

  @Test
  void aDaemonAnsweringThePingIsReachable() throws Exception {
    Path socket = dir.resolve("d.sock");
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(socket));
      Thread daemon =
          new Thread(
              () -> {
                try (SocketChannel client = server.accept()) {
                  client.read(ByteBuffer.allocate(1024));
                  client.write(
                      ByteBuffer.wrap(
                          "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nOK"
                              .getBytes(StandardCharsets.US_ASCII)));
                } catch (java.io.IOException ignored) {
                  // the test fails on the probe's answer instead
                }
              });
      daemon.start();
      DockerProbe.Result result = DockerProbe.probe("unix://" + socket, Duration.ofSeconds(20));
      daemon.join(20_000);
      assertThat(result.reachable()).as(result.problem()).isTrue();
    }
  }
}
