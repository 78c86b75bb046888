package dev.drover.cli.core;

import dev.drover.client.Channels;
import dev.drover.client.ClientCredentials;
import dev.drover.client.DroverClient;
import io.grpc.ManagedChannel;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Everything one invocation of the {@code drover} command works with: its output streams, its
 * environment (HOME, DROVER_CONFIG), whether stdout is a terminal, the global options, and how to
 * open a channel to a master. Tests build one around in-memory streams and an in-process channel;
 * {@link #system()} builds the real one.
 */
public final class Cli {

  /** The endpoint used when no context and no --server say otherwise. */
  public static final String DEFAULT_ENDPOINT = "127.0.0.1:7070";

  /** Version of this client. */
  public static final String VERSION = "0.1.0";

  private final PrintWriter out;
  private final PrintWriter err;
  private final InputStream in;
  private final Map<String, String> env;
  private final boolean terminal;
  private final Function<String, ManagedChannel> channels;
  private final Clock clock;
  private final Set<String> warned = ConcurrentHashMap.newKeySet();

  // Global options, written by the root command while picocli parses.
  private String contextOption;
  private String serverOption;
  private String namespaceOption;
  private Duration requestTimeout = Duration.ofSeconds(10);
  private Connection lastConnection;

  /** Creates a context; {@code channels} opens a channel to a "host:port" endpoint. */
  public Cli(
      PrintWriter out,
      PrintWriter err,
      InputStream in,
      Map<String, String> env,
      boolean terminal,
      Function<String, ManagedChannel> channels,
      Clock clock) {
    this.out = out;
    this.err = err;
    this.in = in;
    this.env = Map.copyOf(env);
    this.terminal = terminal;
    this.channels = channels;
    this.clock = clock;
  }

  /** The context of a real run: System streams and environment, channels from {@link Channels}. */
  public static Cli system() {
    return new Cli(
        new PrintWriter(System.out, true),
        new PrintWriter(System.err, true),
        System.in,
        System.getenv(),
        System.console() != null && !"dumb".equals(System.getenv("TERM")),
        Channels::plaintext,
        Clock.systemUTC());
  }

  public PrintWriter out() {
    return out;
  }

  public PrintWriter err() {
    return err;
  }

  /**
   * Prints a warning of the server as kubectl does ("Warning: TEXT" on stderr), once per
   * invocation: the same warning may arrive in the response metadata and in a result.
   */
  public void warn(String text) {
    if (warned.add(text)) {
      err.println("Warning: " + text);
      err.flush();
    }
  }

  public InputStream in() {
    return in;
  }

  /** True when stdout is an interactive terminal (live progress) rather than a pipe or file. */
  public boolean terminal() {
    return terminal;
  }

  public Clock clock() {
    return clock;
  }

  /** Deadline for unary calls (--request-timeout). */
  public Duration requestTimeout() {
    return requestTimeout;
  }

  /** Sets --context. */
  public void setContextOption(String name) {
    contextOption = name;
  }

  /** Sets --server. */
  public void setServerOption(String endpoint) {
    serverOption = endpoint;
  }

  /** Sets -n/--namespace. */
  public void setNamespaceOption(String namespace) {
    namespaceOption = namespace;
  }

  /** Sets --request-timeout. */
  public void setRequestTimeout(Duration timeout) {
    requestTimeout = timeout;
  }

  /** The namespace given with -n, or null. */
  public String namespaceOption() {
    return namespaceOption;
  }

  /** The namespace a namespaced command works in: -n, else the context's, else "default". */
  public String namespace() {
    return namespaceOption != null ? namespaceOption : defaultNamespace();
  }

  /**
   * A client and where its endpoints came from (a context, --server, the default), for error hints
   * that say which master could not be reached and why it was that one.
   */
  public record Connection(DroverClient client, String source) {
    /** "host:port (from context \"dev\")". */
    public String where() {
      return client.currentEndpoint() + " (from " + source + ")";
    }
  }

  /** The connection opened last in this invocation (for error hints), or null. */
  public Connection lastConnection() {
    return lastConnection;
  }

  /** The environment variables of this invocation. */
  public Map<String, String> environment() {
    return env;
  }

  /** Opens a client for the given endpoints, ignoring contexts (used by {@code drover dev}). */
  public DroverClient connect(List<String> endpoints) {
    return client(endpoints);
  }

  /** The user's home directory: $HOME, else the JVM's user.home. */
  public Path home() {
    String home = env.get("HOME");
    return Path.of(home != null && !home.isEmpty() ? home : System.getProperty("user.home"));
  }

  /** The client configuration store: $DROVER_CONFIG, else ~/.drover/config. */
  public ClientConfigStore configStore() {
    String path = env.get("DROVER_CONFIG");
    return new ClientConfigStore(
        path != null && !path.isEmpty() ? Path.of(path) : home().resolve(".drover/config"));
  }

  /** The context the command runs in (--context, else the current one; null if none). */
  public ContextEntry context() {
    ClientConfig config = configStore().load();
    String name = contextOption != null ? contextOption : config.currentContext();
    if (name == null || name.isEmpty()) {
      return null;
    }
    return config
        .context(name)
        .orElseThrow(
            () ->
                new CliException(
                    "context \""
                        + name
                        + "\" does not exist in "
                        + configStore().path()
                        + "; see `drover config get-contexts`"));
  }

  /** The namespace to use when -n is not given: the context's, else "default". */
  public String defaultNamespace() {
    ContextEntry context = context();
    return context != null && !context.namespace().isEmpty() ? context.namespace() : "default";
  }

  /** Opens a client for the cluster of the selected context (or --server). */
  public DroverClient connect() {
    List<String> endpoints;
    String source;
    // --server alone bypasses the contexts; with --context it takes that context's credentials.
    ContextEntry selected = serverOption == null || contextOption != null ? context() : null;
    if (serverOption != null) {
      endpoints = List.of(serverOption);
      source = "--server";
    } else {
      if (selected == null || selected.endpoints().isEmpty()) {
        endpoints = List.of(DEFAULT_ENDPOINT);
        source = "the default endpoint (no context configured)";
      } else {
        endpoints = selected.endpoints();
        source = "context \"" + selected.name() + "\"";
      }
    }
    DroverClient client = client(endpoints, channels(selected));
    lastConnection = new Connection(client, source);
    return client;
  }

  private DroverClient client(List<String> endpoints) {
    return client(endpoints, channels);
  }

  private DroverClient client(
      List<String> endpoints, Function<String, ManagedChannel> channelFactory) {
    return DroverClient.builder()
        .endpoints(endpoints)
        .channelFactory(channelFactory)
        .deadline(requestTimeout)
        .onWarning(this::warn)
        .build();
  }

  /**
   * The channels for a context: mutual TLS or a bearer token when it has credentials (checked now:
   * an unusable file is an error, never plaintext), else this invocation's plain channels.
   */
  private Function<String, ManagedChannel> channels(ContextEntry context) {
    if (context == null || context.credentials().isEmpty()) {
      return channels;
    }
    ContextEntry.Credentials c = context.credentials();
    try {
      return Channels.secureFactory(
          new ClientCredentials(
              path(c.caFile()), path(c.certFile()), path(c.keyFile()), c.token()));
    } catch (IllegalArgumentException | IllegalStateException e) {
      throw new CliException(
          "context \""
              + context.name()
              + "\" has unusable credentials: "
              + e.getMessage()
              + " (see `drover config set-context`)",
          e);
    }
  }

  private static Path path(String file) {
    return file.isEmpty() ? null : Path.of(file);
  }
}
