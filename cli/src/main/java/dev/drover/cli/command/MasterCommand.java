package dev.drover.cli.command;

import dev.drover.cli.core.Cli;
import dev.drover.cli.core.CliException;
import dev.drover.cli.core.DaemonConfigFile;
import dev.drover.cli.core.Durations;
import dev.drover.master.Master;
import dev.drover.master.TlsConfig;
import dev.drover.master.registry.ServiceStrategy;
import dev.drover.master.secrets.SecretsAtRest;
import dev.drover.store.KvStoreBuilder;
import dev.drover.store.KvStores;
import dev.drover.store.api.Peer;
import dev.drover.store.api.StoreOptions;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code drover master}: the master daemon for a real host: the replicated store member, the
 * control API, and (while this master is the active one) the scheduler and controllers. Settings
 * come from flags and {@code --config FILE} (every key is also a flag; flags win).
 */
@Command(
    name = "master",
    mixinStandardHelpOptions = true,
    subcommands = RotateSecretKeyCommand.class,
    description = {
      "Run a master: store member, control API, scheduler and controllers.",
      "Sample configuration: dist/config/master.yaml."
    })
final class MasterCommand implements Callable<Integer> {

  private final Cli cli;
  @Spec CommandSpec spec;

  @Option(names = "--config", paramLabel = "FILE", description = "YAML file of settings.")
  Path config;

