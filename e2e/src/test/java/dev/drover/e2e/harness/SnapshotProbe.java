package dev.drover.e2e.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * What the fault injectors read and damage in a master's store directory from outside the process:
 * the Ratis layout ({@code DATA/<group>/sm} for snapshots, {@code DATA/<group>/current} for log
 * segments, {@code log_inprogress_N} the open one, preallocated with zeros after its last entry).
 */
final class SnapshotProbe {

  private SnapshotProbe() {}

  /** The first directory named {@code name} under {@code root}, or null. */
  static Path find(Path root, String name) {
    if (!Files.isDirectory(root)) {
      return null;
    }
    try (Stream<Path> walk = Files.walk(root, 4)) {
      return walk.filter(Files::isDirectory)
          .filter(d -> d.getFileName().toString().equals(name))
          .findFirst()
          .orElse(null);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** True when a snapshot's temporary file is in {@code sm}. */
  static boolean tmpPresent(Path sm) {
    try (Stream<Path> list = Files.list(sm)) {
      return list.anyMatch(f -> f.getFileName().toString().endsWith(".tmp"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Zeroes the last four bytes of the last entry of the open segment under {@code dataDir}; false
   * when there is no open segment or it holds no entry past its header.
   */
  static boolean tearOpenSegment(Path dataDir) throws IOException {
    Path current = find(dataDir, "current");
    if (current == null) {
      return false;
    }
    List<Path> open;
    try (Stream<Path> list = Files.list(current)) {
      open =
          list.filter(f -> f.getFileName().toString().startsWith("log_inprogress_"))
              .sorted()
              .toList();
    }
    if (open.isEmpty()) {
      return false;
    }
    Path segment = open.get(open.size() - 1);
    try (FileChannel ch =
        FileChannel.open(segment, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      long end = lastNonZero(ch) + 1;
      // The 8-byte header and at least one entry's bytes must be there to tear.
      if (end <= 12) {
        return false;
      }
      ch.write(ByteBuffer.allocate(4), end - 4);
      ch.force(true);
      return true;
    }
  }

  private static long lastNonZero(FileChannel ch) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
    long last = -1;
    for (long pos = 0; pos < ch.size(); pos += buf.capacity()) {
      buf.clear();
      int n = ch.read(buf, pos);
      for (int i = 0; i < n; i++) {
        if (buf.get(i) != 0) {
          last = pos + i;
        }
      }
    }
    return last;
  }

  /** Deletes {@code dir} and everything in it (nothing when it does not exist). */
  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
