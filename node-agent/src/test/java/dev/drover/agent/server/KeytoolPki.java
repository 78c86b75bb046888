package dev.drover.agent.server;

import dev.drover.client.tls.PemFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Certificates for tests of the agent's port, made with the JDK's keytool (the node agent has no
 * certificate library): a CA and leaves it signs, each leaf written as PEM files the way the
 * cluster CA writes them ({@code NAME.crt}, {@code NAME.key}).
 */
final class KeytoolPki {
  private static final String PASSWORD = "changeit";

  private final Path dir;
  private final String ca;

  private KeytoolPki(Path dir, String ca) {
    this.dir = dir;
    this.ca = ca;
  }

  /** A new CA named {@code ca} in {@code dir}; its certificate is {@code ca.crt}. */
  static KeytoolPki ca(Path dir, String ca) throws IOException {
    keytool(
        dir,
        "-genkeypair",
        "-alias",
        ca,
        "-keystore",
        ca + ".p12",
        "-keyalg",
        "EC",
        "-groupname",
        "secp256r1",
        "-dname",
        "CN=" + ca,
        "-ext",
        "bc:c",
        "-validity",
        "30");
    keytool(
        dir, "-exportcert", "-rfc", "-alias", ca, "-keystore", ca + ".p12", "-file", ca + ".crt");
    return new KeytoolPki(dir, ca);
  }

  /** The CA's certificate file. */
  Path caFile() {
    return dir.resolve(ca + ".crt");
  }

  /**
   * A leaf named {@code name} with subject {@code dname}, valid from {@code start} (keytool's
   * {@code -startdate}, e.g. {@code -3d}; null: now) for {@code days}; {@code san} as keytool's
   * {@code -ext san=} value or null. Returns the certificate file; the key is next to it.
   */
  Path leaf(String name, String dname, String san, String start, int days) throws IOException {
    keytool(
        dir,
        "-genkeypair",
        "-alias",
        name,
        "-keystore",
        name + ".p12",
        "-keyalg",
        "EC",
        "-groupname",
        "secp256r1",
        "-dname",
        dname);
    keytool(dir, "-certreq", "-alias", name, "-keystore", name + ".p12", "-file", name + ".csr");
    List<String> sign =
        new ArrayList<>(
            List.of(
                "-gencert",
                "-rfc",
                "-alias",
                ca,
                "-keystore",
                ca + ".p12",
                "-infile",
                name + ".csr",
                "-outfile",
                name + ".crt",
                "-validity",
                String.valueOf(days)));
    if (san != null) {
      sign.addAll(List.of("-ext", "san=" + san));
    }
    if (start != null) {
      sign.add("-startdate");
      sign.add(start);
    }
    keytool(dir, sign.toArray(String[]::new));
    PemFiles.write(dir.resolve(name + ".key"), PemFiles.privateKeyPem(key(name)), true);
    return dir.resolve(name + ".crt");
  }

  private PrivateKey key(String name) throws IOException {
    try (InputStream in = Files.newInputStream(dir.resolve(name + ".p12"))) {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(in, PASSWORD.toCharArray());
      return (PrivateKey) store.getKey(name, PASSWORD.toCharArray());
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot read the key of " + name + ": " + e, e);
    }
  }

  private static void keytool(Path dir, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    command.addAll(List.of(args));
    command.addAll(List.of("-storepass", PASSWORD, "-keypass", PASSWORD, "-noprompt"));
    Process p =
        new ProcessBuilder(command)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("keytool.out").toFile())
            .start();
    try {
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        p.destroyForcibly();
        throw new IOException(
            "keytool "
                + String.join(" ", args)
                + " failed: "
                + Files.readString(dir.resolve("keytool.out")));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while running keytool", e);
    }
  }
}
