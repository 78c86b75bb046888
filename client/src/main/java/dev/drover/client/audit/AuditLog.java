package dev.drover.client.audit;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit log file: one JSON object per line, appended and rotated by size. When the next line
 * would take the file past its limit, {@code audit.log} becomes {@code audit.log.1} (and {@code .1}
 * becomes {@code .2}, up to the number of old files kept) and a new file starts. Files are created
 * readable by the master's user only. A log without a file (tests, in-memory masters) drops lines.
 */
public final class AuditLog implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AuditLog.class);

  /** Default size at which the file rotates. */
  public static final long DEFAULT_MAX_BYTES = 100L * 1024 * 1024;

  /** Default number of rotated files kept. */
  public static final int DEFAULT_KEEP = 5;

  private final Path file;
  private final long maxBytes;
  private final int keep;
  private OutputStream out;
  private long size;
  private boolean failed;

  private AuditLog(Path file, long maxBytes, int keep) {
    this.file = file;
    this.maxBytes = maxBytes;
    this.keep = keep;
  }

  /** A log that writes nothing. */
  public static AuditLog none() {
    return new AuditLog(null, Long.MAX_VALUE, 0);
  }

  /**
   * A log appending to {@code file} (its directory is created), rotating it at {@code maxBytes} and
   * keeping {@code keep} old files.
   */
  public static AuditLog toFile(Path file, long maxBytes, int keep) {
    if (maxBytes < 1024) {
      throw new IllegalArgumentException("audit log size limit must be at least 1024 bytes");
    }
    if (keep < 1) {
      throw new IllegalArgumentException("keep at least one rotated audit file, not " + keep);
    }
    AuditLog log = new AuditLog(file.toAbsolutePath(), maxBytes, keep);
    try {
      log.open();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the audit log " + file + ": " + e, e);
    }
    return log;
  }

  /** The file written, or null. */
  public Path file() {
    return file;
  }

  /** Appends one line (a JSON object without its newline). */
  public synchronized void append(String json) {
    if (file == null) {
      return;
    }
    byte[] line = (json + "\n").getBytes(StandardCharsets.UTF_8);
    try {
      if (out == null) {
        open();
      }
      if (size > 0 && size + line.length > maxBytes) {
        rotate();
      }
      out.write(line);
      out.flush();
      size += line.length;
      failed = false;
    } catch (IOException e) {
      // Serving goes on when the disk is full; say so once per failure streak, not per call.
      if (!failed) {
        LOG.error("cannot write the audit log {}: {}", file, e.toString());
      }
      failed = true;
      closeQuietly();
    }
  }

  private void open() throws IOException {
    Files.createDirectories(file.getParent());
    if (!Files.exists(file)) {
      try {
        Files.createFile(
            file,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      } catch (UnsupportedOperationException e) {
        Files.createFile(file);
      }
    }
    out = Files.newOutputStream(file, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
    size = Files.size(file);
  }

  private void rotate() throws IOException {
    closeQuietly();
    Files.deleteIfExists(rotated(keep));
    for (int i = keep - 1; i >= 1; i--) {
      if (Files.exists(rotated(i))) {
        Files.move(rotated(i), rotated(i + 1), StandardCopyOption.REPLACE_EXISTING);
      }
    }
    Files.move(file, rotated(1), StandardCopyOption.REPLACE_EXISTING);
    open();
  }

  /** The {@code n}th rotated file ({@code audit.log.n}). */
  public Path rotated(int n) {
    return file.resolveSibling(file.getFileName() + "." + n);
  }

  private void closeQuietly() {
    if (out != null) {
      try {
        out.close();
      } catch (IOException e) {
        LOG.debug("closing the audit log", e);
      }
      out = null;
    }
  }

  @Override
  public synchronized void close() {
    closeQuietly();
  }
}
