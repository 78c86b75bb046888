package dev.drover.store.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.drover.store.KvStores;
import dev.drover.store.api.KvStoreException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A store's Raft group id: chosen at the first start, recorded, and kept by the data directory. */
class GroupIdTest {
  @TempDir Path dir;

  @Test
  void theFirstStartRecordsTheGroupAndLaterStartsKeepIt() throws Exception {
    UUID group = UUID.randomUUID();
    try (RaftKvStore store = KvStores.embedded(dir).groupId(group).start()) {
      assertThat(store.groupId()).isEqualTo(group);
      store
          .put(ByteString.copyFromUtf8("k"), ByteString.copyFromUtf8("v"))
          .get(30, TimeUnit.SECONDS);
    }
    assertThat(Files.readString(dir.resolve("group-id"), StandardCharsets.US_ASCII).trim())
        .isEqualTo(group.toString());
    assertThat(dir.resolve(group.toString())).isDirectory();
    assertThat(dir.resolve(GroupIdFile.LEGACY.toString())).doesNotExist();

    // Started without an id, the member keeps the recorded one and its data.
    try (RaftKvStore store = KvStores.embedded(dir).start()) {
      assertThat(store.groupId()).isEqualTo(group);
      assertThat(store.get(ByteString.copyFromUtf8("k")).get(30, TimeUnit.SECONDS).getKvsCount())
          .isEqualTo(1);
    }
    // Another cluster's id on this directory is an error, not a silent new group.
    UUID other = UUID.randomUUID();
    assertThatThrownBy(() -> KvStores.embedded(dir).groupId(other).start())
        .isInstanceOf(KvStoreException.class)
        .hasMessageContaining(group.toString())
        .hasMessageContaining(other.toString());
  }

  @Test
  void dataFromBeforeGroupIdsStaysInTheFixedGroup() throws Exception {
    Files.createDirectories(dir.resolve(GroupIdFile.LEGACY.toString()));
    assertThat(GroupIdFile.resolve(dir, UUID.randomUUID())).isEqualTo(GroupIdFile.LEGACY);
    assertThat(GroupIdFile.read(dir)).isEqualTo(GroupIdFile.LEGACY);
  }
}