  @Option(
      names = "--id",
      paramLabel = "ID",
      description = "Id of this master; one of the --peer ids (default ${DEFAULT-VALUE}).")
  String id = KvStores.EMBEDDED_ID;

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      description = "Store directory (default ${DEFAULT-VALUE}).")
  Path dataDir = Path.of("/var/lib/drover/master");

  @Option(
      names = "--secret-key-file",
      paramLabel = "FILE",
      description =
          "Keys that encrypt Secrets at rest (mode 0600; created at first start). Every master"
              + " needs the same keys (default: secret-keys in --data-dir).")
  Path secretKeyFile;

  @Option(
      names = "--api-host",
      paramLabel = "HOST",
      description = "Address the control API binds to (default ${DEFAULT-VALUE}).")
  String apiHost = "0.0.0.0";

  @Option(
      names = "--api-port",
      paramLabel = "PORT",
      description = "Port of the control API (default ${DEFAULT-VALUE}).")
  int apiPort = 7070;

  @Option(
      names = "--metrics-port",
      paramLabel = "PORT",
      description =
          "HTTP port of /metrics, /healthz, /readyz; -1 disables" + " (default ${DEFAULT-VALUE}).")
  int metricsPort = 7073;

  @Mixin MetricsOptions metrics = new MetricsOptions();

  @Option(
      names = "--insecure",
      description =
          "Serve the API in plaintext, with no authentication (loopback only unless"
              + " --i-understand-plaintext).")
  boolean insecure;

  @Option(
      names = "--i-understand-plaintext",
      description = "Confirm --insecure on a non-loopback address.")
  boolean plaintextConfirmed;

  @Option(
      names = "--pki-dir",
      paramLabel = "DIR",
      description =
          "The managed cluster PKI: CA, this master's and the admin's certificates"
              + " (default DATA-DIR/pki).")
  Path pkiDir;

  @Option(
      names = "--tls-cert",
      paramLabel = "FILE",
      description = "Operator-managed TLS instead of the managed PKI: this master's chain (PEM).")
  Path tlsCert;

  @Option(names = "--tls-key", paramLabel = "FILE", description = "Its PKCS#8 key (PEM).")
  Path tlsKey;

  @Option(
      names = "--tls-ca",
      paramLabel = "FILE",
      description = "The CA client certificates must chain to (PEM).")
  Path tlsCa;

  @Option(
      names = "--certificate-lifetime",
      paramLabel = "DURATION",
      description =
          "Lifetime of issued certificates, renewed at 50-80% (default ${DEFAULT-VALUE}).")
  String certificateLifetime = "2160h";

  // Hidden: for fault tests that need snapshots often (a master killed while writing one).
  @Option(
      names = "--snapshot-every",
      paramLabel = "ENTRIES",
      hidden = true,
      description = "Store log entries between automatic snapshots (default ${DEFAULT-VALUE}).")
  long snapshotEvery = new StoreOptions().snapshotEveryEntries();

  @Option(
      names = "--http-port",
      paramLabel = "PORT",
      description =
          "Port of the HTTP/JSON API and web console (/api, /apis, /ui/); 0 picks a free one,"
              + " -1 turns them off (default ${DEFAULT-VALUE}).")
  int httpPort = -1;

  @Option(
      names = "--store-port",
      paramLabel = "PORT",
      description = "Store (Raft) port of a single master (default ${DEFAULT-VALUE}).")
  int storePort = 7071;

  @Option(
      names = "--peer",
      paramLabel = "ID=HOST:PORT",
      description =
          "A member of a 3- or 5-master store, by its store port (repeatable; the"
              + " same list on every master).")
  List<String> peers = new ArrayList<>();

  @Option(
      names = "--join-token",
      paramLabel = "TOKEN",
      description =
          "Master join token: on the first start, get this master's certificate, the cluster CA"
              + " and the Secrets key file from the cluster (`drover token create --role master`"
              + " on a running master; while a new cluster starts, the first line of the first"
              + " master's DATA-DIR/pki/master-join-token).")
  String joinToken;

  @Option(
      names = "--join",
      paramLabel = "HOST:PORT",
      description =
          "API address of a master to join through (repeatable; default: the other --peer"
              + " hosts at this master's --api-port). With --join-token and no --peer, this"
              + " master joins the running cluster's store as a new member.")
  List<String> joinVia = new ArrayList<>();

  @Option(
      names = "--store-address",
      paramLabel = "HOST:PORT",
      description =
          "Where the other masters reach this master's store (Raft) port, when it joins a running"
              + " cluster with --join-token and --join but no --peer (default: --api-host at"
              + " --store-port).")
  String storeAddress;

  @Option(
      names = "--audit-log",
      paramLabel = "FILE",
      description =
          "Audit log: one JSON line per change and per refused call (default DATA-DIR/audit.log).")
  Path auditLog;

  @Option(
      names = "--audit-log-max-mb",
      paramLabel = "MB",
      description = "Size at which the audit log rotates (default ${DEFAULT-VALUE}).")
  long auditLogMaxMb = 100;

  @Option(
      names = "--service-node-port-range",
      paramLabel = "FIRST-LAST",
      description =
          "Ports NodePort services get theirs from, both ends included"
              + " (default ${DEFAULT-VALUE}).")
  String serviceNodePortRange = ServiceStrategy.NodePortRange.DEFAULT.toString();

  MasterCommand(Cli cli) {
    this.cli = cli;
  }

  /** Parses the --peer list. */
  List<Peer> peerList() {
    List<Peer> out = new ArrayList<>();
    for (String peer : peers) {
      int eq = peer.indexOf('=');
      int colon = peer.lastIndexOf(':');
      if (eq <= 0 || colon < eq) {
        throw new CliException("--peer \"" + peer + "\": expected ID=HOST:PORT");
      }
      try {
        out.add(Peer.parse(peer.substring(0, eq), peer.substring(eq + 1)));
      } catch (RuntimeException e) {
        throw new CliException("--peer \"" + peer + "\": " + e.getMessage(), e);
      }
    }
    return out;
  }

  /** The parsed --service-node-port-range. */
  ServiceStrategy.NodePortRange nodePortRange() {
    try {
      return ServiceStrategy.NodePortRange.parse(serviceNodePortRange);
    } catch (IllegalArgumentException e) {
      throw new CliException(
          "--service-node-port-range \"" + serviceNodePortRange + "\": " + e.getMessage(), e);
    }
  }

  /** TLS by default (the managed PKI, or the given files); plaintext only with --insecure. */
  void security(Master.Builder b) {
    if (joinToken != null && (insecure || tlsCert != null)) {
      throw new CliException(
          "--join-token needs the managed PKI: it contradicts "
              + (insecure ? "--insecure" : "--tls-cert/--tls-key/--tls-ca"));
    }
    if (insecure) {
      if (tlsCert != null || tlsKey != null || tlsCa != null) {
        throw new CliException("--insecure contradicts --tls-cert/--tls-key/--tls-ca");
      }
      b.insecure();
      if (plaintextConfirmed) {
        b.plaintextOffLoopback();
      }
      return;
    }
    if (tlsCert != null || tlsKey != null || tlsCa != null) {
      if (tlsCert == null || tlsKey == null || tlsCa == null) {
        throw new CliException("--tls-cert, --tls-key and --tls-ca go together");
      }
      b.tls(new TlsConfig(tlsCert, tlsKey, tlsCa));
      return;
    }
    b.certificateLifetime(Durations.parse(certificateLifetime))
        .pki(pkiDir != null ? pkiDir : dataDir.resolve("pki"));
    if (joinToken != null) {
      b.joinToken(joinToken, joinAddresses());
    }
  }

  /** Where --join-token joins: --join, else the other peers' hosts at this --api-port. */
  List<String> joinAddresses() {
    if (!joinVia.isEmpty()) {
      for (String a : joinVia) {
        int colon = a.lastIndexOf(':');
        if (colon <= 0 || !a.substring(colon + 1).matches("[0-9]{1,5}")) {
          throw new CliException("--join \"" + a + "\": expected HOST:PORT");
        }
      }
      return joinVia;
    }
    List<String> out = new ArrayList<>();
    for (Peer p : peerList()) {
      if (!p.id().equals(id)) {
        out.add(p.host() + ":" + apiPort);
      }
    }
    if (out.isEmpty()) {
      throw new CliException(
          "--join-token: give --join HOST:PORT, the API address of a master to join through");
    }
    return out;
  }

  /**
   * This master's store member when it joins a running cluster's store (--join-token and --join, no
   * --peer list), or null.
   */
  Peer joiningStoreMember() {
    if (!peers.isEmpty() || joinToken == null || joinVia.isEmpty()) {
      if (storeAddress != null) {
        throw new CliException(
            "--store-address is for a master joining a running cluster: give it with"
                + " --join-token and --join, without --peer");
      }
      return null;
    }
    String address = storeAddress;
    if (address == null) {
      if (apiHost.equals("0.0.0.0") || apiHost.equals("::")) {
        throw new CliException(
            "--store-address: give HOST:PORT, where the other masters reach this master's store"
                + " (--api-host "
                + apiHost
                + " names no single address)");
      }
      address = apiHost + ":" + storePort;
    }
    try {
      return Peer.parse(id, address);
    } catch (RuntimeException e) {
      throw new CliException(
          "--store-address \"" + address + "\": expected HOST:PORT (" + e.getMessage() + ")", e);
    }
  }

  private Master start(Master.Builder b) {
    try {
      return b.start();
    } catch (UncheckedIOException | IllegalStateException e) {
      // A refused join, a missing CA, a store without majority: the reason, in one line.
      throw new CliException(e.getMessage(), e);
    }
  }

  /** The audit log file: --audit-log, else audit.log in the data directory. */
  Path auditLogFile() {
    return auditLog != null ? auditLog : dataDir.resolve("audit.log");
  }

  @Override
  public Integer call() throws InterruptedException {
    if (config != null) {
      DaemonConfigFile.apply(spec, config);
    }
    List<Peer> members = peerList();
    ServiceStrategy.NodePortRange nodePorts = nodePortRange();
    Peer joining = joiningStoreMember();
    KvStoreBuilder store =
        joining != null
            ? null
            : members.isEmpty()
                ? KvStores.embedded(dataDir, storePort)
                : KvStores.cluster(id, members, dataDir);
    StoreOptions storeOptions = store == null ? new StoreOptions() : store.options();
    storeOptions.snapshotEveryEntries(snapshotEvery);
    Master.Builder b =
        Master.builder()
            .id(id)
            .apiHost(apiHost)
            .apiPort(apiPort)
            .metricsPort(metricsPort)
            .metricsHost(metrics.host)
            .metricsTokenFile(metrics.tokenFile)
            .httpPort(httpPort)
            .serviceNodePortRange(nodePorts)
            .auditLog(auditLogFile(), auditLogMaxMb * 1024 * 1024)
            .secretKeyFile(
                secretKeyFile != null
                    ? secretKeyFile
                    : dataDir.resolve(SecretsAtRest.KEY_FILE_NAME));
    security(b);
    // The master starts the store member itself: with TLS, after it has its certificate, which
    // the member's peer traffic uses.
    if (joining != null) {
      b.joinStore(joining, dataDir, storeOptions);
    } else {
      b.store(store);
    }
    try (ShutdownSignal signal = new ShutdownSignal();
        Master master = start(b)) {
      cli.err()
          .println(
              "drover master "
                  + id
                  + ": API at "
                  + master.apiAddress()
                  + (master.httpPort() < 0
                      ? ""
                      : ", HTTP API and console at " + master.consoleUrl())
                  + "; Ctrl-C or SIGTERM stops it");
      if (master.security().bootstrapToken() != null) {
        cli.err()
            .println(
                "master join token (for the other --peer masters' --join-token): the first line"
                    + " of "
                    + master.security().bootstrapToken().file());
      }
      if (master.security().pki() != null) {
        var admin = master.security().pki().adminCredentials();
        cli.err()
            .println(
                "admin client certificate: drover config set-context NAME --server "
                    + master.apiAddress()
                    + " --ca-file "
                    + admin.caFile()
                    + " --cert-file "
                    + admin.certFile()
                    + " --key-file "
                    + admin.keyFile());
      }
      cli.err().flush();
      signal.await();
    }
    return 0;
  }
}
