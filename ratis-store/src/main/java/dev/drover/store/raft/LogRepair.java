package dev.drover.store.raft;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.thirdparty.com.google.protobuf.InvalidProtocolBufferException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks a member's Raft log before Ratis opens it, and cuts the torn tail a crash can leave in the
 * open segment, the way etcd's WAL repair does.
 *
 * <p>Ratis 3.2 writes segments as {@code log_<start>-<end>} (closed) and {@code
 * log_inprogress_<start>} (open, preallocated with zeros): an 8-byte header {@code RaftLog1}, then
 * per entry a varint length, the {@code LogEntryProto} and a CRC32C of both, then zeros. A process
 * killed in the middle of an append leaves a partial entry followed by the preallocated zeros,
 * which Ratis reads as a checksum failure and refuses to start. Its one other choice, the {@code
 * WARN_AND_RETURN} corruption policy, is too broad: it cuts any segment, closed ones included, at
 * the first bad entry, and drops whatever follows.
 *
 * <p>This repair cuts only when the bad entry is the last thing in the open (last) segment: no
 * valid entry may follow it. A crash can only tear what was not yet fsynced, and a member
 * acknowledges an entry (to a leader, or as a lone member to the client) only after fsyncing it, so
 * the cut never drops an entry this member acknowledged. (A bit flipped on disk in that last entry
 * looks the same and is cut the same way: in a group the leader sends it again, on a lone member it
 * is lost.) Damage anywhere else, in the middle of a segment or in a closed one, holds entries that
 * may have been acknowledged, so it is an error naming the file and offset, and nothing is changed.
 */
final class LogRepair {
  private static final Logger LOG = LoggerFactory.getLogger(LogRepair.class);
  private static final byte[] HEADER = "RaftLog1".getBytes(StandardCharsets.US_ASCII);
  private static final Pattern CLOSED = Pattern.compile("log_(\\d+)-(\\d+)");
  private static final Pattern OPEN = Pattern.compile("log_inprogress_(\\d+)(?:\\..*)?");
  // Protobuf tags of LogEntryProto's term (1) and index (2) fields, both varints; every entry
  // starts with one of them. A cheap filter before the checksum when searching for entries.
  private static final int TERM_TAG = 0x08;
  private static final int INDEX_TAG = 0x10;

  private LogRepair() {}

  /** A cut made: the segment, where it now ends, how many bytes went, and the last entry kept. */
  record Cut(Path segment, long cutAt, long bytesCut, long lastKeptIndex) {}

  private record Segment(Path path, long start, long end, boolean open) {}

  /**
   * A whole, valid entry ending at {@code end}, or {@code problem} saying why the bytes are not.
   */
  private record Frame(int end, long index, String problem) {
    static Frame bad(String problem) {
      return new Frame(-1, -1, problem);
    }
  }

  /** Where scanning a segment stopped: at its end, or at a damaged entry. */
  private record Scan(int stoppedAt, long lastIndex, String problem) {}

  /**
   * Verifies every segment in {@code logDir} (a Ratis storage's {@code current} directory) and cuts
   * a torn tail off the open segment. Returns the cut made, if any.
   *
   * @throws IOException naming the file and offset when a segment is damaged anywhere else
   */
  static Optional<Cut> repair(Path logDir) throws IOException {
    if (!Files.isDirectory(logDir)) {
      return Optional.empty();
    }
    List<Segment> segments = segments(logDir);
    for (int i = 0; i < segments.size(); i++) {
      Segment s = segments.get(i);
      byte[] bytes = Files.readAllBytes(s.path());
      Scan scan = scan(s, bytes);
      if (scan.problem() == null) {
        continue;
      }
      String where =
          s.path()
              + ": "
              + scan.problem()
              + " at byte "
              + scan.stoppedAt()
              + " (entries up to "
              + scan.lastIndex()
              + " are intact)";
      if (!s.open() || i != segments.size() - 1) {
        throw new IOException(
            "Raft log segment "
                + where
                + "; it is not the open segment at the end of the log, so its entries may have"
                + " been acknowledged and it cannot be cut. Restore this member's data, or remove"
                + " it and let the member rejoin from the others.");
      }
      int next = nextValidEntry(bytes, scan.stoppedAt() + 1, scan.lastIndex());
      if (next >= 0) {
        throw new IOException(
            "Raft log segment "
                + where
                + "; a valid entry follows at byte "
                + next
                + ", so this is damage inside the log, not a torn tail, and cutting it would drop"
                + " entries that may have been acknowledged.");
      }
      Cut cut =
          new Cut(s.path(), scan.stoppedAt(), bytes.length - scan.stoppedAt(), scan.lastIndex());
      truncate(s.path(), scan.stoppedAt());
      LOG.warn(
          "Raft log segment {}: cut a torn tail of {} bytes; the log now ends at entry {}",
          where,
          cut.bytesCut(),
          cut.lastKeptIndex());
      return Optional.of(cut);
    }
    return Optional.empty();
  }

