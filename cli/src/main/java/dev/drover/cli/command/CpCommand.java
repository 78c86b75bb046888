package dev.drover.cli.command;

import dev.drover.api.v1.ExecRequest;
import dev.drover.cli.core.Cli;
import dev.drover.cli.core.CliException;
import dev.drover.cli.core.ResourceType;
import dev.drover.cli.core.ServerCallException;
import dev.drover.cli.core.Subject;
import dev.drover.client.DroverClient;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code drover cp POD:PATH LOCAL} and {@code drover cp LOCAL POD:PATH}: copies files and
 * directories to and from a container, as kubectl cp does, with {@code tar} run in the container
 * over the Exec stream (the container needs tar). The archive is read and written here with {@link
 * TarFiles}, which refuses entries that would land outside the destination.
 */
@Command(
    name = "cp",
    mixinStandardHelpOptions = true,
    description = "Copy files and directories to and from a container (needs tar in it).",
    footer = {
      "",
      "Examples:",
      "  drover cp web-1:/etc/hostname ./hostname",
      "  drover cp ./site web-1:/srv/www",
      "  drover cp other-ns/web-1:/tmp/dump.sql dump.sql"
    })
final class CpCommand implements Callable<Integer> {

  /** How long one copy may take. */
  static final Duration DEADLINE = Duration.ofHours(1);

  private final Cli cli;
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "SOURCE", description = "LOCAL or [NAMESPACE/]POD:PATH.")
  String source;

  @Parameters(index = "1", paramLabel = "DEST", description = "LOCAL or [NAMESPACE/]POD:PATH.")
  String destination;

  @Option(
      names = {"-c", "--container"},
      paramLabel = "NAME",
      description = "Container (needed when the pod has several).")
  String container = "";

  CpCommand(Cli cli) {
    this.cli = cli;
  }

  /** A path in a pod: {@code [NAMESPACE/]POD:PATH}. */
  private record Remote(String namespace, String pod, String path) {}

  @Override
  public Integer call() throws IOException, InterruptedException {
    Remote from = remote(source);
    Remote to = remote(destination);
    if ((from == null) == (to == null)) {
      throw new ParameterException(
          spec.commandLine(), "one of SOURCE and DEST must be POD:PATH and the other a local path");
    }
    try (DroverClient client = cli.connect()) {
      if (from != null) {
        download(client, from, Path.of(destination));
      } else {
        upload(client, Path.of(source), to);
      }
    }
    return 0;
  }

  private Remote remote(String word) {
    int colon = word.indexOf(':');
    if (colon <= 0) {
      return null;
    }
    String pod = word.substring(0, colon);
    String path = word.substring(colon + 1);
    if (path.isEmpty()) {
      throw new ParameterException(spec.commandLine(), "\"" + word + "\": missing the PATH");
    }
    int slash = pod.indexOf('/');
    return slash < 0
        ? new Remote(cli.namespace(), pod, path)
        : new Remote(pod.substring(0, slash), pod.substring(slash + 1), path);
  }

  private void download(DroverClient client, Remote from, Path local)
      throws IOException, InterruptedException {
    String parent = parentOf(from.path());
    String base = baseOf(from.path());
    Path archive = Files.createTempFile("drover-cp-", ".tar");
    try {
      try (OutputStream out = Files.newOutputStream(archive)) {
        exec(client, from, List.of("tar", "cf", "-", "-C", parent, base), null, out, false);
      }
      // Like cp(1): into an existing directory, under the source's name.
      Path target = Files.isDirectory(local) ? local.resolve(base) : local;
      try (InputStream in = Files.newInputStream(archive)) {
        for (String skipped : TarFiles.extract(in, base, target)) {
          cli.err().println("warning: skipping " + skipped);
        }
      }
    } finally {
      Files.deleteIfExists(archive);
    }
  }

  private void upload(DroverClient client, Path local, Remote to)
      throws IOException, InterruptedException {
    if (!Files.exists(local)) {
      throw new CliException(local + " does not exist");
    }
    // Like cp(1): into an existing directory, under the source's name (kubectl asks the same way).
    String path = to.path();
    boolean intoDirectory =
        exec(client, to, List.of("test", "-d", path), null, OutputStream.nullOutputStream(), true)
            == 0;
    String root =
        intoDirectory ? local.toAbsolutePath().normalize().getFileName().toString() : baseOf(path);
    String parent = intoDirectory ? path : parentOf(path);
    Path archive = Files.createTempFile("drover-cp-", ".tar");
    try {
      try (OutputStream out = Files.newOutputStream(archive)) {
        TarFiles.write(local, root, out);
      }
      // Docker's exec cannot pass on the end of stdin, so tar reads exactly the archive's bytes.
      String script = "head -c " + Files.size(archive) + " | tar -xmf - -C \"$0\"";
      try (InputStream in = Files.newInputStream(archive)) {
        exec(
            client,
            to,
            List.of("sh", "-c", script, parent),
            in,
            OutputStream.nullOutputStream(),
            false);
      }
    } finally {
      Files.deleteIfExists(archive);
    }
  }

  /** Runs a command; a non-zero exit is an error naming it unless {@code anyExit}. */
  private int exec(
      DroverClient client,
      Remote at,
      List<String> command,
      InputStream in,
      OutputStream out,
      boolean anyExit)
      throws InterruptedException {
    ExecRequest.Builder request =
        ExecRequest.newBuilder()
            .setNamespace(at.namespace())
            .setPod(at.pod())
            .setContainer(container);
    PodExec.Result result;
    try {
      result = PodExec.run(client, request, command, in, out, DEADLINE);
    } catch (StatusRuntimeException e) {
      throw new ServerCallException(e, new Subject(ResourceType.POD, at.pod()));
    }
    if (anyExit) {
      return result.exitCode();
    }
    if (result.exitCode() == 126 || result.exitCode() == 127) {
      throw new CliException(
          "cannot run tar in pod "
              + at.pod()
              + " (exit code "
              + result.exitCode()
              + "): cp needs tar in the container; "
              + result.stderr().strip());
    }
    if (result.exitCode() != 0) {
      throw new CliException(
          "tar in pod "
              + at.pod()
              + " failed (exit code "
              + result.exitCode()
              + "): "
              + result.stderr().strip());
    }
    return 0;
  }

  /** The directory part of a container path ("/" for "/x", "." for "x"). */
  static String parentOf(String path) {
    String trimmed = trimSlashes(path);
    int slash = trimmed.lastIndexOf('/');
    if (slash < 0) {
      return ".";
    }
    return slash == 0 ? "/" : trimmed.substring(0, slash);
  }

  /** The last name of a container path. */
  static String baseOf(String path) {
    String trimmed = trimSlashes(path);
    String base = trimmed.substring(trimmed.lastIndexOf('/') + 1);
    if (base.isEmpty() || base.equals(".") || base.equals("..")) {
      throw new CliException("\"" + path + "\" does not name a file or directory");
    }
    return base;
  }

  private static String trimSlashes(String path) {
    String p = path;
    while (p.length() > 1 && p.endsWith("/")) {
      p = p.substring(0, p.length() - 1);
    }
    return p;
  }
}
