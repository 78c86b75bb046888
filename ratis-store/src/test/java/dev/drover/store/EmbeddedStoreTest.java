package dev.drover.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.drover.store.api.Keys;
import dev.drover.store.api.KvStoreException;
import dev.drover.store.api.StoreOptions;
import dev.drover.store.raft.RaftKvStore;
import dev.drover.store.v1.PutRequest;
import dev.drover.store.v1.RangeRequest;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded one-member Raft store: writes, reads, limits and persistence across restarts. */
class EmbeddedStoreTest {
  @TempDir Path dir;

  private static StoreOptions fast() {
    return new StoreOptions()
        .electionTimeout(java.time.Duration.ofMillis(300), java.time.Duration.ofMillis(600));
  }

  @Test
  void writesSurviveRestartAndRevisionsContinue() throws Exception {
    long rev;
    try (RaftKvStore store = KvStores.embedded(dir).options(fast()).start()) {
      for (int i = 0; i < 20; i++) {
        store.put(Keys.of("/k/" + i), Keys.of("v" + i)).get(30, TimeUnit.SECONDS);
      }
      rev = store.get(Keys.of("/k/19")).get(30, TimeUnit.SECONDS).getKvs(0).getModRevision();
      assertThat(rev).isEqualTo(20);
    }
    try (RaftKvStore store = KvStores.embedded(dir).options(fast()).start()) {
      var r = store.getPrefix(Keys.of("/k/")).get(30, TimeUnit.SECONDS);
      assertThat(r.getCount()).isEqualTo(20);
      var p = store.put(Keys.of("/k/0"), Keys.of("again")).get(30, TimeUnit.SECONDS);
      assertThat(p.getHeader().getRevision()).isEqualTo(21);
      var kv = store.get(Keys.of("/k/0")).get(30, TimeUnit.SECONDS).getKvs(0);
      assertThat(kv.getVersion()).isEqualTo(2);
      assertThat(kv.getCreateRevision()).isEqualTo(1);
    }
  }

  @Test
  void largestValueIsAcceptedAndLargerIsRejected() throws Exception {
    try (RaftKvStore store = KvStores.embedded(dir).options(fast()).start()) {
      byte[] big = new byte[dev.drover.store.api.Validation.MAX_VALUE_BYTES];
      store
          .put(
              PutRequest.newBuilder()
                  .setKey(Keys.of("big"))
                  .setValue(com.google.protobuf.ByteString.copyFrom(big))
                  .build())
          .get(30, TimeUnit.SECONDS);
      assertThat(
              store
                  .range(
                      RangeRequest.newBuilder()
                          .setKey(Keys.of("big"))
                          .setSerializable(true)
                          .build())
                  .get(30, TimeUnit.SECONDS)
                  .getKvs(0)
                  .getValue()
                  .size())
          .isEqualTo(big.length);
      byte[] tooBig = new byte[big.length + 1];
      assertThatThrownBy(
              () ->
                  store
                      .put(
                          PutRequest.newBuilder()
                              .setKey(Keys.of("big2"))
                              .setValue(com.google.protobuf.ByteString.copyFrom(tooBig))
                              .build())
                      .join())
          .hasCauseInstanceOf(KvStoreException.class)
          .satisfies(e -> assertThat(KvStoreException.of(e).field()).isEqualTo("value"));
    }
  }
}
