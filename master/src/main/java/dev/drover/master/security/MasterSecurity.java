package dev.drover.master.security;

import dev.drover.client.Channels;
import dev.drover.client.audit.RefusalAudit;
import dev.drover.master.auth.AuthenticationInterceptor;
import dev.drover.store.api.KvStore;
import dev.drover.store.api.Peer;
import dev.drover.store.api.PeerTls;
import dev.drover.store.raft.RaftKvStore;
import io.grpc.ManagedChannel;
import io.grpc.ServerInterceptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a master secures its API port, chosen on its builder: plaintext on purpose ({@link
 * #insecure}), a managed cluster PKI in a directory ({@link #managed}: the CA bootstrap, automatic
 * certificates and their rotation), or TLS files managed by the operator ({@link #files}). {@link
 * #start} runs once the store answers and yields what the server needs.
 */
public final class MasterSecurity {
  private static final Logger LOG = LoggerFactory.getLogger(MasterSecurity.class);

  /** How long a joining master keeps trying to reach a master to join through. */
  static final Duration JOIN_TIMEOUT = Duration.ofMinutes(2);

  private final Path pkiDir;
  private final Path[] files;
  private final Duration lifetime;
  private final String joinToken;
  private final List<String> joinVia;

  private MasterSecurity(
      Path pkiDir, Path[] files, Duration lifetime, String joinToken, List<String> joinVia) {
    this.pkiDir = pkiDir;
    this.files = files;
    this.lifetime = lifetime;
    this.joinToken = joinToken;
    this.joinVia = joinVia;
  }

  /** No TLS: every caller is the insecure principal. */
  public static MasterSecurity insecure() {
    return new MasterSecurity(null, null, null, null, List.of());
  }

  /**
   * A managed PKI in {@code dir}; issued certificates live for {@code lifetime} and are renewed at
   * 50-80% of it.
   */
  public static MasterSecurity managed(Path dir, Duration lifetime) {
    return new MasterSecurity(dir, null, lifetime, null, List.of());
  }

  /** Operator-managed files: this master's chain and key, and the CA of its clients. */
  public static MasterSecurity files(Path certificateChain, Path privateKey, Path trustedCa) {
    return new MasterSecurity(
        null,
        new Path[] {certificateChain, privateKey, trustedCa},
        Duration.ofDays(90),
        null,
        List.of());
  }

  /**
   * This managed PKI, which on a first start (no cluster CA in its directory) joins the cluster
   * with master join token {@code token} through one of {@code via} (masters' API addresses).
   */
  public MasterSecurity joining(String token, List<String> via) {
    if (pkiDir == null) {
      throw new IllegalStateException(
          "a join token needs the managed PKI; operator-managed TLS files cannot join");
    }
    return new MasterSecurity(pkiDir, null, lifetime, token, List.copyOf(via));
  }

  /** True when the API is plaintext. */
  public boolean isInsecure() {
    return pkiDir == null && files == null;
  }

  /** The managed PKI directory, or null. */
  public Path pkiDir() {
    return pkiDir;
  }

  /**
   * The first phase, before this master's store starts, so that the store's peer traffic can use
   * the result ({@link Active#peerTls}): with a managed PKI, the local cluster CA (created here by
   * the first master to bootstrap in this directory), a fresh certificate of master {@code id} for
   * {@code addresses} and its rotation on {@code timers}; with operator files, those files. Only a
   * {@code bootstrapper} creates a missing CA ({@link ClusterPki#prepare}). A master with a join
   * token and no cluster CA joins first ({@link MasterJoin}, writing the key file of Secrets at
   * rest to {@code secretKeyFile}); a bootstrapper of a store of several members ({@code
   * multiMember}) that creates the CA also mints the cluster's first master join token ({@link
   * BootstrapToken}), which the other masters join with. Finish with {@link Active#start} once the
   * store answers.
   */
  public Active prepare(
      String id,
      List<String> addresses,
      ScheduledExecutorService timers,
      boolean bootstrapper,
      boolean multiMember,
      Path secretKeyFile,
      Clock clock) {
    if (isInsecure()) {
      return new Active(null, null, null, null, null);
    }
    if (pkiDir == null) {
      return new Active(
          this, MasterCredentials.fromFiles(files[0], files[1], files[2]), null, id, addresses);
    }
    ClusterPki pki = new ClusterPki(pkiDir);
    boolean joined = false;
    if (joinToken != null && !pki.hasCa()) {
      MasterJoin.join(pki, id, addresses, joinToken, joinVia, secretKeyFile, JOIN_TIMEOUT);
      joined = true;
    } else if (joinToken != null) {
      LOG.info("master {} has the cluster CA in {}: the join token is not needed", id, pkiDir);
    }
    boolean creatingCa = bootstrapper && !pki.hasCa();
    Active active =
        new Active(
            this, pki.prepare(id, addresses, lifetime, bootstrapper, joined), pki, id, addresses);
    active.secretKeyFile = secretKeyFile;
    if (creatingCa && multiMember) {
      active.bootstrap = BootstrapToken.mint(pkiDir, active.credentials.caCertificate(), clock);
    } else {
      active.bootstrap = BootstrapToken.read(pkiDir, clock);
    }
    active.scheduleRotation(timers);
    return active;
  }

  /**
   * The addresses a serving certificate names: those of {@link #addresses(String)} for {@code
   * host}, plus {@code storeHost} (the store member's host, which peers connect to) when set.
   */
  public static List<String> addresses(String host, String storeHost) {
    Set<String> out = new LinkedHashSet<>(addresses(host));
    if (storeHost != null && !storeHost.equals("0.0.0.0") && !storeHost.equals("::")) {
      out.add(storeHost);
    }
    return new ArrayList<>(out);
  }

  /** The addresses a serving certificate names: the bind host (or every local one), localhost. */
  static List<String> addresses(String host) {
    Set<String> out = new LinkedHashSet<>(List.of("localhost", "127.0.0.1", "::1"));
    if (host.equals("0.0.0.0") || host.equals("::")) {
      try {
        for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
          for (InetAddress a : Collections.list(nic.getInetAddresses())) {
            if (!a.isLinkLocalAddress()) {
              out.add(a.getHostAddress().replaceAll("%.*$", ""));
            }
          }
        }
        out.add(InetAddress.getLocalHost().getHostName());
      } catch (SocketException | java.net.UnknownHostException e) {
        LOG.warn("cannot list this host's addresses for the certificate: {}", e.toString());
      }
    } else {
      out.add(host);
    }
    return new ArrayList<>(out);
  }

  /**
   * The security of a master: prepared ({@link MasterSecurity#prepare}), then started ({@link
   * #start}) with the token store and SecurityService.
   */
  public static final class Active implements AutoCloseable {
    private final MasterSecurity config;
    private final ClusterPki pki;
    private final String id;
    private final List<String> addresses;
    private volatile MasterCredentials credentials;
    private TokenStore tokens;
    private SecurityServiceImpl service;
    private volatile ScheduledFuture<?> rotation;
    private volatile boolean closed;
    private BootstrapToken bootstrap;
    private Path secretKeyFile;

    Active(
        MasterSecurity config,
        MasterCredentials credentials,
        ClusterPki pki,
        String id,
        List<String> addresses) {
      this.config = config;
      this.credentials = credentials;
      this.pki = pki;
      this.id = id;
      this.addresses = addresses;
    }

    /**
     * The mutual TLS of the store's peer traffic: this master's (reloading) certificate, and only
     * masters' certificates of the cluster CA accepted from peers; null when insecure. Refuses
     * credentials whose own certificate does not name a master, which every peer would refuse.
     */
    public PeerTls peerTls() {
      MasterCredentials c = credentials;
      if (c == null) {
        return null;
      }
      if (!MasterPeerTrust.namesMaster(c.keyManager().certificate())) {
        throw new IllegalStateException(
            "this master's certificate ("
                + c.keyManager().certificate().getSubjectX500Principal().getName()
                + ") does not name a master (subject O=MASTER,CN=master:<id>): the store's peers"
                + " accept only masters' certificates");
      }
      return new PeerTls(c.keyManager(), new MasterPeerTrust(c.caCertificate()));
    }

    /**
     * The Raft group id of the store of a cluster of this master's CA, null when insecure. Derived
     * from the CA certificate's digest, so each cluster has its own (the CA is generated at the
     * first master's bootstrap) and every master holding the CA knows it; the store records it in
     * its data directory at the first start.
     */
    public java.util.UUID storeGroupId() {
      MasterCredentials c = credentials;
      return c == null
          ? null
          : java.util.UUID.nameUUIDFromBytes(
              ("drover-store-group:" + dev.drover.client.tls.PemFiles.digest(c.caCertificate()))
                  .getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /**
     * The second phase, once {@code kv} answers: a managed PKI publishes the cluster CA in the
     * store (or adopts the one there, unless {@code storeUsesPeerTls}: a store reached over {@link
     * #peerTls} can only belong to a cluster of this master's CA) and the admin certificate; then
     * the token store and SecurityService.
     */
    public Active start(KvStore kv, boolean storeUsesPeerTls, Clock clock) {
      if (credentials == null) {
        return this;
      }
      if (pki != null) {
        credentials =
            pki.bootstrap(
                kv, id, addresses, config.lifetime, storeUsesPeerTls ? credentials : null);
      }
      tokens = new TokenStore(kv, credentials.caCertificate(), clock);
      service =
          new SecurityServiceImpl(
              credentials, tokens, tokens, () -> config.lifetime, this::secretKeys);
      if (bootstrap != null && !bootstrap.stored()) {
        bootstrap = bootstrap.handOver(tokens);
      }
      return this;
    }

    /**
     * While the store of a new cluster waits for its other members: serves their joins with the
     * bootstrap token on {@code host:port} ({@link BootstrapJoinServer}), calls passing {@code
     * audit}; null when this master minted no token or the store holds it already. Close it before
     * the API server binds the port.
     */
    public BootstrapJoinServer serveBootstrapJoins(
        String host, int port, ServerInterceptor audit, RefusalAudit plaintext) {
      if (bootstrap == null || bootstrap.stored() || port <= 0) {
        return null;
      }
      return BootstrapJoinServer.start(
          host, port, credentials, bootstrap, config.lifetime, this::secretKeys, audit, plaintext);
    }

    /**
     * For a master that joins the store of a running cluster without its member list: the peers
     * recorded in {@code remembered} by an earlier join (a restart needs no other master), else the
     * store's members as a master it joins through lists them, plus {@code self} ({@link
     * StoreJoin}).
     */
    public List<Peer> joiningStorePeers(Peer self, Path remembered) {
      if (Files.exists(remembered)) {
        return StoreJoin.read(remembered);
      }
      return storeJoin().peers(self);
    }

    /**
     * Asks the cluster to add {@code self}, whose store member runs with {@code peers}, to its
     * store, and records the peers in {@code remembered}; nothing when they are recorded already.
     */
    public void joinStore(Peer self, List<Peer> peers, Path remembered) {
      if (!Files.exists(remembered)) {
        storeJoin().add(self);
        StoreJoin.write(remembered, peers);
      }
    }

    private StoreJoin storeJoin() {
      if (pki == null || config.joinVia.isEmpty()) {
        throw new IllegalStateException(
            "joining a running cluster's store needs the managed PKI and the API address of a"
                + " master to join through (--join)");
      }
      return new StoreJoin(pki.dir(), config.joinVia, JOIN_TIMEOUT);
    }

    /**
     * Lets masters add themselves to {@code raft}, this master's member of a replicated store
     * started with {@code started} (SecurityService.AddStoreMember); call after {@link #start}.
     */
    public void growableStore(RaftKvStore raft, List<Peer> started) {
      if (service != null) {
        service.members(new StoreMembership(raft, raft, started));
      }
    }

    /** The master join token this master minted at the cluster's bootstrap, or null. */
    public BootstrapToken bootstrapToken() {
      return bootstrap;
    }

    private String secretKeys() {
      try {
        return secretKeyFile == null || !Files.exists(secretKeyFile)
            ? ""
            : Files.readString(secretKeyFile, StandardCharsets.US_ASCII);
      } catch (IOException e) {
        throw new IllegalStateException("cannot read " + secretKeyFile + ": " + e.getMessage(), e);
      }
    }

    /** The interceptor that authenticates every call; outermost on every service. */
    public ServerInterceptor authentication() {
      return credentials == null
          ? AuthenticationInterceptor.insecure()
          : AuthenticationInterceptor.secure(
              tokens, Set.of(SecurityServiceImpl.JOIN_METHOD), credentials.trustManager());
    }

    /** The extra services a secured master serves (SecurityService), or none. */
    public List<ServerServiceDefinition> services() {
      return service == null ? List.of() : List.of(service.bindService());
    }

    /**
     * Puts TLS on the API server; client certificates are optional (bearer tokens, joins) and
     * verified by {@link #authentication} at each call. A client that does not speak TLS is
     * reported to {@code plaintext}.
     */
    public NettyServerBuilder configure(NettyServerBuilder builder, RefusalAudit plaintext) {
      if (credentials == null) {
        return builder;
      }
      // Client certificates are verified per call (DeferredClientTrust), so that a refused one is
      // UNAUTHENTICATED with its reason and audited, not a handshake failure nobody records.
      return TlsPort.apply(builder, credentials, plaintext, "gRPC API");
    }

    /** How this master opens channels to agents: mutual TLS with its own certificate. */
    public Function<String, ManagedChannel> agentChannels() {
      return credentials == null
          ? Channels::plaintext
          : Channels.secureFactory(credentials.asClient());
    }

    /** The credentials, or null when insecure. */
    public MasterCredentials credentials() {
      return credentials;
    }

    /** The token store, or null when insecure. */
    public TokenStore tokens() {
      return tokens;
    }

    /** The managed PKI, or null. */
    public ClusterPki pki() {
      return pki;
    }

    private void scheduleRotation(ScheduledExecutorService timers) {
      if (closed) {
        return;
      }
      Duration delay = Rotation.delay(credentials.keyManager().certificate(), Instant.now());
      rotation =
          timers.schedule(
              () -> {
                try {
                  pki.issueMaster(credentials.authority(), id, addresses, config.lifetime);
                  LOG.info("master {} renewed its certificate", id);
                } catch (RuntimeException e) {
                  LOG.warn("master {} could not renew its certificate: {}", id, e.toString());
                }
                scheduleRotation(timers);
              },
              // A renewal that failed leaves a due certificate: try again, but not in a loop.
              Math.max(100, delay.toMillis()),
              TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
      closed = true;
      ScheduledFuture<?> r = rotation;
      if (r != null) {
        r.cancel(false);
      }
    }
  }
}
