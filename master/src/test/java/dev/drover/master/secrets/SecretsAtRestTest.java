package dev.drover.master.secrets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.drover.api.v1.ConfigMap;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.Secret;
import dev.drover.client.DroverClient;
import dev.drover.master.Master;
import dev.drover.master.registry.Registry;
import dev.drover.store.KvStoreBuilder;
import dev.drover.store.KvStores;
import dev.drover.store.raft.RaftKvStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Secrets written through a real master on a Ratis store never reach the Raft log or snapshots in
 * plain text, and still read back through the API, after a restart and after a key rotation.
 */
class SecretsAtRestTest {
  private static final String CANARY = "canary-" + UUID.randomUUID();
  private static final String PLAIN_CANARY = "visible-" + UUID.randomUUID();

  @Test
  void secretValuesNeverReachTheLogOrSnapshotsAndSurviveRestartAndRotation(@TempDir Path dir)
      throws Exception {
    Path storeDir = dir.resolve("store");
    Path keyFile = storeDir.resolve(SecretsAtRest.KEY_FILE_NAME);
    try (Master m = start(storeDir)) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile)))
          .isEqualTo("rw-------");
      try (DroverClient c = DroverClient.builder().endpoint(m.apiAddress()).build()) {
        c.secrets().create(secret("db", CANARY));
        // A ConfigMap is stored in plain text: it proves the grep below can find a value.
        c.configMaps().create(configMap("plain", PLAIN_CANARY));
        // Enough writes after the Secret for the store to take (and purge behind) a snapshot.
        for (int i = 0; i < 30; i++) {
          c.configMaps().create(configMap("filler-" + i, "x"));
        }
        RaftKvStore raft = (RaftKvStore) m.kv();
        await().atMost(Duration.ofSeconds(30)).until(() -> raft.latestSnapshotIndex() > 0);
        assertThat(readsBack(c)).isEqualTo(CANARY);
        assertThat(m.cache().get(Kind.KIND_SECRET, "default", "db")).isPresent();
        assertThat(
                m.cache()
                    .get(Kind.KIND_SECRET, "default", "db")
                    .orElseThrow()
                    .getSecret()
                    .getDataMap()
                    .get("password")
                    .toStringUtf8())
            .isEqualTo(CANARY);
      }
    }
    assertThat(filesContaining(storeDir, PLAIN_CANARY)).isNotEmpty();
    assertThat(snapshotFiles(storeDir)).isNotEmpty();
    assertThat(filesContaining(storeDir, CANARY)).isEmpty();

    try (Master m = start(storeDir);
        DroverClient c = DroverClient.builder().endpoint(m.apiAddress()).build()) {
      assertThat(readsBack(c)).isEqualTo(CANARY);
      assertThat(storedKeyId(m)).isEqualTo("k1");
    }

    String next = KeyRing.addKey(keyFile, true);
    assertThat(next).isEqualTo("k2");
    try (Master m = start(storeDir);
        DroverClient c = DroverClient.builder().endpoint(m.apiAddress()).build()) {
      // The rewrite pass at start re-encrypted the Secret with the new write key.
      assertThat(storedKeyId(m)).isEqualTo("k2");
      assertThat(readsBack(c)).isEqualTo(CANARY);
      assertThat(m.rewriteSecrets()).isZero();
    }
    assertThat(filesContaining(storeDir, CANARY)).isEmpty();
  }

  private static Master start(Path storeDir) {
    return Master.builder()
        .apiPort(0)
        .store(
            () -> {
              KvStoreBuilder b = KvStores.embedded(storeDir);
              b.options().snapshotEveryEntries(16);
              try {
                return b.start();
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            },
            true)
        .secretKeyFile(storeDir.resolve(SecretsAtRest.KEY_FILE_NAME))
        .start();
  }

  private static String readsBack(DroverClient c) {
    return c.secrets().get("default", "db").getDataMap().get("password").toStringUtf8();
  }

  private static String storedKeyId(Master m) throws Exception {
    var raw = m.kv().get(Registry.key(Kind.KIND_SECRET, "default", "db")).get();
    return SecretEnvelope.keyIdOf(raw.getKvs(0).getValue());
  }

  private static Secret secret(String name, String password) {
    return Secret.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setNamespace("default").setName(name))
        .putData("password", ByteString.copyFromUtf8(password))
        .build();
  }

  private static ConfigMap configMap(String name, String value) {
    return ConfigMap.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setNamespace("default").setName(name))
        .putData("value", value)
        .build();
  }

  private static List<Path> snapshotFiles(Path root) throws IOException {
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(p -> p.getFileName().toString().startsWith("snapshot")).toList();
    }
  }

  /** Every regular file under {@code root} holding {@code needle}'s bytes. */
  static List<Path> filesContaining(Path root, String needle) throws IOException {
    byte[] n = needle.getBytes(StandardCharsets.UTF_8);
    List<Path> out = new ArrayList<>();
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.filter(Files::isRegularFile).toList()) {
        if (indexOf(Files.readAllBytes(p), n) >= 0) {
          out.add(p);
        }
      }
    }
    return out;
  }

  private static int indexOf(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
