package dev.drover.store.raft;

import dev.drover.store.api.KvStoreException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which Raft group a member's data directory belongs to, kept in {@code DATA-DIR/group-id}: written
 * at the member's first start, from then on the group it joins. A directory with data from before
 * the file existed stays in the one fixed group all stores used then ({@link #LEGACY}).
 */
final class GroupIdFile {
  private static final Logger LOG = LoggerFactory.getLogger(GroupIdFile.class);

  /** The group id every store had before ids were chosen per cluster, and the default. */
  static final UUID LEGACY =
      UUID.nameUUIDFromBytes("drover-store".getBytes(StandardCharsets.UTF_8));

  static final String FILE_NAME = "group-id";

  private GroupIdFile() {}

  /** The id recorded for {@code dataDir}, the legacy one for older data, or null for a new one. */
  static UUID read(Path dataDir) throws IOException {
    Path file = dataDir.resolve(FILE_NAME);
    if (Files.exists(file)) {
      String text = Files.readString(file, StandardCharsets.US_ASCII).trim();
      try {
        return UUID.fromString(text);
      } catch (IllegalArgumentException e) {
        throw new IOException(file + " does not hold a group id: " + text, e);
      }
    }
    return Files.isDirectory(dataDir.resolve(LEGACY.toString())) ? LEGACY : null;
  }

  /**
   * The group of the member in {@code dataDir}: the recorded one, else {@code requested} (the
   * legacy id when null), recorded now. A recorded id other than {@code requested} means the
   * directory belongs to another cluster: an error. Data of the legacy group keeps its id.
   */
  static UUID resolve(Path dataDir, UUID requested) throws IOException {
    UUID recorded = read(dataDir);
    Path file = dataDir.resolve(FILE_NAME);
    if (recorded != null && Files.exists(file)) {
      if (requested != null && !requested.equals(recorded)) {
        throw KvStoreException.invalid(
            "groupId",
            dataDir + " holds the data of store group " + recorded + ", not of " + requested);
      }
      return recorded;
    }
    UUID chosen = recorded != null ? recorded : requested != null ? requested : LEGACY;
    if (recorded != null && requested != null && !requested.equals(recorded)) {
      LOG.warn(
          "{} holds data of the fixed store group {} from before group ids; keeping it",
          dataDir,
          recorded);
    }
    Path tmp = dataDir.resolve(FILE_NAME + ".tmp");
    Files.writeString(tmp, chosen + "\n", StandardCharsets.US_ASCII);
    try {
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
    }
    return chosen;
  }
}
