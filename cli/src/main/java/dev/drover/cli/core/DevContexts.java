package dev.drover.cli.core;

import dev.drover.client.ClientCredentials;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@code drover dev} tells the user and the client configuration: it writes (or updates) the
 * {@code dev} context to point at the local master and makes it current, keeping every other
 * context, and prints what to type next.
 */
public final class DevContexts {

  /** Name of the context {@code drover dev} writes. */
  public static final String NAME = "dev";

  private DevContexts() {}

  /**
   * Writes the dev context for {@code endpoint} with the admin certificate {@code admin} and makes
   * it the current context.
   */
  public static void write(ClientConfigStore store, String endpoint, ClientCredentials admin) {
    ClientConfig config = store.load();
    String namespace = config.context(NAME).map(ContextEntry::namespace).orElse("default");
    ContextEntry.Credentials credentials =
        new ContextEntry.Credentials(
            "",
            admin.caFile().toAbsolutePath().toString(),
            admin.certFile().toAbsolutePath().toString(),
            admin.keyFile().toAbsolutePath().toString());
    store.save(
        config
            .withContext(new ContextEntry(NAME, List.of(endpoint), namespace, credentials))
            .withCurrent(NAME));
  }

  /** The lines printed once the dev cluster is ready. */
  public static List<String> banner(
      String endpoint,
      String node,
      String runtime,
      String fallback,
      String dataDir,
      double readySeconds) {
    List<String> lines = new ArrayList<>();
    if (fallback == null) {
      lines.add(
          String.format(
              "Drover dev cluster ready in %.1f s: master at %s, node %s (%s runtime),"
                  + " data in %s.",
              readySeconds, endpoint, node, runtime, dataDir));
    } else {
      lines.add(
          String.format(
              "Drover dev cluster ready in %.1f s: master at %s, node %s (simulated runtime:"
                  + " pods are simulated, no containers run), data in %s.",
              readySeconds, endpoint, node, dataDir));
      lines.add(
          fallback
              + ". For real containers start Docker (on Debian: `sudo scripts/test-env.sh`)"
              + " and run `drover dev --runtime docker`.");
    }
    lines.addAll(
        List.of(
            "The \"dev\" context is now current. Try, in another terminal:",
            "  drover get nodes",
            "  drover apply -f examples/manifests/web.yaml --wait",
            "  drover get pods",
            "  drover logs <pod>",
            "Press Ctrl-C to stop (state is kept for the next `drover dev`)."));
    return lines;
  }
}
