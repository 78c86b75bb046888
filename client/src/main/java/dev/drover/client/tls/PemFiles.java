package dev.drover.client.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

/**
 * Reads and writes the PEM files of Drover's TLS material with the JDK alone: certificates, PKCS#8
 * private keys (EC or RSA) and the SHA-256 digest that join tokens carry to pin the cluster CA. A
 * file that is missing or does not hold what it should is an {@link IllegalArgumentException}
 * naming the file, so that a bad credential stops a program instead of weakening it.
 */
public final class PemFiles {
  private static final String CERT_BEGIN = "-----BEGIN CERTIFICATE-----";
  private static final String CERT_END = "-----END CERTIFICATE-----";
  private static final String KEY_BEGIN = "-----BEGIN PRIVATE KEY-----";
  private static final String KEY_END = "-----END PRIVATE KEY-----";

  private PemFiles() {}

  /** The certificates of a PEM file, in file order; at least one. */
  public static List<X509Certificate> readCertificates(Path file) {
    return parseCertificates(read(file), file.toString());
  }

  /** The certificates of PEM text, in order (other blocks are skipped); at least one. */
  public static List<X509Certificate> parseCertificates(String pem, String source) {
    List<X509Certificate> out = new ArrayList<>();
    int at = 0;
    try {
      CertificateFactory factory = CertificateFactory.getInstance("X.509");
      while (true) {
        int begin = pem.indexOf(CERT_BEGIN, at);
        if (begin < 0) {
          break;
        }
        int end = pem.indexOf(CERT_END, begin);
        if (end < 0) {
          throw new IllegalArgumentException(source + ": a certificate block is not closed");
        }
        byte[] der =
            Base64.getMimeDecoder().decode(pem.substring(begin + CERT_BEGIN.length(), end));
        out.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(der)));
        at = end + CERT_END.length();
      }
    } catch (CertificateException | IllegalArgumentException e) {
      throw new IllegalArgumentException(source + ": not a PEM certificate: " + e.getMessage(), e);
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException(source + ": no certificate in it");
    }
    return out;
  }

  /** The private key of a PEM file in PKCS#8 form ("BEGIN PRIVATE KEY"), EC or RSA. */
  public static PrivateKey readPrivateKey(Path file) {
    return parsePrivateKey(read(file), file.toString());
  }

  /** The private key of PEM text in PKCS#8 form. */
  public static PrivateKey parsePrivateKey(String pem, String source) {
    int begin = pem.indexOf(KEY_BEGIN);
    int end = pem.indexOf(KEY_END);
    if (begin < 0 || end < begin) {
      throw new IllegalArgumentException(
          source + ": no unencrypted PKCS#8 private key (\"" + KEY_BEGIN + "\") in it");
    }
    byte[] der;
    try {
      der = Base64.getMimeDecoder().decode(pem.substring(begin + KEY_BEGIN.length(), end));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(source + ": the private key is not valid base64", e);
    }
    for (String algorithm : List.of("EC", "RSA", "Ed25519")) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
      } catch (GeneralSecurityException e) {
        // Try the next algorithm: PKCS#8 names it inside, but KeyFactory wants it up front.
      }
    }
    throw new IllegalArgumentException(source + ": unsupported private key (EC or RSA expected)");
  }

  /** PEM text of certificates. */
  public static String certificatesPem(List<X509Certificate> certificates) {
    StringBuilder out = new StringBuilder();
    for (X509Certificate c : certificates) {
      try {
        out.append(block("CERTIFICATE", c.getEncoded()));
      } catch (CertificateEncodingException e) {
        throw new IllegalStateException(e);
      }
    }
    return out.toString();
  }

  /** PEM text of a private key in PKCS#8 form. */
  public static String privateKeyPem(PrivateKey key) {
    return block("PRIVATE KEY", key.getEncoded());
  }

  /** Lower-case hex SHA-256 of a certificate's DER encoding: what join tokens pin. */
  public static String digest(X509Certificate certificate) {
    try {
      return HexFormat.of()
          .formatHex(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Writes {@code text} to {@code file} atomically (readers see the old or the new file, never a
   * part), readable by the owner only when {@code secret}.
   */
  public static void write(Path file, String text, boolean secret) {
    try {
      Path dir = file.toAbsolutePath().getParent();
      Files.createDirectories(dir);
      Path temp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
      try {
        if (secret) {
          try {
            Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-------"));
          } catch (UnsupportedOperationException e) {
            // Not a POSIX file system: the directory's own protection applies.
          }
        }
        Files.writeString(temp, text, StandardCharsets.US_ASCII);
        try {
          Files.move(
              temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
          Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
        }
      } finally {
        Files.deleteIfExists(temp);
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  private static String block(String type, byte[] der) {
    return "-----BEGIN "
        + type
        + "-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }

  private static String read(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException(file + ": no such file");
    }
    try {
      return Files.readString(file, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new IllegalArgumentException(file + ": cannot read: " + e.getMessage(), e);
    }
  }
}
