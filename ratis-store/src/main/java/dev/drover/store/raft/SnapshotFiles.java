package dev.drover.store.raft;

import com.google.protobuf.CodedInputStream;
import dev.drover.store.v1.SnapshotData;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * The on-disk snapshot format: a magic number and format version, the length of the serialized
 * {@link SnapshotData}, the data, and a CRC32C of the data. Files are written to a temporary name,
 * fsynced, renamed and their directory fsynced, so a crash never leaves a half-written snapshot
 * under the real name nor loses the rename; a checksum mismatch on load is reported, never silently
 * accepted.
 */
public final class SnapshotFiles {
  private static final int MAGIC = 0x44525653; // "DRVS"
  private static final int FORMAT = 1;

  private SnapshotFiles() {}

  /** Writes {@code data} to {@code target} atomically. */
  public static void write(SnapshotData data, Path target) throws IOException {
    Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
    byte[] bytes = data.toByteArray();
    CRC32C crc = new CRC32C();
    crc.update(bytes, 0, bytes.length);
    try (OutputStream fos =
            Files.newOutputStream(
                tmp,
                StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE);
        DataOutputStream out = new DataOutputStream(new BufferedOutputStream(fos, 1 << 16))) {
      out.writeInt(MAGIC);
      out.writeInt(FORMAT);
      out.writeLong(bytes.length);
      out.write(bytes);
      out.writeInt((int) crc.getValue());
    }
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
      ch.force(true);
    }
    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    // The rename lives in the directory: until the directory is fsynced, a power loss can leave
    // the old name (or none) even though the file's bytes are on disk, and Ratis may already
    // have purged the log the snapshot replaces.
    try (FileChannel dir = FileChannel.open(target.getParent(), StandardOpenOption.READ)) {
      dir.force(true);
    }
  }

  /** Reads and verifies a snapshot file. */
  public static SnapshotData read(Path file) throws IOException {
    try (InputStream fis = Files.newInputStream(file);
        DataInputStream in = new DataInputStream(new BufferedInputStream(fis, 1 << 16))) {
      if (in.readInt() != MAGIC) {
        throw new IOException(file + " is not a Drover snapshot (bad magic number)");
      }
      int format = in.readInt();
      if (format != FORMAT) {
        throw new IOException(file + " has unsupported snapshot format " + format);
      }
      long length = in.readLong();
      if (length < 0 || length > Integer.MAX_VALUE - 16) {
        throw new IOException(file + " has an invalid data length " + length);
      }
      byte[] bytes = new byte[(int) length];
      in.readFully(bytes);
      int stored = in.readInt();
      CRC32C crc = new CRC32C();
      crc.update(bytes, 0, bytes.length);
      if ((int) crc.getValue() != stored) {
        throw new IOException(file + " fails its CRC32C check: the snapshot is corrupt");
      }
      CodedInputStream cis = CodedInputStream.newInstance(bytes);
      cis.setSizeLimit(Integer.MAX_VALUE);
      return SnapshotData.parseFrom(cis);
    }
  }
}
