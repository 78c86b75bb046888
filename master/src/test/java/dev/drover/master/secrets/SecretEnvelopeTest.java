package dev.drover.master.secrets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.Secret;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The AES-GCM envelope and the key ring file. */
class SecretEnvelopeTest {
  private static final ByteString KEY = ByteString.copyFromUtf8("/registry/secrets/default/a");
  private static final ByteString VALUE = ByteString.copyFromUtf8("s3cret value");

  @Test
  void encryptsWithAFreshDataKeyAndReadsBack(@TempDir Path dir) {
    SecretEnvelope e = new SecretEnvelope(KeyRing.loadOrCreate(dir.resolve("keys")));
    ByteString a = e.toStore(KEY, VALUE);
    ByteString b = e.toStore(KEY, VALUE);
    assertThat(a).isNotEqualTo(b);
    assertThat(a.toStringUtf8()).doesNotContain("s3cret");
    assertThat(SecretEnvelope.keyIdOf(a)).isEqualTo("k1");
    assertThat(e.fromStore(KEY, a)).isEqualTo(VALUE);
    // Written before encryption was on: passes through as it is.
    assertThat(e.fromStore(KEY, VALUE)).isEqualTo(VALUE);
  }

  @Test
  void refusesATamperedValueOrOneMovedToAnotherKey(@TempDir Path dir) {
    SecretEnvelope e = new SecretEnvelope(KeyRing.loadOrCreate(dir.resolve("keys")));
    ByteString sealed = e.toStore(KEY, VALUE);
    byte[] bytes = sealed.toByteArray();
    bytes[bytes.length - 1] ^= 1;
    assertThatThrownBy(() -> e.open(KEY, ByteString.copyFrom(bytes)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("cannot decrypt /registry/secrets/default/a");
    assertThatThrownBy(() -> e.open(ByteString.copyFromUtf8("/registry/secrets/default/b"), sealed))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void rotationKeepsOldKeysForReadingAndAMasterWithoutTheKeySaysSo(@TempDir Path dir)
      throws Exception {
    Path file = dir.resolve("keys");
    ByteString old = new SecretEnvelope(KeyRing.loadOrCreate(file)).toStore(KEY, VALUE);
    assertThat(KeyRing.addKey(file, false)).isEqualTo("k2");
    assertThat(KeyRing.load(file).writeKeyId()).isEqualTo("k1");
    KeyRing.promote(file, "k2");
    KeyRing ring = KeyRing.load(file);
    assertThat(ring.ids()).containsExactly("k2", "k1");
    SecretEnvelope e = new SecretEnvelope(ring);
    assertThat(e.fromStore(KEY, old)).isEqualTo(VALUE);
    assertThat(SecretEnvelope.keyIdOf(e.toStore(KEY, VALUE))).isEqualTo("k2");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");

    SecretEnvelope stranger = new SecretEnvelope(KeyRing.loadOrCreate(dir.resolve("other")));
    ByteString underK2 = e.toStore(KEY, VALUE);
    assertThatThrownBy(() -> stranger.open(KEY, underK2))
        .hasMessageContaining("encrypted with key k2, which this master's key file lacks");
    // Same id, other key bytes: the tag does not verify.
    assertThatThrownBy(() -> stranger.open(KEY, old)).hasMessageContaining("cannot decrypt");
    // Readers (the watch cache above all) get the Secret's name, no data, and the reason.
    Secret placeholder = Object.parseFrom(stranger.fromStore(KEY, underK2)).getSecret();
    assertThat(placeholder.getMetadata().getNamespace()).isEqualTo("default");
    assertThat(placeholder.getMetadata().getName()).isEqualTo("a");
    assertThat(placeholder.getDataMap()).isEmpty();
    assertThat(placeholder.getMetadata().getAnnotationsMap().get(SecretEnvelope.UNREADABLE))
        .contains("lacks");
  }

  @Test
  void refusesAKeyFileOthersCanRead(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("keys");
    KeyRing.loadOrCreate(file);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    assertThatThrownBy(() -> KeyRing.load(file)).hasMessageContaining("chmod 600");
  }
}
