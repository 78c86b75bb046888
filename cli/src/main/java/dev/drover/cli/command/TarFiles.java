package dev.drover.cli.command;

import dev.drover.cli.core.CliException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * The local side of cp: packs a file or directory into a tar stream under a chosen root name, and
 * unpacks a stream whose entries lie under one root name into a local path. Unpacking refuses any
 * entry that would land outside the destination and skips links (a container's archive is not
 * trusted), as kubectl does since its cp fixes.
 */
final class TarFiles {

  private static final PosixFilePermission[] BITS = {
    PosixFilePermission.OTHERS_EXECUTE,
    PosixFilePermission.OTHERS_WRITE,
    PosixFilePermission.OTHERS_READ,
    PosixFilePermission.GROUP_EXECUTE,
    PosixFilePermission.GROUP_WRITE,
    PosixFilePermission.GROUP_READ,
    PosixFilePermission.OWNER_EXECUTE,
    PosixFilePermission.OWNER_WRITE,
    PosixFilePermission.OWNER_READ
  };

  private TarFiles() {}

  /**
   * Writes {@code local} (a file, or a directory and all below it) as entries under {@code root}.
   */
  static void write(Path local, String root, OutputStream out) throws IOException {
    TarArchiveOutputStream tar = new TarArchiveOutputStream(out);
    tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
    tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
    List<Path> paths;
    try (Stream<Path> walk = Files.walk(local)) {
      paths = walk.sorted().toList();
    }
    for (Path path : paths) {
      String relative = local.relativize(path).toString().replace('\\', '/');
      String name = relative.isEmpty() ? root : root + "/" + relative;
      TarArchiveEntry entry;
      if (Files.isSymbolicLink(path)) {
        entry = new TarArchiveEntry(name, TarArchiveEntry.LF_SYMLINK);
        entry.setLinkName(Files.readSymbolicLink(path).toString());
      } else {
        entry = new TarArchiveEntry(path.toFile(), name);
      }
      tar.putArchiveEntry(entry);
      if (Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)) {
        Files.copy(path, tar);
      }
      tar.closeArchiveEntry();
    }
    tar.finish();
    tar.flush();
  }

  /**
   * Unpacks entries named {@code root} or {@code root/...} so that {@code root} becomes {@code
   * dest}; returns what was skipped (links), each described for a warning.
   */
  static List<String> extract(InputStream in, String root, Path dest) throws IOException {
    Path target = dest.toAbsolutePath().normalize();
    List<String> skipped = new ArrayList<>();
    TarArchiveInputStream tar = new TarArchiveInputStream(in);
    boolean any = false;
    for (TarArchiveEntry entry = (TarArchiveEntry) tar.getNextEntry();
        entry != null;
        entry = (TarArchiveEntry) tar.getNextEntry()) {
      String name = entry.getName();
      while (name.endsWith("/")) {
        name = name.substring(0, name.length() - 1);
      }
      Path out;
      if (name.equals(root)) {
        out = target;
      } else if (name.startsWith(root + "/")) {
        out = target.resolve(name.substring(root.length() + 1)).normalize();
      } else {
        throw new CliException("the archive holds \"" + name + "\", outside \"" + root + "\"");
      }
      if (!out.startsWith(target)) {
        throw new CliException(
            "the archive entry \"" + name + "\" would be written outside " + dest);
      }
      any = true;
      if (entry.isSymbolicLink() || entry.isLink()) {
        skipped.add("link " + name + " -> " + entry.getLinkName());
      } else if (entry.isDirectory()) {
        Files.createDirectories(out);
        permissions(out, entry.getMode() | 0700);
      } else if (entry.isFile()) {
        if (out.getParent() != null) {
          Files.createDirectories(out.getParent());
        }
        Files.copy(tar, out, StandardCopyOption.REPLACE_EXISTING);
        // The owner keeps reading and writing what was copied, whatever the container's mode said.
        permissions(out, entry.getMode() | 0600);
      } else {
        skipped.add("special file " + name);
      }
    }
    if (!any) {
      throw new CliException("the container sent no files");
    }
    return skipped;
  }

  private static void permissions(Path path, int mode) {
    Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
    for (int bit = 0; bit < BITS.length; bit++) {
      if ((mode & (1 << bit)) != 0) {
        set.add(BITS[bit]);
      }
    }
    try {
      Files.setPosixFilePermissions(path, set);
    } catch (UnsupportedOperationException | IOException e) {
      // A file system without POSIX modes keeps its defaults.
    }
  }
}
