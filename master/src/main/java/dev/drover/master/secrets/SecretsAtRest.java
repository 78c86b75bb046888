package dev.drover.master.secrets;

import com.google.protobuf.ByteString;
import dev.drover.api.Kinds;
import dev.drover.api.v1.Kind;
import dev.drover.master.registry.TransformingKvStore;
import dev.drover.store.api.Keys;
import dev.drover.store.api.KvStore;
import dev.drover.store.v1.Compare;
import dev.drover.store.v1.KeyValue;
import dev.drover.store.v1.PutRequest;
import dev.drover.store.v1.RangeResponse;
import dev.drover.store.v1.RequestOp;
import dev.drover.store.v1.TxnRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Encryption of Secrets at rest for one master: loads (or creates) the key ring, wraps the store so
 * every Secret is encrypted on its way in and decrypted on its way out, and runs the rewrite pass
 * that re-encrypts Secrets written under an older key (or before encryption) with the write key.
 */
public final class SecretsAtRest {
  /** File name of the key ring in a master's data directory. */
  public static final String KEY_FILE_NAME = "secret-keys";

  /** Prefix of every Secret's store key. */
  public static final ByteString PREFIX = Keys.of(Kinds.prefix(Kind.KIND_SECRET));

  private static final Logger log = LoggerFactory.getLogger(SecretsAtRest.class);

  private final SecretEnvelope envelope;
  private KvStore raw;

  private SecretsAtRest(KeyRing ring) {
    this.envelope = new SecretEnvelope(ring);
  }

  /**
   * Encryption with the ring in {@code keyFile} (created with one key at first start), or, when
   * {@code keyFile} is null, with the process's in-memory ring.
   */
  public static SecretsAtRest open(Path keyFile) {
    return new SecretsAtRest(keyFile == null ? KeyRing.ephemeral() : KeyRing.loadOrCreate(keyFile));
  }

  /** The ring in use. */
  public KeyRing ring() {
    return envelope.ring();
  }

  /** {@code store} with every Secret encrypted in it; readers of the result see plain Secrets. */
  public KvStore wrap(KvStore store) {
    this.raw = Objects.requireNonNull(store, "store");
    return new TransformingKvStore(store, PREFIX, envelope);
  }

  /**
   * Re-encrypts with the write key every Secret that is plain or under another key; returns how
   * many it rewrote. Each rewrite is a compare-and-swap on the Secret's version, so a Secret
   * changed meanwhile (and so already written under the current key by its writer) is left alone.
   * Watchers see a rewritten Secret as modified, with the same content.
   */
  public int rewrite(Duration timeout) {
    if (raw == null) {
      throw new IllegalStateException("wrap(store) first");
    }
    RangeResponse all = await(raw.getPrefix(PREFIX), timeout);
    String writeKey = ring().writeKeyId();
    int rewritten = 0;
    for (KeyValue kv : all.getKvsList()) {
      if (writeKey.equals(SecretEnvelope.keyIdOf(kv.getValue()))) {
        continue;
      }
      ByteString plain;
      try {
        plain = envelope.open(kv.getKey(), kv.getValue());
      } catch (IllegalStateException e) {
        // Never overwrite what this master cannot read: another master may hold its key.
        log.error("rewrite pass skips {}", e.getMessage());
        continue;
      }
      TxnRequest txn =
          TxnRequest.newBuilder()
              .addCompare(
                  Compare.newBuilder()
                      .setKey(kv.getKey())
                      .setTarget(Compare.CompareTarget.MOD)
                      .setResult(Compare.CompareResult.EQUAL)
                      .setModRevision(kv.getModRevision()))
              .addSuccess(
                  RequestOp.newBuilder()
                      .setRequestPut(
                          PutRequest.newBuilder()
                              .setKey(kv.getKey())
                              .setValue(envelope.toStore(kv.getKey(), plain))
                              .setLease(kv.getLease())))
              .build();
      if (await(raw.txn(txn), timeout).getSucceeded()) {
        rewritten++;
      }
    }
    return rewritten;
  }

  private static <T> T await(java.util.concurrent.CompletableFuture<T> f, Duration timeout) {
    try {
      return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("rewriting Secrets: " + e.getMessage(), e);
    }
  }
}
