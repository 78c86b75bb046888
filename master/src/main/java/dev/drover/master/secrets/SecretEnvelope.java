package dev.drover.master.secrets;

import com.google.protobuf.ByteString;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.Secret;
import dev.drover.master.registry.ValueTransformer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Envelope encryption of stored Secrets with AES-256-GCM: every write gets a fresh data key, which
 * encrypts the value (bound to its store key as associated data, so a value copied under another
 * key does not decrypt), and is itself encrypted by the ring's write key.
 *
 * <p>Layout: {@code 0x00 "drvenc1"} (8 bytes, which no protobuf message starts with), the
 * key-encryption key's id (a length byte and UTF-8), the wrapped data key (12-byte nonce, 32 bytes
 * plus a 16-byte tag), then the value (12-byte nonce, ciphertext plus tag). A value without the
 * marker is a Secret written before encryption was on; it reads as plain text until the rewrite
 * pass encrypts it.
 */
public final class SecretEnvelope implements ValueTransformer {
  private static final byte[] MAGIC = {0, 'd', 'r', 'v', 'e', 'n', 'c', '1'};
  private static final int NONCE = 12;
  private static final int TAG_BITS = 128;
  private static final int DATA_KEY = 32;
  private static final SecureRandom RANDOM = new SecureRandom();

  /** Annotation of a Secret this master could not decrypt, saying why. */
  public static final String UNREADABLE = "drover.dev/secret-unreadable";

  private static final Logger log = LoggerFactory.getLogger(SecretEnvelope.class);

  private final KeyRing ring;
  private final Set<String> warned = ConcurrentHashMap.newKeySet();

  /** Encrypts with the ring's write key; decrypts with any of its keys. */
  public SecretEnvelope(KeyRing ring) {
    this.ring = ring;
  }

  /** The ring in use. */
  public KeyRing ring() {
    return ring;
  }

  @Override
  public ByteString toStore(ByteString key, ByteString value) {
    try {
      byte[] id = ring.writeKeyId().getBytes(StandardCharsets.UTF_8);
      byte[] dataKey = new byte[DATA_KEY];
      RANDOM.nextBytes(dataKey);
      byte[] wrapNonce = nonce();
      byte[] wrapped = gcm(Cipher.ENCRYPT_MODE, ring.writeKey(), wrapNonce, header(id), dataKey);
      byte[] dataNonce = nonce();
      byte[] sealed =
          gcm(
              Cipher.ENCRYPT_MODE,
              new SecretKeySpec(dataKey, "AES"),
              dataNonce,
              key.toByteArray(),
              value.toByteArray());
      ByteBuffer b =
          ByteBuffer.allocate(
              MAGIC.length + 1 + id.length + NONCE + wrapped.length + NONCE + sealed.length);
      b.put(MAGIC).put((byte) id.length).put(id).put(wrapNonce).put(wrapped);
      b.put(dataNonce).put(sealed);
      return ByteString.copyFrom(b.array());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot encrypt " + key.toStringUtf8() + ": " + e, e);
    }
  }

  /**
   * The plain value, or, when this master cannot decrypt it (a key it lacks, a corrupt value), a
   * Secret with the name the key says, no data and the annotation {@link #UNREADABLE} saying why:
   * one unreadable Secret must not stop the watch cache, which serves every kind.
   */
  @Override
  public ByteString fromStore(ByteString key, ByteString value) {
    try {
      return open(key, value);
    } catch (IllegalStateException e) {
      if (warned.add(key.toStringUtf8() + "@" + keyIdOf(value))) {
        log.error("{}", e.getMessage());
      }
      return unreadable(key, e.getMessage());
    }
  }

  /** The plain value; fails with an {@link IllegalStateException} when it cannot be decrypted. */
  public ByteString open(ByteString key, ByteString value) {
    if (!isEncrypted(value)) {
      return value;
    }
    String where = key.toStringUtf8();
    try {
      ByteBuffer b = value.asReadOnlyByteBuffer();
      b.position(MAGIC.length);
      byte[] id = new byte[b.get() & 0xff];
      b.get(id);
      String keyId = new String(id, StandardCharsets.UTF_8);
      SecretKey kek = ring.key(keyId);
      if (kek == null) {
        throw new IllegalStateException(
            where
                + " was encrypted with key "
                + keyId
                + ", which this master's key file lacks (it holds "
                + ring.ids()
                + "); every master needs the same keys");
      }
      byte[] wrapNonce = take(b, NONCE);
      byte[] wrapped = take(b, DATA_KEY + TAG_BITS / 8);
      byte[] dataKey = gcm(Cipher.DECRYPT_MODE, kek, wrapNonce, header(id), wrapped);
      byte[] dataNonce = take(b, NONCE);
      byte[] sealed = take(b, b.remaining());
      return ByteString.copyFrom(
          gcm(
              Cipher.DECRYPT_MODE,
              new SecretKeySpec(dataKey, "AES"),
              dataNonce,
              key.toByteArray(),
              sealed));
    } catch (GeneralSecurityException | java.nio.BufferUnderflowException e) {
      throw new IllegalStateException("cannot decrypt " + where + ": " + e, e);
    }
  }

  private static ByteString unreadable(ByteString key, String why) {
    String[] parts = key.toStringUtf8().split("/");
    ObjectMeta.Builder meta =
        ObjectMeta.newBuilder()
            .setNamespace(parts.length >= 2 ? parts[parts.length - 2] : "")
            .setName(parts[parts.length - 1])
            .putAnnotations(UNREADABLE, why);
    return Object.newBuilder()
        .setSecret(Secret.newBuilder().setMetadata(meta))
        .build()
        .toByteString();
  }

  /** True when {@code value} carries the envelope's marker. */
  public static boolean isEncrypted(ByteString value) {
    return value.size() > MAGIC.length && value.startsWith(ByteString.copyFrom(MAGIC));
  }

  /** The id of the key that encrypted {@code value}, or null for a plain value. */
  public static String keyIdOf(ByteString value) {
    if (!isEncrypted(value)) {
      return null;
    }
    int len = value.byteAt(MAGIC.length) & 0xff;
    return value.substring(MAGIC.length + 1, MAGIC.length + 1 + len).toStringUtf8();
  }

  private static byte[] header(byte[] id) {
    return ByteBuffer.allocate(MAGIC.length + id.length).put(MAGIC).put(id).array();
  }

  private static byte[] nonce() {
    byte[] n = new byte[NONCE];
    RANDOM.nextBytes(n);
    return n;
  }

  private static byte[] take(ByteBuffer b, int n) {
    byte[] out = new byte[n];
    b.get(out);
    return out;
  }

  private static byte[] gcm(int mode, SecretKey k, byte[] nonce, byte[] aad, byte[] in)
      throws GeneralSecurityException {
    Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
    c.init(mode, k, new GCMParameterSpec(TAG_BITS, nonce));
    c.updateAAD(aad);
    return c.doFinal(in);
  }
}
