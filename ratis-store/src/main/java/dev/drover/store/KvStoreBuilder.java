package dev.drover.store;

import dev.drover.store.api.Peer;
import dev.drover.store.api.PeerTls;
import dev.drover.store.api.StoreOptions;
import dev.drover.store.raft.RaftKvStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** Configures and starts a replicated store member; obtained from {@link KvStores}. */
public final class KvStoreBuilder {
  private final Peer self;
  private final List<Peer> peers;
  private final Path dataDir;
  private StoreOptions options = new StoreOptions();
  private PeerTls tls;
  private java.util.UUID groupId;

  KvStoreBuilder(Peer self, List<Peer> peers, Path dataDir) {
    this.self = self;
    this.peers = List.copyOf(peers);
    this.dataDir = dataDir;
  }

  /** Replaces the options. */
  public KvStoreBuilder options(StoreOptions options) {
    this.options = options;
    return this;
  }

  /** The options, to adjust in place. */
  public StoreOptions options() {
    return options;
  }

  /**
   * Runs the member's Raft server and clients over mutual TLS ({@link PeerTls}); without it they
   * are plaintext.
   */
  public KvStoreBuilder tls(PeerTls tls) {
    this.tls = java.util.Objects.requireNonNull(tls, "tls");
    return this;
  }

  /**
   * The Raft group of a new cluster (the same on every member); a data directory that already
   * records one keeps it, and one that records another refuses to start. Default: a fixed id.
   */
  public KvStoreBuilder groupId(java.util.UUID groupId) {
    this.groupId = java.util.Objects.requireNonNull(groupId, "groupId");
    return this;
  }

  /** This member's data directory. */
  public Path dataDir() {
    return dataDir;
  }

  /** The group's members, this one included. */
  public List<Peer> peers() {
    return peers;
  }

  /** This member. */
  public Peer self() {
    return self;
  }

  /** Starts the member; it recovers whatever its data directory holds. */
  public RaftKvStore start() throws IOException {
    return new RaftKvStore(self, peers, dataDir, options, tls, groupId).start();
  }
}
