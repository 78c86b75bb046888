package dev.drover.store.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.drover.store.KvStores;
import dev.drover.store.api.Keys;
import dev.drover.store.api.StoreOptions;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Start-up over a damaged Raft log: a torn tail of the open segment is cut after its last whole
 * entry and the store starts with everything before it; damage inside the log, or in a closed
 * segment, stops the start with an error naming the file and leaves the file as it was.
 */
class LogRepairTest {
  private static final int KEYS = 40;

  @TempDir Path dir;

  private static StoreOptions options() {
    // No snapshot at stop: the log alone must carry the writes, so the tests see what it holds.
    return new StoreOptions()
        .electionTimeout(Duration.ofMillis(300), Duration.ofMillis(600))
        .logSegmentBytes(16 * 1024)
        .ratisProperty("raft.server.snapshot.trigger-when-stop.enabled", "false");
  }

  /** Writes /k/0 .. /k/(n-1), one log entry each (each waits for the previous), and stops. */
  private void write(int n, int valueBytes) throws Exception {
    try (RaftKvStore store = KvStores.embedded(dir).options(options()).start()) {
      for (int i = 0; i < n; i++) {
        store
            .put(Keys.of("/k/" + i), Keys.of("v" + i + "-".repeat(valueBytes)))
            .get(30, TimeUnit.SECONDS);
      }
    }
  }

  private List<Path> segments(String glob) throws IOException {
    try (Stream<Path> files = Files.list(RaftKvStore.logDir(dir))) {
      return files
          .filter(p -> p.getFileSystem().getPathMatcher("glob:" + glob).matches(p.getFileName()))
          .sorted()
          .toList();
    }
  }

  /** Writes {@link #KEYS} small keys (all in one segment) and returns that open segment. */
  private Path writeKeysAndFindOpenSegment() throws Exception {
    write(KEYS, 10);
    List<Path> open = segments("log_inprogress_*");
    assertThat(open).hasSize(1);
    return open.get(0);
  }

  /** One past the last non-zero byte: the end of the entries (the rest is preallocated zeros). */
  private static long endOfEntries(Path file) throws IOException {
    byte[] b = Files.readAllBytes(file);
    int end = b.length;
    while (end > 0 && b[end - 1] == 0) {
      end--;
    }
    return end;
  }

  private static void flip(Path file, long offset) throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.seek(offset);
      int b = f.read();
      f.seek(offset);
      f.write(b ^ 0x5a);
    }
  }

  private void assertStartsWithAllButTheLastKey() throws Exception {
    try (RaftKvStore store = KvStores.embedded(dir).options(options()).start()) {
      var held = store.getPrefix(Keys.of("/k/")).get(30, TimeUnit.SECONDS);
      assertThat(held.getCount()).isEqualTo(KEYS - 1);
      for (int i = 0; i < KEYS - 1; i++) {
        assertThat(
                store
                    .get(Keys.of("/k/" + i))
                    .get(30, TimeUnit.SECONDS)
                    .getKvs(0)
                    .getValue()
                    .toStringUtf8())
            .startsWith("v" + i + "-");
      }
      assertThat(store.get(Keys.of("/k/" + (KEYS - 1))).get(30, TimeUnit.SECONDS).getCount())
          .isZero();
      store.put(Keys.of("/after"), Keys.of("x")).get(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void flippedByteInTheLastEntryIsCutAndEveryEarlierEntryKept() throws Exception {
    Path open = writeKeysAndFindOpenSegment();
    long end = endOfEntries(open);
    flip(open, end - 1);

    assertStartsWithAllButTheLastKey();
  }

  @Test
  void lastEntryCutShortIsDroppedAndEveryEarlierEntryKept() throws Exception {
    Path open = writeKeysAndFindOpenSegment();
    long end = endOfEntries(open);
    // A partial write: the entry's first bytes reached the disk, the rest is preallocated zeros.
    try (RandomAccessFile f = new RandomAccessFile(open.toFile(), "rw")) {
      f.seek(end - 6);
      f.write(new byte[6]);
    }

    assertStartsWithAllButTheLastKey();
  }

  @Test
  void damageInsideTheOpenSegmentStopsTheStartAndChangesNothing() throws Exception {
    Path open = writeKeysAndFindOpenSegment();
    long end = endOfEntries(open);
    flip(open, end / 2);
    byte[] before = Files.readAllBytes(open);

    assertThatThrownBy(() -> KvStores.embedded(dir).options(options()).start())
        .isInstanceOf(IOException.class)
        .hasMessageContaining(open.toString())
        .hasMessageContaining("a valid entry follows");
    assertThat(Files.readAllBytes(open)).isEqualTo(before);
  }

  @Test
  void damageInAClosedSegmentStopsTheStartNamingTheFile() throws Exception {
    write(KEYS * 4, 400);
    List<Path> closed = segments("log_*-*");
    assertThat(closed).hasSizeGreaterThanOrEqualTo(2);
    Path first = closed.get(0);
    flip(first, Files.size(first) - 1);
    byte[] before = Files.readAllBytes(first);

    assertThatThrownBy(() -> KvStores.embedded(dir).options(options()).start())
        .isInstanceOf(IOException.class)
        .hasMessageContaining(first.toString())
        .hasMessageContaining("CRC32C")
        .hasMessageContaining("not the open segment");
    assertThat(Files.readAllBytes(first)).isEqualTo(before);
  }
}