  private static List<Segment> segments(Path dir) throws IOException {
    List<Segment> out = new ArrayList<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
      for (Path p : files) {
        String name = p.getFileName().toString();
        Matcher closed = CLOSED.matcher(name);
        Matcher open = OPEN.matcher(name);
        if (closed.matches()) {
          out.add(
              new Segment(
                  p, Long.parseLong(closed.group(1)), Long.parseLong(closed.group(2)), false));
        } else if (open.matches() && Files.size(p) > 0) {
          out.add(new Segment(p, Long.parseLong(open.group(1)), -1, true));
        }
      }
    }
    out.sort(Comparator.comparingLong(Segment::start).thenComparing(Segment::open));
    return out;
  }

  private static Scan scan(Segment s, byte[] b) {
    int headerRead = Math.min(b.length, HEADER.length);
    if (!Arrays.equals(b, 0, headerRead, HEADER, 0, headerRead)) {
      // Ratis itself drops an open segment whose header was cut short by a crash (zeros after).
      return s.open() && allZero(b, mismatch(b), b.length)
          ? new Scan(b.length, s.start() - 1, null)
          : new Scan(0, s.start() - 1, "the segment header is not RaftLog1");
    }
    if (headerRead < HEADER.length) {
      return new Scan(b.length, s.start() - 1, null);
    }
    int pos = HEADER.length;
    long last = s.start() - 1;
    while (pos < b.length && !(s.end() >= 0 && last == s.end())) {
      if (b[pos] == 0) {
        // Zeros end the entries; anything after them is damage.
        if (allZero(b, pos, b.length)) {
          break;
        }
        return new Scan(pos, last, "bytes follow the zeros that end the entries");
      }
      Frame f = decode(b, pos);
      String problem = f.problem();
      if (problem == null && f.index() != last + 1) {
        problem = "entry " + f.index() + " where entry " + (last + 1) + " belongs";
      }
      if (problem != null) {
        return new Scan(pos, last, problem);
      }
      last = f.index();
      pos = f.end();
    }
    if (s.end() >= 0 && last != s.end()) {
      return new Scan(pos, last, "the segment ends before entry " + s.end() + " its name promises");
    }
    // A closed segment may carry leftovers past its last entry; Ratis skips them too.
    return new Scan(pos, last, null);
  }

  private static Frame decode(byte[] b, int pos) {
    int length = 0;
    int varint = 0;
    for (int shift = 0; ; shift += 7) {
      if (pos + varint >= b.length) {
        return Frame.bad("the file ends inside an entry's length");
      }
      if (varint == 5) {
        return Frame.bad("an entry's length is not a valid varint");
      }
      byte x = b[pos + varint++];
      length |= (x & 0x7f) << shift;
      if (x >= 0) {
        break;
      }
    }
    if (length <= 0) {
      return Frame.bad("an entry's length is " + length);
    }
    long end = (long) pos + varint + length + Integer.BYTES;
    if (end > b.length) {
      return Frame.bad("an entry of " + length + " bytes runs past the end of the file");
    }
    CRC32C crc = new CRC32C();
    crc.update(b, pos, varint + length);
    int stored = ByteBuffer.wrap(b, pos + varint + length, Integer.BYTES).getInt();
    if ((int) crc.getValue() != stored) {
      return Frame.bad("an entry fails its CRC32C check");
    }
    try {
      LogEntryProto e = LogEntryProto.parseFrom(ByteBuffer.wrap(b, pos + varint, length));
      return new Frame((int) end, e.getIndex(), null);
    } catch (InvalidProtocolBufferException e) {
      return Frame.bad("an entry is not a log entry (" + e.getMessage() + ")");
    }
  }

  /** The offset of a valid entry after {@code last} starting at or after {@code from}, or -1. */
  private static int nextValidEntry(byte[] b, int from, long last) {
    for (int q = from; q < b.length; q++) {
      if (b[q] == 0 || !startsLikeEntry(b, q)) {
        continue;
      }
      Frame f = decode(b, q);
      if (f.problem() == null && f.index() > last) {
        return q;
      }
    }
    return -1;
  }

  private static boolean startsLikeEntry(byte[] b, int q) {
    int p = q;
    while (p < b.length && b[p] < 0 && p - q < 5) {
      p++;
    }
    p++;
    return p < b.length && (b[p] == TERM_TAG || b[p] == INDEX_TAG);
  }

  private static int mismatch(byte[] b) {
    int i = 0;
    while (i < b.length && i < HEADER.length && b[i] == HEADER[i]) {
      i++;
    }
    return i;
  }

  private static boolean allZero(byte[] b, int from, int to) {
    for (int i = from; i < to; i++) {
      if (b[i] != 0) {
        return false;
      }
    }
    return true;
  }

  private static void truncate(Path file, long length) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.truncate(length);
      ch.force(true);
    }
  }
}
