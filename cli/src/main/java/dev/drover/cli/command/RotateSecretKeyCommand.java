package dev.drover.cli.command;

import dev.drover.cli.core.Cli;
import dev.drover.cli.core.CliException;
import dev.drover.master.secrets.KeyRing;
import dev.drover.master.secrets.SecretsAtRest;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code drover master rotate-secret-key}: adds a key to a master's Secret key file (or makes one
 * the write key). The master reads the file at start; its start then re-encrypts every Secret with
 * the write key. The steps for several masters are in docs/SECURITY.md.
 */
@Command(
    name = "rotate-secret-key",
    mixinStandardHelpOptions = true,
    description = {
      "Add a new key to the file of keys that encrypt Secrets at rest and make it the write key.",
      "Restart the master afterwards: at start it re-encrypts every Secret with the write key.",
      "With several masters: --decrypt-only on every master's file first, then --promote."
    })
final class RotateSecretKeyCommand implements Callable<Integer> {
  private final Cli cli;

  RotateSecretKeyCommand(Cli cli) {
    this.cli = cli;
  }

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      description = "The master's data directory (default ${DEFAULT-VALUE}).")
  Path dataDir = Path.of("/var/lib/drover/master");

  @Option(
      names = "--secret-key-file",
      paramLabel = "FILE",
      description = "The key file (default: secret-keys in --data-dir).")
  Path secretKeyFile;

  @Option(
      names = "--decrypt-only",
      description = "Add the key for reading only; the write key stays as it is.")
  boolean decryptOnly;

  @Option(
      names = "--promote",
      paramLabel = "ID",
      description = "Make the existing key ID the write key instead of adding one.")
  String promote;

  @Override
  public Integer call() {
    Path file =
        secretKeyFile != null ? secretKeyFile : dataDir.resolve(SecretsAtRest.KEY_FILE_NAME);
    try {
      if (promote != null) {
        KeyRing.promote(file, promote);
        cli.out().println(promote + " is now the write key in " + file);
      } else {
        String id = KeyRing.addKey(file, !decryptOnly);
        cli.out()
            .println(
                "added key "
                    + id
                    + (decryptOnly ? " (decrypt only)" : " (the write key)")
                    + " to "
                    + file);
      }
      cli.out().println("restart the master to use it; its start re-encrypts every Secret");
    } catch (IOException e) {
      throw new CliException(e.getMessage(), e);
    }
    return 0;
  }
}
