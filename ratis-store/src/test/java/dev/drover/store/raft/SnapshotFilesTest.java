package dev.drover.store.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.drover.store.v1.SnapshotData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The snapshot file format: what is written reads back, replaces atomically, and fails loudly. */
class SnapshotFilesTest {
  @TempDir Path dir;

  @Test
  void writtenSnapshotReadsBackAndReplacesTheOldOneLeavingNoTemporaryFile() throws IOException {
    Path file = dir.resolve("snapshot.1_10");
    SnapshotFiles.write(SnapshotData.newBuilder().setRevision(7).build(), file);
    SnapshotFiles.write(SnapshotData.newBuilder().setRevision(9).build(), file);

    assertThat(SnapshotFiles.read(file).getRevision()).isEqualTo(9);
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files).containsExactly(file);
    }
  }

  @Test
  void flippedByteFailsTheChecksumNamingTheFile() throws IOException {
    Path file = dir.resolve("snapshot.1_10");
    SnapshotFiles.write(SnapshotData.newBuilder().setRevision(7).build(), file);
    byte[] b = Files.readAllBytes(file);
    b[b.length - 5] ^= 0x01;
    Files.write(file, b);

    assertThatThrownBy(() -> SnapshotFiles.read(file))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("CRC32C");
  }
}
