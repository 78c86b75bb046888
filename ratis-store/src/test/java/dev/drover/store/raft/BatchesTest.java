package dev.drover.store.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.drover.store.api.Keys;
import dev.drover.store.v1.PutRequest;
import dev.drover.store.v1.StoreRequest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The batch framing: round trip, and never confused with a plain message. */
class BatchesTest {

  private static byte[] put(String key, int valueBytes) {
    return StoreRequest.newBuilder()
        .setPut(
            PutRequest.newBuilder()
                .setKey(Keys.of(key))
                .setValue(com.google.protobuf.ByteString.copyFrom(new byte[valueBytes])))
        .build()
        .toByteArray();
  }

  @Test
  void framedMessagesComeBackInOrderAndIntact() throws IOException {
    List<byte[]> parts = new ArrayList<>();
    parts.add(put("a", 0));
    parts.add(put("b", 300));
    parts.add(new byte[0]);
    parts.add(put("c", 70_000));
    ByteBuffer framed = ByteBuffer.wrap(Batches.encode(parts));
    assertThat(Batches.isBatch(framed)).isTrue();
    List<ByteBuffer> back = Batches.decode(framed);
    assertThat(back).hasSize(parts.size());
    for (int i = 0; i < parts.size(); i++) {
      byte[] got = new byte[back.get(i).remaining()];
      back.get(i).duplicate().get(got);
      assertThat(got).isEqualTo(parts.get(i));
    }
    assertThat(StoreRequest.parseFrom(back.get(3)).getPut().getKey()).isEqualTo(Keys.of("c"));
  }

  @Test
  void plainMessagesAreNotBatches() {
    assertThat(Batches.isBatch(ByteBuffer.wrap(put("a", 10)))).isFalse();
    assertThat(Batches.isBatch(ByteBuffer.wrap(new byte[0]))).isFalse();
  }

  @Test
  void aLengthPastTheEndIsRejected() {
    byte[] framed = Batches.encode(List.of(put("a", 10)));
    byte[] cut = java.util.Arrays.copyOf(framed, framed.length - 3);
    assertThatThrownBy(() -> Batches.decode(ByteBuffer.wrap(cut))).isInstanceOf(IOException.class);
  }
}
