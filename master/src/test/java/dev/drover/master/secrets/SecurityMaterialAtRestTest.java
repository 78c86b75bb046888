package dev.drover.master.secrets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.drover.store.KvStores;
import dev.drover.store.api.KvStore;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cluster CA's key is kept in the store only under the masters' key ring. */
class SecurityMaterialAtRestTest {
  private static final ByteString CA = ByteString.copyFromUtf8("/security/ca");
  private static final String PEM = "-----BEGIN PRIVATE KEY-----\ncanary-ca-key\n";

  @Test
  void theCaKeyIsEncryptedInTheStoreAndReadsBackThroughTheRing(@TempDir Path dir) throws Exception {
    KvStore raw = KvStores.inMemory();
    SecretsAtRest secrets = SecretsAtRest.open(dir.resolve("keys"));
    KvStore wrapped = secrets.wrapSecurity(raw);
    wrapped.put(CA, ByteString.copyFromUtf8(PEM)).get(5, TimeUnit.SECONDS);

    ByteString stored = raw.get(CA).get(5, TimeUnit.SECONDS).getKvs(0).getValue();
    assertThat(stored.toStringUtf8()).doesNotContain("canary-ca-key");
    assertThat(wrapped.get(CA).get(5, TimeUnit.SECONDS).getKvs(0).getValue().toStringUtf8())
        .isEqualTo(PEM);

    // A master with other keys must fail, not read a placeholder as its CA.
    KvStore stranger = SecretsAtRest.open(dir.resolve("other-keys")).wrapSecurity(raw);
    assertThatThrownBy(() -> stranger.get(CA).get(5, TimeUnit.SECONDS))
        .hasMessageContaining("/security/ca");
  }
}
