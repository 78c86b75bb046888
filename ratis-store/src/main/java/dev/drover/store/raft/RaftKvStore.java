package dev.drover.store.raft;

import dev.drover.store.api.AbstractKvStore;
import dev.drover.store.api.KvStoreException;
import dev.drover.store.api.Peer;
import dev.drover.store.api.PeerTls;
import dev.drover.store.api.StoreOptions;
import dev.drover.store.api.Watch;
import dev.drover.store.api.WatchListener;
import dev.drover.store.lease.Lessor;
import dev.drover.store.mvcc.AutoCompaction;
import dev.drover.store.mvcc.MvccStore;
import dev.drover.store.v1.CompactionRequest;
import dev.drover.store.v1.StoreRequest;
import dev.drover.store.v1.StoreResponse;
import dev.drover.store.v1.WatchRequest;
import dev.drover.store.watch.WatchHub;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.util.SizeInBytes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One member of the Ratis-replicated store: its Raft server and state machine, the Raft clients
 * ({@link RaftRequests}) through which it submits writes and linearizable reads (to whichever
 * member leads), the watch hub that serves watches from this member's applied state, and the
 * lessor. Built by {@link dev.drover.store.KvStores}; call {@link #start()} once.
 */
public final class RaftKvStore extends AbstractKvStore {
  private static final Logger LOG = LoggerFactory.getLogger(RaftKvStore.class);

  private final Peer self;
  private final List<Peer> peers;
  private final Path dataDir;
  private final StoreOptions options;
  private final PeerTls tls;
  private final UUID requestedGroupId;
  private volatile RaftGroupId groupId;
  private final MvccStore store = new MvccStore();
  private final KvStateMachine stateMachine = new KvStateMachine(store);
  private final WatchHub hub;
  private final Lessor lessor;
  private final AtomicBoolean compacting = new AtomicBoolean();
  private final ExecutorService admin =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "store-admin");
            t.setDaemon(true);
            return t;
          });
  private RaftServer server;
  private RaftRequests requests;
  private SilentFollowerReset silentFollowers;
  private WedgedAppendReset wedgedAppends;
  private volatile boolean closed;

  /**
   * A member {@code self} of the group {@code peers}, keeping its data under {@code dataDir}; its
   * Raft server and clients use mutual TLS when {@code tls} is not null. The group is {@code
   * groupId} on a first start (null: the default id), from then on the one the data directory
   * records ({@link GroupIdFile}).
   */
  public RaftKvStore(
      Peer self, List<Peer> peers, Path dataDir, StoreOptions options, PeerTls tls, UUID groupId) {
    if (peers.stream().noneMatch(p -> p.id().equals(self.id()))) {
      throw KvStoreException.invalid(
          "peers", "the peer list does not contain this member " + self.id());
    }
    this.self = self;
    this.peers = List.copyOf(peers);
    this.dataDir = dataDir;
    this.options = options;
    this.tls = tls;
    this.requestedGroupId = groupId;
    this.hub = new WatchHub(store, options.progressNotifyInterval());
    this.lessor =
        new Lessor(
            store,
            expire -> submit(StoreRequest.newBuilder().setLeaseExpire(expire).build()),
            options.leaseCheckInterval(),
            System::nanoTime);
    stateMachine.setLessor(lessor);
    stateMachine.setAfterApply(this::maybeCompact);
  }

  private RaftProperties serverProperties() {
    RaftProperties p = new RaftProperties();
    RaftConfigKeys.Rpc.setType(p, SupportedRpcType.GRPC);
    GrpcConfigKeys.Server.setHost(p, self.host());
    GrpcConfigKeys.Server.setPort(p, self.port());
    RaftServerConfigKeys.setStorageDir(p, List.of(dataDir.toFile()));
    RaftServerConfigKeys.Read.setOption(p, RaftServerConfigKeys.Read.Option.LINEARIZABLE);
    RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, true);
    RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p, options.snapshotEveryEntries());
    RaftServerConfigKeys.Snapshot.setRetentionFileNum(p, 2);
    LogRetention.configure(p, options.snapshotEveryEntries());
    RaftServerConfigKeys.Log.setPurgeGap(
        p, (int) Math.min(1024, Math.max(1, options.snapshotEveryEntries() / 2)));
    SizeInBytes segment = SizeInBytes.valueOf(options.logSegmentBytes());
    RaftServerConfigKeys.Log.setSegmentSizeMax(p, segment);
    RaftServerConfigKeys.Log.setPreallocatedSize(
        p, SizeInBytes.valueOf(Math.min(options.logSegmentBytes(), 4L << 20)));
    // Ratis 3.2 appends a "log metadata" entry (the new commit index) after each commit, and
    // that entry is written, replicated and fsynced on every member like any other: with a
    // batch committed at a time it doubles the fsyncs and the appends each write waits behind.
    // It only lets a restarted member apply its committed entries before a leader is elected;
    // without it a member applies them once the leader commits its first entry of the new
    // term, as Raft itself has it. Durability is untouched: every entry is still fsynced on a
    // majority before it commits.
    RaftServerConfigKeys.Log.setLogMetadataEnabled(p, false);
    RaftServerConfigKeys.Rpc.setTimeoutMin(
        p, RaftRequests.millis(options.electionTimeoutMin().toMillis()));
    RaftServerConfigKeys.Rpc.setTimeoutMax(
        p, RaftRequests.millis(options.electionTimeoutMax().toMillis()));
    if (peers.size() == 1) {
      // A lone member cannot split a vote: let it elect itself at once rather than after a full
      // election timeout, which is most of `drover dev`'s start-up otherwise.
      RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMin(p, RaftRequests.millis(10));
      RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMax(p, RaftRequests.millis(50));
    }
    options.ratisProperties().forEach(p::set);
    return p;
  }

  /**
   * Starts the Raft server (recovering from the data directory), the client, watches and leases.
   */
  public RaftKvStore start() throws IOException {
    Files.createDirectories(dataDir);
    UUID group = GroupIdFile.resolve(dataDir, requestedGroupId);
    groupId = RaftGroupId.valueOf(group);
    LogRepair.repair(logDir(dataDir));
    try {
      checkPortFree();
    } catch (IOException e) {
      close();
      throw e;
    }
    server =
        RaftServer.newBuilder()
            .setServerId(RaftPeerId.valueOf(self.id()))
            .setGroup(RaftRequests.group(group, peers))
            .setStateMachine(stateMachine)
            .setProperties(serverProperties())
            .setParameters(RaftRequests.parameters(tls))
            .setOption(RaftStorage.StartupOption.RECOVER)
            .build();
    server.start();
    silentFollowers =
        new SilentFollowerReset(server, groupId, silence(options), System::currentTimeMillis)
            .start();
    wedgedAppends = new WedgedAppendReset(server, groupId, wedgedFor(options)).start();
    requests = new RaftRequests(group, peers, options, tls, server);
    hub.start();
    lessor.start();
    LOG.info(
        "store member {} started at {} ({}) with peers {}",
        self.id(),
        self.address(),
        tls == null ? "plaintext" : "mutual TLS",
        peers);
    return this;
  }

  // Ratis answers a server port it cannot bind with System.exit(1), which would end the whole
  // program (a master, or one that embeds Drover) with no word of which port. Checked first, so
  // a port in use is an IOException that names it; a port taken between here and Ratis' bind
  // still ends the process, which is what a daemon does on a port it cannot have.
  private void checkPortFree() throws IOException {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress(self.host(), self.port()));
    } catch (IOException e) {
      throw new IOException(
          "store member "
              + self.id()
              + " cannot listen on "
              + self.address()
              + " ("
              + e.getMessage()
              + "); is another process using the port?",
          e);
    }
  }

  /**
   * How long a follower may stay silent before the leader rebuilds its channel to it: three
   * election timeouts, at least three seconds (a follower that is only slow answers heartbeats well
   * within that).
   */
  static Duration silence(StoreOptions options) {
    Duration three = options.electionTimeoutMax().multipliedBy(3);
    return three.compareTo(Duration.ofSeconds(3)) < 0 ? Duration.ofSeconds(3) : three;
  }

  /**
   * How long this member's follower appends may stay failed before {@link WedgedAppendReset}
   * restarts them: an election timeout, at least a second.
   */
  static Duration wedgedFor(StoreOptions options) {
    Duration max = options.electionTimeoutMax();
    return max.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : max;
  }

  /** Where Ratis keeps this store's log segments under {@code dataDir}. */
  static Path logDir(Path dataDir) throws IOException {
    UUID group = GroupIdFile.read(dataDir);
    return dataDir
        .resolve((group == null ? GroupIdFile.LEGACY : group).toString())
        .resolve("current");
  }

  /** The Raft group this member belongs to (known once started). */
  public UUID groupId() {
    return groupId.getUuid();
  }

  private void maybeCompact(long revision) {
    if (!stateMachine.isLeader() || closed) {
      return;
    }
    long target =
        AutoCompaction.target(revision, store.compactRevision(), options.autoCompactRetention());
    if (target > 0 && compacting.compareAndSet(false, true)) {
      submit(
              StoreRequest.newBuilder()
                  .setCompaction(CompactionRequest.newBuilder().setRevision(target))
                  .build())
          .whenComplete((r, e) -> compacting.set(false));
    }
  }

  @Override
  protected CompletableFuture<StoreResponse> submit(StoreRequest request) {
    if (closed) {
      return CompletableFuture.failedFuture(
          new KvStoreException(KvStoreException.Kind.UNAVAILABLE, "store is closed"));
    }
    return requests.submit(request);
  }

  @Override
  protected CompletableFuture<StoreResponse> submitLocal(StoreRequest request) {
    if (closed) {
      return CompletableFuture.failedFuture(
          new KvStoreException(KvStoreException.Kind.UNAVAILABLE, "store is closed"));
    }
    return CompletableFuture.completedFuture(stateMachine.serveRead(request));
  }

  @Override
  public Watch watch(WatchRequest request, WatchListener listener) {
    return hub.watch(request, listener);
  }

  @Override
  public long currentRevision() {
    return store.revision();
  }

  /** Replaces the group's members (add or remove peers); new members must already be started. */
  public CompletableFuture<Void> setMembers(List<Peer> members) {
    List<Peer> copy = List.copyOf(members);
    return CompletableFuture.runAsync(() -> requests.setConfiguration(copy), admin);
  }

  /** The current members as this member knows them. */
  public List<String> memberIds() throws IOException {
    List<String> out = new ArrayList<>();
    for (RaftPeer p : server.getDivision(groupId).getRaftConf().getCurrentPeers()) {
      out.add(p.getId().toString());
    }
    return out;
  }

  /** This member's id. */
  public String id() {
    return self.id();
  }

  /** Whether this member currently leads. */
  public boolean isLeader() {
    return stateMachine.isLeader();
  }

  /**
   * This member's Raft role as Ratis reports it (LEADER, FOLLOWER, CANDIDATE, ...), or UNKNOWN when
   * not running.
   */
  public String role() {
    try {
      return server.getDivision(groupId).getInfo().getCurrentRole().name();
    } catch (IOException | RuntimeException e) {
      return "UNKNOWN";
    }
  }

  /** The Raft term this member is in, or -1 when not running. */
  public long currentTerm() {
    try {
      return server.getDivision(groupId).getInfo().getCurrentTerm();
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** Index of the last log entry applied here. */
  public long lastAppliedIndex() {
    return stateMachine.getLastAppliedTermIndex().getIndex();
  }

  /** Index of the latest snapshot here, or -1. */
  public long latestSnapshotIndex() {
    var s = stateMachine.getLatestSnapshot();
    return s == null ? -1 : s.getIndex();
  }

  /** First index still present in the Raft log here (grows as the log is purged). */
  public long logStartIndex() throws IOException {
    return server.getDivision(groupId).getRaftLog().getStartIndex();
  }

  /**
   * This member's Raft numbers for metrics: role, term, commit, applied and snapshot indexes, and
   * Ratis' own election, log and snapshot metrics of this member.
   */
  public RaftStats stats() {
    var metrics = new RatisMetricsReader(memberId()).read();
    return new RaftStats(
        role(),
        currentTerm(),
        commitIndex(),
        lastAppliedIndex(),
        latestSnapshotIndex(),
        RatisMetricsReader.count(metrics, "electionCount"),
        RatisMetricsReader.count(metrics, "timeoutCount"),
        RatisMetricsReader.count(metrics, "numInstallSnapshot"),
        RatisMetricsReader.timing(metrics, "appendEntryLatency"),
        RatisMetricsReader.timing(metrics, "syncTime"),
        RatisMetricsReader.timing(metrics, "takeSnapshot"));
  }

  // Ratis names a member's metric registries after its group member id (id@group-...).
  private String memberId() {
    RaftGroupId group = groupId;
    return group == null ? self.id() : self.id() + "@" + group;
  }

  private long commitIndex() {
    try {
      return server.getDivision(groupId).getRaftLog().getLastCommittedIndex();
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** This member's Raft division, for tests that reach into Ratis. */
  RaftServer.Division division() throws IOException {
    return server.getDivision(groupId);
  }

  /** The MVCC state, for tests that compare members. */
  public MvccStore mvcc() {
    return store;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    lessor.close();
    if (silentFollowers != null) {
      silentFollowers.close();
    }
    if (wedgedAppends != null) {
      wedgedAppends.close();
    }
    // Watchers first: they learn at once that this member is going and can resume on
    // another, instead of waiting for the Raft server's shutdown.
    hub.close();
    if (requests != null) {
      requests.close();
    }
    try {
      if (server != null) {
        server.close();
      }
    } catch (IOException e) {
      LOG.warn("closing the Raft server failed", e);
    }
    admin.shutdownNow();
    try {
      admin.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
