package dev.drover.master.secrets;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * The key-encryption keys (AES-256) that protect Secrets at rest, and the file that holds them. The
 * first key of the ring encrypts; every key decrypts, so a rotated-out key keeps old values
 * readable until they are rewritten.
 *
 * <p>The file is text, one key a line, {@code <id> <base64 key>}, the write key first; lines
 * starting with {@code #} are comments. It is created with mode 0600 and rewritten atomically; a
 * file readable by others is refused, since anyone who reads it reads every Secret.
 */
public final class KeyRing {
  private static final int KEY_BYTES = 32;
  private static final Set<PosixFilePermission> OWNER_ONLY =
      PosixFilePermissions.fromString("rw-------");
  private static final String HEADER =
      "# Drover Secret encryption keys (AES-256). The first key encrypts; every key decrypts.\n"
          + "# Every master of a cluster needs the same keys. Keep this file mode 0600.\n";
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Map<String, SecretKey> keys;
  private final String writeKeyId;

  private KeyRing(Map<String, SecretKey> keys) {
    if (keys.isEmpty()) {
      throw new IllegalArgumentException("a key ring needs at least one key");
    }
    this.keys = Collections.unmodifiableMap(new LinkedHashMap<>(keys));
    this.writeKeyId = keys.keySet().iterator().next();
  }

  /**
   * A ring held in memory only, one per process: for masters given no key file, which run on a
   * store that does not outlive the process (in memory, or tests). Masters of one process share it,
   * so they read each other's Secrets.
   */
  public static KeyRing ephemeral() {
    return Ephemeral.RING;
  }

  private static final class Ephemeral {
    static final KeyRing RING = new KeyRing(Map.of("k1", newKey()));
  }

  /** Reads the ring at {@code file}, creating it with one fresh key (mode 0600) when absent. */
  public static KeyRing loadOrCreate(Path file) {
    try {
      if (Files.notExists(file)) {
        Map<String, SecretKey> m = new LinkedHashMap<>();
        m.put("k1", newKey());
        KeyRing ring = new KeyRing(m);
        try {
          createExclusively(file, ring.render());
          return ring;
        } catch (FileAlreadyExistsException e) {
          // Another process created it first: use theirs.
        }
      }
      return load(file);
    } catch (IOException e) {
      throw new UncheckedIOException("secret key file " + file, e);
    }
  }

  /** Reads the ring at {@code file}. */
  public static KeyRing load(Path file) throws IOException {
    if (isPosix(file)) {
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
      if (!OWNER_ONLY.containsAll(perms)) {
        throw new IOException(
            "secret key file "
                + file
                + " is readable by others ("
                + PosixFilePermissions.toString(perms)
                + "); chmod 600 it");
      }
    }
    Map<String, SecretKey> m = new LinkedHashMap<>();
    int n = 0;
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      n++;
      String t = line.strip();
      if (t.isEmpty() || t.startsWith("#")) {
        continue;
      }
      String[] parts = t.split("\\s+");
      byte[] raw;
      try {
        raw = parts.length == 2 ? Base64.getDecoder().decode(parts[1]) : new byte[0];
      } catch (IllegalArgumentException e) {
        raw = new byte[0];
      }
      if (raw.length != KEY_BYTES || m.containsKey(parts[0])) {
        throw new IOException(
            file + ":" + n + ": expected '<unique id> <base64 of " + KEY_BYTES + " bytes>'");
      }
      m.put(parts[0], new SecretKeySpec(raw, "AES"));
    }
    if (m.isEmpty()) {
      throw new IOException(file + ": holds no key");
    }
    return new KeyRing(m);
  }

  /**
   * Adds a fresh key to the ring in {@code file}: as the new write key when {@code primary},
   * otherwise as a decrypt-only key (the first step of a multi-master rotation). Returns its id.
   */
  public static String addKey(Path file, boolean primary) throws IOException {
    KeyRing ring = load(file);
    String id = ring.nextId();
    Map<String, SecretKey> m = new LinkedHashMap<>();
    if (primary) {
      m.put(id, newKey());
      m.putAll(ring.keys);
    } else {
      m.putAll(ring.keys);
      m.put(id, newKey());
    }
    replace(file, new KeyRing(m).render());
    return id;
  }

  /** Makes the key {@code id} of the ring in {@code file} the write key. */
  public static void promote(Path file, String id) throws IOException {
    KeyRing ring = load(file);
    SecretKey k = ring.keys.get(id);
    if (k == null) {
      throw new IOException(file + " holds no key " + id + "; it holds " + ring.ids());
    }
    Map<String, SecretKey> m = new LinkedHashMap<>();
    m.put(id, k);
    m.putAll(ring.keys);
    replace(file, new KeyRing(m).render());
  }

  /** The id of the key that encrypts. */
  public String writeKeyId() {
    return writeKeyId;
  }

  /** The key that encrypts. */
  SecretKey writeKey() {
    return keys.get(writeKeyId);
  }

  /** The key with {@code id}, or null. */
  SecretKey key(String id) {
    return keys.get(id);
  }

  /** Every key id, the write key first. */
  public List<String> ids() {
    return new ArrayList<>(keys.keySet());
  }

  private String nextId() {
    int max = 0;
    for (String id : keys.keySet()) {
      if (id.matches("k[0-9]{1,9}")) {
        max = Math.max(max, Integer.parseInt(id.substring(1)));
      }
    }
    return "k" + (max + 1);
  }

  private String render() {
    StringBuilder sb = new StringBuilder(HEADER);
    keys.forEach(
        (id, k) ->
            sb.append(id)
                .append(' ')
                .append(Base64.getEncoder().encodeToString(k.getEncoded()))
                .append('\n'));
    return sb.toString();
  }

  private static SecretKey newKey() {
    byte[] raw = new byte[KEY_BYTES];
    RANDOM.nextBytes(raw);
    return new SecretKeySpec(raw, "AES");
  }

  private static boolean isPosix(Path file) {
    return file.getFileSystem().supportedFileAttributeViews().contains("posix");
  }

  /**
   * Creates {@code file} holding {@code content}, mode 0600 from the first byte on, failing if it
   * exists. The content is written to a private temporary file that is then linked into place, so a
   * master starting at the same moment never reads a half-written ring.
   */
  private static void createExclusively(Path file, String content) throws IOException {
    Path tmp = writeTemp(file, content);
    try {
      Files.createLink(file, tmp);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** Replaces {@code file} atomically with a 0600 file holding {@code content}. */
  private static void replace(Path file, String content) throws IOException {
    Path tmp = writeTemp(file, content);
    try {
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private static Path writeTemp(Path file, String content) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp =
        isPosix(file)
            ? Files.createTempFile(
                dir, ".secret-keys", ".tmp", PosixFilePermissions.asFileAttribute(OWNER_ONLY))
            : Files.createTempFile(dir, ".secret-keys", ".tmp");
    Files.writeString(tmp, content, StandardCharsets.UTF_8, StandardOpenOption.WRITE);
    return tmp;
  }
}
