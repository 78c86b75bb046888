package dev.drover.e2e.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.drover.api.v1.ConfigMap;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.client.Channels;
import dev.drover.client.ClientCredentials;
import dev.drover.client.DroverClient;
import dev.drover.e2e.harness.HostProcess;
import dev.drover.e2e.harness.Hosts;
import dev.drover.e2e.harness.Jvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code drover master} processes on three hosts (network namespaces) forming a TLS cluster from
 * {@code --peer} lists with nothing copied between them: the first creates the CA and a master join
 * token, the other two start with {@code --join-token} and receive their certificates, the CA and
 * the Secrets key file from it; a ConfigMap written through the first is read through the third
 * with that master's own admin certificate.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class MasterJoinProcessesTest {
  private static final Duration PATIENCE = Duration.ofSeconds(150);
  private static final int API_PORT = 7070;
  private static final int STORE_PORT = 7071;

  @Test
  void twoMastersJoinTheFirstByTokenAndTheStoreReplicates() throws Exception {
    Hosts.assumeAvailable();
    try (Hosts hosts = Hosts.create(3)) {
      Path dir = Path.of("target", "master-join", hosts.run()).toAbsolutePath();
      List<String> peers = new ArrayList<>();
      for (int i = 1; i <= 3; i++) {
        peers.add("--peer");
        peers.add("m" + i + "=" + hosts.host(i).ip() + ":" + STORE_PORT);
      }
      master(hosts, 1, dir, peers, null).start();
      Path tokenFile = dir.resolve("m1/pki/master-join-token");
      await().atMost(PATIENCE).until(() -> Files.exists(tokenFile));
      String token = Files.readAllLines(tokenFile).get(0);
      HostProcess m2 = master(hosts, 2, dir, peers, token).start();
      HostProcess m3 = master(hosts, 3, dir, peers, token).start();

      // Each master writes its admin certificate once its store is up, after its join wrote the
      // CA and the Secrets keys. m2 too, whose files are compared below: m1 and m3 are a majority
      // and serve without it, so m2 may still be joining when the ConfigMap has replicated.
      for (String id : List.of("m1", "m2", "m3")) {
        Path admin = dir.resolve(id + "/pki/admin.crt");
        await().atMost(PATIENCE).until(() -> Files.exists(admin));
      }
      try (DroverClient viaFirst = client(hosts, 1, dir);
          DroverClient viaThird = client(hosts, 3, dir)) {
        await()
            .atMost(PATIENCE)
            .ignoreExceptions()
            .until(
                () ->
                    viaFirst
                            .configMaps()
                            .create(
                                ConfigMap.newBuilder()
                                    .setMetadata(ObjectMeta.newBuilder().setName("joined"))
                                    .putData("by", "m1")
                                    .build())
                        != null);
        await()
            .atMost(PATIENCE)
            .ignoreExceptions()
            .until(
                () ->
                    "m1"
                        .equals(
                            viaThird.configMaps().get("default", "joined").getDataMap().get("by")));
      }
      assertThat(m2.isAlive()).isTrue();
      assertThat(m3.isAlive()).isTrue();
      for (String id : List.of("m2", "m3")) {
        assertThat(Files.readString(dir.resolve(id + "/pki/ca.crt")))
            .isEqualTo(Files.readString(dir.resolve("m1/pki/ca.crt")));
        assertThat(Files.readString(dir.resolve(id + "/secret-keys")))
            .isEqualTo(Files.readString(dir.resolve("m1/secret-keys")));
      }
    }
  }

  private static HostProcess master(
      Hosts hosts, int index, Path dir, List<String> peers, String token) {
    String id = "m" + index;
    List<String> cmd = Jvm.drover("256m", "master");
    cmd.addAll(
        List.of(
            "--id",
            id,
            "--data-dir",
            dir.resolve(id).toString(),
            "--api-host",
            hosts.host(index).ip(),
            "--api-port",
            Integer.toString(API_PORT),
            "--metrics-port",
            "-1"));
    cmd.addAll(peers);
    if (token != null) {
      cmd.addAll(List.of("--join-token", token));
    }
    return hosts.process(hosts.host(index), id, cmd, dir.resolve(id + ".log"));
  }

  private static DroverClient client(Hosts hosts, int index, Path dir) {
    Path pki = dir.resolve("m" + index + "/pki");
    ClientCredentials admin =
        ClientCredentials.certificate(
            pki.resolve("ca.crt"), pki.resolve("admin.crt"), pki.resolve("admin.key"));
    return DroverClient.builder()
        .endpoint(hosts.host(index).ip() + ":" + API_PORT)
        .channelFactory(Channels.secureFactory(admin))
        .build();
  }
}
